"""Scoring lm-eval responses with the task's own filters and metrics.

`score_lmeval(ctx)` rebuilds the task with lm-eval (see `evalkit.suites.lmeval.rebuild`), puts
the responses into lm-eval `Instance`s, runs the task's own `apply_filters` and
`process_results(doc, results)`, and writes one Score per response, metric and filter: scorer
`lmeval:<task>`, metric `<metric>` (filter "none") or `<metric>:<filter>`, value the item's
value, details with the filtered answer. An errored response is scored as an empty answer
(counted, never dropped). A task with `repeats: K` takes a prompt's first K samples (run with
`--samples K`) as the K answers of one document.

evalkit's runner asks with the *model's* settings, not the task's. `until` is applied here:
each response is cut at the first `until` string, exactly as lm-eval's models cut their
generations. `max_gen_toks` cannot be applied afterwards, so scoring prints a warning (and
records it in each score's details) for every model whose `max_tokens` (or temperature) differs
from the task's.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.errors import UserError
from evalkit.records import Prompt, Response, Score
from evalkit.scoring import SCORERS, ScoringContext, register_scorer
from evalkit.suites.lmeval.rebuild import _definition_docs, scoring_tasks
from evalkit.suites.lmeval.tasks import (
    GENERATE,
    NO_FILTER,
    SCORER_KEY,
    SUITE_PREFIX,
    _jsonable,
    max_gen_toks,
    quiet_lm_eval,
    until_strings,
)


def cut_at_until(text: str, until: Sequence[str]) -> str:
    """The text before the first stop string, as lm-eval's models return generations."""
    from lm_eval.models.utils import postprocess_generated_text

    return postprocess_generated_text(text, stop=list(until) or None, think_end_token=None)


@dataclass
class _Answer:
    """One document's answers of one model: `repeats` samples (usually one)."""

    prompt: Prompt
    responses: list[Response]
    texts: list[str]
    cut: list[bool] = field(default_factory=list)


def scorer_for(suite: str) -> Any:
    """The scorer of a suite: registered for it, or for its family (`lmeval:*`). The hook
    `evalkit score` needs: `scorers.get(suite) or scorers.get(family + ":*")`."""
    if suite in SCORERS:
        return SCORERS[suite]
    family, sep, _ = suite.partition(":")
    return SCORERS.get(f"{family}:*") if sep else None


@register_scorer(SCORER_KEY)
def score_lmeval(ctx: ScoringContext) -> list[Score]:
    """Score records for a run's lm-eval responses (any number of lmeval suites)."""
    by_suite: dict[str, dict[str, Prompt]] = {}
    for prompt in ctx.prompts.values():
        if prompt.suite.startswith(SUITE_PREFIX):
            by_suite.setdefault(prompt.suite, {})[prompt.id] = prompt
    scores: list[Score] = []
    for _, prompts in sorted(by_suite.items()):
        responses = [r for r in ctx.responses if r.prompt_id in prompts]
        if responses:
            scores += score_suite(ctx, prompts, responses)
    return scores


def score_suite(
    ctx: ScoringContext, prompts: dict[str, Prompt], responses: list[Response]
) -> list[Score]:
    """lm-eval's filters and `process_results` over one suite's responses."""
    first = next(iter(prompts.values()))
    name = str(first.metadata.get("task") or first.suite.removeprefix(SUITE_PREFIX))
    settings = first.metadata.get("lmeval")
    if not isinstance(settings, dict) or "doc" not in first.metadata:
        raise UserError(f"prompt {first.id}: not an lm-eval prompt (built by `suites lm-eval`)")
    tasks = scoring_tasks(settings, _definition_docs(ctx, settings, prompts))
    if name not in tasks:
        raise UserError(f"{first.suite}: {settings.get('spec')!r} no longer defines task {name!r}")
    task = tasks[name]
    _warn_version(name, settings, task)
    repeats = int(task.config.repeats or 1)
    generation_kwargs = dict(first.metadata.get("generation_kwargs") or {})
    until = until_strings(generation_kwargs)
    mismatches = _setting_mismatches(ctx.run_dir, generation_kwargs, {r.model for r in responses})
    for model, problem in sorted(mismatches.items()):
        print(f"evalkit: warning: lmeval:{name}: model {model}: {problem}", file=sys.stderr)
    scores: list[Score] = []
    by_model: dict[str, list[Response]] = {}
    for response in responses:
        by_model.setdefault(response.model, []).append(response)
    for model, model_responses in sorted(by_model.items()):
        answers = _answers(prompts, model_responses, repeats, until, name, model)
        scores += _score_answers(ctx, task, name, answers, generation_kwargs, mismatches.get(model))
    return scores


def _answers(
    prompts: dict[str, Prompt],
    responses: list[Response],
    repeats: int,
    until: list[str],
    name: str,
    model: str,
) -> list[_Answer]:
    by_prompt: dict[str, list[Response]] = {}
    for response in sorted(responses, key=lambda r: (r.prompt_id, r.sample)):
        by_prompt.setdefault(response.prompt_id, []).append(response)
    answers = []
    short = 0
    for prompt_id, group in by_prompt.items():
        if repeats == 1:
            chunks = [[r] for r in group]  # every sample is an answer of its own
        else:
            short += len(group) < repeats
            chunks = [group[:repeats]]  # the first `repeats` samples answer the document
        for chunk in chunks:
            raw = [(r.text or "") if r.ok else "" for r in chunk]
            texts = [cut_at_until(text, until) for text in raw]
            answers.append(
                _Answer(
                    prompt=prompts[prompt_id],
                    responses=chunk,
                    texts=texts,
                    cut=[a != b for a, b in zip(raw, texts, strict=True)],
                )
            )
    if short:
        print(
            f"evalkit: warning: lmeval:{name}: model {model}: {short} document(s) have fewer "
            f"than the task's {repeats} repeats (run with --samples {repeats})",
            file=sys.stderr,
        )
    return answers


def _score_answers(
    ctx: ScoringContext,
    task: Any,
    name: str,
    answers: list[_Answer],
    generation_kwargs: dict[str, Any],
    mismatch: str | None,
) -> list[Score]:
    from lm_eval.api.instance import Instance

    if not answers:
        return []
    instances = []
    for answer in answers:
        doc_id = int(answer.prompt.metadata["doc_id"])
        instance = Instance(
            request_type=GENERATE,
            doc=answer.prompt.metadata["doc"],
            arguments=(answer.prompt.messages[-1].content, dict(generation_kwargs)),
            idx=0,
            metadata=(name, doc_id, len(answer.texts)),
        )
        instance.resps = list(answer.texts)
        instances.append(instance)
    task._instances = instances  # what `apply_filters` runs over, as in lm-eval's evaluate
    with quiet_lm_eval():
        task.apply_filters()
    aggregations = task.aggregation()
    higher = task.higher_is_better()
    scores = []
    for filter_name in instances[0].filtered_resps:
        for answer, instance in zip(answers, instances, strict=True):
            with quiet_lm_eval():
                results = task.process_results(instance.doc, [instance.filtered_resps[filter_name]])
            for metric_name, raw in results.items():
                value = _number(raw)
                details: dict[str, Any] = {
                    "task": name,
                    "doc_id": instance.doc_id,
                    "metric": metric_name,
                    "filter": filter_name,
                    "lmeval_key": f"{metric_name},{filter_name}",
                    "filtered": _jsonable(instance.filtered_resps[filter_name]),
                    "target": answer.prompt.metadata.get("target"),
                    "aggregation": _aggregation_name(aggregations.get(metric_name)),
                    "higher_is_better": _jsonable(higher.get(metric_name)),
                }
                if value is None:
                    details["item"] = _jsonable(raw)
                if any(answer.cut):
                    details["cut_at_until"] = True
                if len(answer.responses) > 1:
                    details["samples"] = [r.sample for r in answer.responses]
                errors = [r.error for r in answer.responses if not r.ok]
                if errors:
                    details["response_error"] = errors[0]
                if mismatch:
                    details["settings_mismatch"] = mismatch
                response = answer.responses[0]
                scores.append(
                    Score(
                        run_id=ctx.run_id,
                        prompt_id=response.prompt_id,
                        model=response.model,
                        sample=response.sample,
                        scorer=SUITE_PREFIX + name,
                        metric=score_metric(metric_name, filter_name),
                        value=value,
                        details=details,
                    )
                )
    return scores


def score_metric(metric_name: str, filter_name: str) -> str:
    """A Score's metric: lm-eval's metric, with its filter unless that is the default "none"."""
    return metric_name if filter_name == NO_FILTER else f"{metric_name}:{filter_name}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return None


def _aggregation_name(fn: Any) -> str | None:
    if fn is None:
        return None
    from lm_eval.api.registry import AGGREGATION_REGISTRY

    for name in list(AGGREGATION_REGISTRY.keys()):
        if AGGREGATION_REGISTRY.get(name) is fn:
            return str(name)
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _warn_version(name: str, settings: dict[str, Any], task: Any) -> None:
    built = settings.get("task_version")
    now = _jsonable(task.VERSION)
    if built is not None and built != now:
        print(
            f"evalkit: warning: lmeval:{name}: the prompts were built with task version {built}, "
            f"scored with version {now}",
            file=sys.stderr,
        )


def _setting_mismatches(
    run_dir: Path, generation_kwargs: dict[str, Any], models: set[str]
) -> dict[str, str]:
    """Per model, how its recorded generation settings differ from the task's (max_tokens,
    temperature); models the run manifest does not describe are not judged."""
    from evalkit.rundir import RunDir

    try:
        manifest = RunDir(run_dir).read_manifest()
    except Exception:  # a damaged manifest is reported by the commands that own it
        manifest = None
    specs = manifest.models if manifest else {}
    wanted_tokens = max_gen_toks(generation_kwargs)
    wanted_temperature = generation_kwargs.get("temperature")
    out = {}
    for model in models:
        params = (specs.get(model) or {}).get("params") if isinstance(specs, dict) else None
        if not isinstance(params, dict):
            continue
        problems = []
        tokens = params.get("max_tokens")
        if isinstance(tokens, int) and tokens != wanted_tokens:
            effect = (
                "answers may be cut short"
                if tokens < wanted_tokens
                else "answers may run on where lm-eval would have stopped them"
            )
            problems.append(
                f"max_tokens {tokens} but the task generates up to {wanted_tokens} tokens "
                f"(max_gen_toks): {effect}"
            )
        temperature = params.get("temperature")
        if isinstance(wanted_temperature, int | float) and isinstance(temperature, int | float):
            if float(temperature) != float(wanted_temperature):
                problems.append(
                    f"temperature {temperature} but the task asks for {wanted_temperature}"
                )
        if problems:
            out[model] = "; ".join(problems)
    return out
