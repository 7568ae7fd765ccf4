"""Any lm-eval `generate_until` task as an evalkit suite: prompts, scoring and statistics.

**Prompts.** `build_suites(TASK)` loads the task through lm-eval's own `TaskManager` (a task,
group or tag name, or a task YAML; `include_path` adds folders of task YAMLs) and builds its
requests with the task's own `build_all_requests`, set up as `lm_eval.simple_evaluate` sets it
up (its seeds, its few-shot seed, `num_fewshot` rules), so the prompts are exactly the ones
lm-eval would send. One Prompt per document: id `lmeval-<task>-<doc index>`, suite
`lmeval:<task>`, metadata {task, doc_id, doc (the document `process_results` receives, made
JSON-safe), target, generation_kwargs, lmeval (how it was built, to score it later)}. The
messages depend on `fmt`:

- `multiturn` (default): what lm-eval sends to a chat endpoint (`--model local-chat-completions
  --apply_chat_template --fewshot_as_multiturn`): a system turn (system instruction and task
  description) if any, each few-shot example as a user turn and an assistant turn, the
  document as the last user turn;
- `singleturn`: the same with the few-shot examples folded into one user turn
  (`--apply_chat_template` without `--fewshot_as_multiturn`);
- `plain`: the whole formatted context lm-eval gives a completion model (no chat template),
  as one user turn.

A task whose prompt ends with an assistant prefix (`gen_prefix`) can only be built `plain`:
evalkit's runner does not continue an assistant message.

**Generation settings.** evalkit's runner asks with the *model's* settings (`params` in the
config), not the task's. `until` is applied when scoring: each response is cut at the first
`until` string, exactly as lm-eval's models cut their generations (for greedy decoding the text
before a stop string does not depend on whether the server stopped there). `max_gen_toks`
cannot be applied afterwards, so `evalkit suites lm-eval` says which `max_tokens` to give the
models, and scoring prints a warning (and records it in each score's details) for every model
whose `max_tokens` (or temperature) differs from the task's.

**Scoring.** `score_lmeval(ctx)` rebuilds the task with lm-eval (from the YAML it was built
from; the documents come from the prompts, so the task's data need not be reachable any more),
puts the responses into lm-eval `Instance`s, runs the task's own `apply_filters` and
`process_results(doc, results)`, and writes one Score per response, metric and filter: scorer
`lmeval:<task>`, metric `<metric>` (filter "none") or `<metric>:<filter>`, value the item's
value, details with the filtered answer. An errored response is scored as an empty answer
(counted, never dropped). A task with `repeats: K` takes a prompt's first K samples (run with
`--samples K`) as the K answers of one document.

**Statistics.** `lmeval_rows(run_dir or frames)` gives long-table rows (graders "program") named
`lmeval:<task>:<metric>[:<filter>]`, registered with `evalkit.stats.table.register_metric`
(family "lmeval"): a 0/1 metric is a rate with the prompt-clustered Wilson interval
(`clustered_rate`); any other metric averaged by lm-eval is a value with a percentile bootstrap
over prompts; a corpus-level aggregation (bleu, chrf, ter, f1...) is lm-eval's own aggregation,
with a `cluster_bootstrap` interval. With one sample per prompt the estimate is lm-eval's number.

**Not supported:** `loglikelihood`, `loglikelihood_rolling` and `multiple_choice` tasks: they
need the log-probabilities of given continuations, not generated text, which an
OpenAI-compatible *completions* endpoint gives with `logprobs` and `echo` (vLLM, llama.cpp's
server); evalkit's runner asks for text only, so these are refused with that explanation (run
them with lm-eval's `local-completions` model). A group's aggregate over its tasks is not
computed: each task of a group is its own suite.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import math
import os
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import UserError
from evalkit.records import Message, Prompt, Response, Score
from evalkit.scoring import SCORERS, ScoringContext, register_scorer

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames
    from evalkit.stats.table import Metric

SUITE_PREFIX = "lmeval:"
# the key under which `score_lmeval` is registered for every lmeval suite: `evalkit score` finds
# it once its lookup falls back to "<family>:*" (see `scorer_for`)
SCORER_KEY = "lmeval:*"
FAMILY = "lmeval"
FORMATS = ("multiturn", "singleturn", "plain")
GENERATE = "generate_until"
# lm-eval's models generate this many tokens when a task sets no max_gen_toks
DEFAULT_MAX_GEN_TOKS = 256
NO_FILTER = "none"


def _lm_eval_seeds() -> tuple[int, int]:
    from lm_eval.defaults import DEFAULT_OTHER_SEED, DEFAULT_RANDOM_SEED

    return DEFAULT_RANDOM_SEED, DEFAULT_OTHER_SEED


# --------------------------------------------------------------------------- loading tasks


@contextlib.contextmanager
def quiet_lm_eval() -> Iterator[None]:
    """lm-eval and `datasets` without their INFO/WARNING logs and progress bars (restored after):
    evalkit prints what matters itself."""
    import datasets
    import lm_eval.api.task as task_module

    logger = logging.getLogger("lm_eval")
    level = logger.level
    logger.setLevel(logging.ERROR)
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    progress = task_module.tqdm
    task_module.tqdm = lambda iterable=None, *args, **kwargs: iterable  # type: ignore[assignment]
    try:
        yield
    finally:
        task_module.tqdm = progress
        if bars_were_on:
            datasets.enable_progress_bars()
        logger.setLevel(level)


def _include_paths(include_path: Sequence[str | os.PathLike[str]] | None) -> list[Path]:
    paths = []
    for entry in include_path or []:
        path = Path(entry).expanduser().resolve()
        if not path.is_dir():
            raise UserError(f"{entry}: --include-path folder not found")
        paths.append(path)
    return paths


def _spec(task: str) -> str:
    """A task name as given, or a YAML file as an absolute path (so a run can find it again)."""
    path = Path(task).expanduser()
    return str(path.resolve()) if path.suffix in (".yaml", ".yml") and path.is_file() else task


def task_manager(spec: str, include_path: Sequence[Path]) -> Any:
    """lm-eval's TaskManager for `spec`. lm-eval's own ~15,000 task files take ~15 s to index, so
    when `spec` is a YAML file or is in `include_path` with every task it names (a group's, a
    tag's) only those folders are indexed, which builds the same tasks; otherwise every task is
    indexed, as lm-eval does."""
    from lm_eval.tasks import TaskManager
    from lm_eval.tasks._index import TaskIndex

    if include_path or Path(spec).is_file():
        manager = TaskManager(include_path=list(include_path) or None, include_defaults=False)
        entry = manager.task_index.get(spec)
        if entry is None and Path(spec).is_file():
            entry = TaskIndex.entry_from_path(Path(spec))
        if entry is not None and _self_contained(entry, manager.task_index):
            return manager
    return TaskManager(include_path=list(include_path) or None)


def _self_contained(entry: Any, index: dict[str, Any], depth: int = 0) -> bool:
    """Whether every task `entry` builds is defined in `index` (a task always is)."""
    from lm_eval.tasks._index import Kind

    if entry.kind in (Kind.TASK, Kind.PY_TASK):
        return True
    if depth > 8:
        return False
    if entry.kind == Kind.TAG:
        names = list(entry.tags or ())
    elif entry.kind == Kind.GROUP and isinstance(entry.cfg, dict):
        members = entry.cfg.get("task") or []
        members = members if isinstance(members, list) else [members]
        names = [m if isinstance(m, str) else m.get("task") for m in members if isinstance(m, str)
                 or (isinstance(m, dict) and "group" not in m)]  # fmt: skip
        if len(names) != len(members):
            return False  # an inline group: let lm-eval's full index decide
    else:
        return False
    return bool(names) and all(
        isinstance(n, str) and n in index and _self_contained(index[n], index, depth + 1)
        for n in names
    )


def _check_known(manager: Any, spec: str, include_path: Sequence[Path]) -> None:
    if spec in manager.task_index or Path(spec).is_file():
        return
    where = "lm-eval's tasks" + (" and --include-path" if include_path else "")
    close = difflib.get_close_matches(spec, manager.all_tasks, n=3, cutoff=0.75)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UserError(f"unknown lm-eval task {spec!r}: not in {where}{hint}")


def _declared_output_types(manager: Any, spec: str) -> dict[str, str]:
    """Output types the index declares for the tasks of `spec` (best effort, before any data is
    loaded), so a log-likelihood task is refused before its data set is downloaded."""
    from lm_eval.tasks._index import Kind

    index = manager.task_index
    found: dict[str, str] = {}

    def walk(name: str, depth: int = 0) -> None:
        entry = index.get(name)
        if entry is None or depth > 8:
            return
        if entry.kind == Kind.TAG:
            for child in sorted(entry.tags or ()):
                walk(child, depth + 1)
        elif entry.kind == Kind.GROUP:
            children = (entry.cfg or {}).get("task") or []
            for child in children if isinstance(children, list) else [children]:
                child_name = child.get("task") if isinstance(child, dict) else child
                if isinstance(child_name, str):
                    walk(child_name, depth + 1)
        elif entry.cfg and isinstance(entry.cfg.get("output_type"), str):
            found[name] = entry.cfg["output_type"]

    walk(spec)
    return found


def refuse_output_type(task: str, output_type: str) -> UserError:
    """The one-line refusal of a task that needs token log-probabilities."""
    return UserError(
        f"lm-eval task {task!r} is a `{output_type}` task: it scores the log-probabilities of "
        "given continuations, not generated text, and evalkit's runner only asks for text; "
        "only `generate_until` tasks run as evalkit suites. Run it with lm-eval itself against "
        "an OpenAI-compatible completions endpoint that returns token `logprobs` with `echo` "
        "(vLLM, llama.cpp's server): lm_eval --model local-completions"
    )


def load_tasks(spec: str, include_path: Sequence[Path]) -> tuple[Any, dict[str, Any]]:
    """(manager, {task name: Task}) through lm-eval's own loading, with one-line errors."""
    manager = task_manager(spec, include_path)
    _check_known(manager, spec, include_path)
    for name, output_type in _declared_output_types(manager, spec).items():
        if output_type != GENERATE:
            raise refuse_output_type(name, output_type)
    try:
        with quiet_lm_eval():
            loaded = manager.load([spec])
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:  # the data set could not be read, a bad YAML, ...
        raise UserError(
            f"lm-eval could not load task {spec!r}: {_one_line(exc)} (the task's data must be "
            "reachable: its Hugging Face data set, cached or online, or its local data_files, "
            "which lm-eval reads relative to the working folder)"
        ) from None
    tasks = loaded["tasks"]
    for name, task in tasks.items():
        if task.OUTPUT_TYPE != GENERATE:
            raise refuse_output_type(name, str(task.OUTPUT_TYPE))
    return manager, tasks


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- prompts


@dataclass
class LmevalSuite:
    """One task's prompts and what the runner should know about them."""

    task: str
    prompts: list[Prompt]
    generation_kwargs: dict[str, Any]
    num_fewshot: int
    repeats: int
    yaml_path: str | None

    @property
    def suite(self) -> str:
        return SUITE_PREFIX + self.task

    @property
    def max_gen_toks(self) -> int:
        return max_gen_toks(self.generation_kwargs)


def max_gen_toks(generation_kwargs: dict[str, Any]) -> int:
    """The token budget lm-eval's models give a task's generations."""
    for key in ("max_tokens", "max_gen_toks"):  # lm-eval's API models read both, in this order
        if isinstance(generation_kwargs.get(key), int):
            return int(generation_kwargs[key])
    return DEFAULT_MAX_GEN_TOKS


def until_strings(generation_kwargs: dict[str, Any]) -> list[str]:
    until = generation_kwargs.get("until")
    if isinstance(until, str):
        return [until]
    return [u for u in until or [] if isinstance(u, str) and u]


def build_suites(
    task: str,
    *,
    limit: int | None = None,
    include_path: Sequence[str | os.PathLike[str]] | None = None,
    num_fewshot: int | None = None,
    fmt: str = "multiturn",
    system_instruction: str | None = None,
    fewshot_seed: int | None = None,
    register: bool = True,
) -> list[LmevalSuite]:
    """Prompts of every task of `task` (a task, group or tag name, or a task YAML), as lm-eval
    builds its requests. `register` also registers the scorer for each suite in this process."""
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1 (got {limit})")
    paths = _include_paths(include_path)
    spec = _spec(task)
    random_seed, other_seed = _lm_eval_seeds()
    seed = other_seed if fewshot_seed is None else fewshot_seed
    # seeded as `simple_evaluate` seeds before loading: a task's process_docs may draw from
    # Python's generator (gpqa shuffles its choices), when the task is loaded and again when its
    # requests are built, so loading and building share one seeded stream, in lm-eval's order
    with _seeded(random_seed, other_seed):
        manager, tasks = load_tasks(spec, paths)
        built = {}
        for name, lm_task in tasks.items():
            shots = _configure_fewshot(lm_task, num_fewshot, seed)
            with quiet_lm_eval():
                built[name] = (shots, _build_requests(lm_task, limit, fmt, system_instruction))
    import lm_eval

    suites = []
    for name, lm_task in tasks.items():
        shots, instances = built[name]
        source = (lm_task.config.metadata or {}).get("config_source")
        settings = {
            "spec": spec,
            "include_path": [str(p) for p in paths],
            "yaml_path": source if source and source != "inline" else None,
            "standalone": _builds_alone(manager, spec),
            "format": fmt,
            "num_fewshot": shots,
            "fewshot_seed": seed,
            "system_instruction": system_instruction,
            "output_type": lm_task.OUTPUT_TYPE,
            "repeats": int(lm_task.config.repeats or 1),
            "task_version": _jsonable(lm_task.VERSION),
            "lm_eval_version": getattr(lm_eval, "__version__", None),
        }
        prompts = [_prompt(lm_task, name, inst, fmt, settings) for inst in instances]
        suite = LmevalSuite(
            task=name,
            prompts=prompts,
            generation_kwargs=_jsonable(dict(lm_task.config.generation_kwargs or {})),
            num_fewshot=shots,
            repeats=settings["repeats"],
            yaml_path=settings["yaml_path"],
        )
        if register:
            register_scorer(suite.suite)(score_lmeval)
        suites.append(suite)
    return suites


def _builds_alone(manager: Any, spec: str) -> bool:
    """Whether `spec` builds its tasks from their own YAML files alone (a task, a tag), not
    through a group, which may override its tasks' settings."""
    from lm_eval.tasks._index import Kind, TaskIndex

    entry = manager.task_index.get(spec)
    if entry is None and Path(spec).is_file():
        entry = TaskIndex.entry_from_path(Path(spec))
    return entry is not None and entry.kind in (Kind.TASK, Kind.PY_TASK, Kind.TAG)


def _configure_fewshot(task: Any, num_fewshot: int | None, seed: int) -> int:
    """`num_fewshot` and the few-shot seed as `lm_eval.simple_evaluate` sets them."""
    default = task.get_config("num_fewshot")
    if num_fewshot is not None and default != 0:
        task.set_config(key="num_fewshot", value=num_fewshot)
    elif default is None:
        task.set_config(key="num_fewshot", value=0)
    task.set_fewshot_seed(seed=seed)
    return int(task.get_config("num_fewshot") or 0)


@contextlib.contextmanager
def _seeded(random_seed: int, numpy_seed: int) -> Iterator[None]:
    """Python's and numpy's global generators seeded as `simple_evaluate` seeds them, and
    restored after (the caller's random state is not disturbed)."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(random_seed)
    np.random.seed(numpy_seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def chat_json(chat_history: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
    """A chat "template" that keeps the turns: what lm-eval's API chat models do (they send
    the turns as JSON messages)."""
    return json.dumps(chat_history, ensure_ascii=False)


def _build_requests(task: Any, limit: int | None, fmt: str, system: str | None) -> list[Any]:
    from lm_eval.evaluator_utils import get_sample_size

    chat = fmt != "plain"
    task.build_all_requests(
        limit=get_sample_size(task, limit),
        rank=0,
        world_size=1,
        system_instruction=system,
        apply_chat_template=chat,
        fewshot_as_multiturn=fmt == "multiturn",
        chat_template=chat_json if chat else None,
        tokenizer_name="",
    )
    return list(task.instances)


def _prompt(task: Any, name: str, instance: Any, fmt: str, settings: dict[str, Any]) -> Prompt:
    context, generation_kwargs = instance.args[0], instance.args[1]
    if fmt == "plain":
        messages = [Message(role="user", content=str(context))]
    else:
        turns = json.loads(context)
        if turns and turns[-1].get("role") == "assistant":
            raise UserError(
                f"lm-eval task {name!r} starts the answer with an assistant prefix "
                f"(gen_prefix {turns[-1].get('content')!r}), which evalkit's chat runner cannot "
                "continue: build it with --format plain"
            )
        messages = [Message(role=t["role"], content=str(t["content"])) for t in turns]
    doc_id = int(instance.doc_id)
    return Prompt(
        id=f"lmeval-{name}-{doc_id}",
        suite=SUITE_PREFIX + name,
        messages=messages,
        source=f"lmeval:{name}:{doc_id}",
        metadata={
            "task": name,
            "doc_id": doc_id,
            "doc": _jsonable(instance.doc),
            "target": _jsonable(task.doc_to_target(instance.doc)),
            "generation_kwargs": _jsonable(dict(generation_kwargs or {})),
            "lmeval": settings,
        },
    )


def _jsonable(value: Any) -> Any:
    from lm_eval.utils import handle_non_serializable

    return json.loads(json.dumps(value, default=handle_non_serializable, ensure_ascii=False))


# --------------------------------------------------------------------------- scoring


class _Docs(list):
    """Stored documents as lm-eval reads a split (`features` is all lm-eval asks of it)."""

    @property
    def features(self) -> dict[str, None]:
        return dict.fromkeys(key for doc in self for key in doc)


@contextlib.contextmanager
def stored_documents(docs: dict[str, list[dict[str, Any]]]) -> Iterator[None]:
    """While open, lm-eval builds the tasks named in `docs` over those documents instead of
    loading their data set: scoring then needs the task's definition, not its data. The stored
    documents are already processed (`process_docs`), so it is not applied again."""
    from lm_eval.api.task import ConfigurableTask

    original = ConfigurableTask.download

    def download(self: Any, dataset_kwargs: Any = None, **kwargs: Any) -> None:
        stored = docs.get(self.config.task)
        if stored is None:
            return original(self, dataset_kwargs, **kwargs)
        self.config.process_docs = None
        if getattr(self, "fewshot_cfg", None) is not None:
            self.fewshot_cfg.process_docs = None
        config = self.config
        splits = {
            config.training_split, config.validation_split, config.test_split,
            config.fewshot_split, getattr(getattr(self, "fewshot_cfg", None), "split", None),
        } - {None}  # fmt: skip
        self.dataset = {split: _Docs(stored) for split in splits}
        return None

    ConfigurableTask.download = download  # type: ignore[method-assign]
    try:
        yield
    finally:
        ConfigurableTask.download = original  # type: ignore[method-assign]


_BUILT: dict[tuple, dict[str, Any]] = {}  # definitions rebuilt in this process, for reuse


def scoring_tasks(
    settings: dict[str, Any], docs: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """{task name: Task} as lm-eval builds them from the definition they were built from, over
    the stored `docs` (by task name): no data set is read for a task in `docs`.

    A task built on its own (a task, a tag) is rebuilt from its YAML file; the tasks of a group
    from the group, since a group may override its tasks' settings. A definition is rebuilt once
    per process for the same documents (`evalkit score` calls the scorer once per suite)."""
    include = [Path(p) for p in settings.get("include_path") or [] if Path(p).is_dir()]
    yaml_path = settings.get("yaml_path")
    if settings.get("standalone") and yaml_path and Path(yaml_path).is_file():
        spec = yaml_path
    else:
        spec = settings.get("spec") or next(iter(docs))
    key = (spec, tuple(map(str, include)), json.dumps(docs, sort_keys=True, default=str))
    if key in _BUILT:
        return _BUILT[key]
    names = ", ".join(SUITE_PREFIX + name for name in sorted(docs))
    manager = task_manager(spec, include)
    if spec not in manager.task_index and not Path(spec).is_file():
        raise UserError(
            f"{names}: cannot find the lm-eval task definition to score with "
            f"({yaml_path or spec}); pass the same --include-path folder it was built from"
        )
    try:
        with quiet_lm_eval(), stored_documents(docs):
            tasks = manager.load([spec])["tasks"]
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"{names}: lm-eval could not rebuild the task: {_one_line(exc)}") from None
    if len(_BUILT) >= 8:
        _BUILT.clear()
    _BUILT[key] = tasks
    return tasks


def _definition_docs(
    ctx: ScoringContext, settings: dict[str, Any], prompts: dict[str, Prompt]
) -> dict[str, list[dict[str, Any]]]:
    """Stored documents by task of every prompt built from the same definition as `prompts`
    (for a group: its other tasks too, read from the run's prompts.jsonl), in document order."""
    pool = dict(prompts)
    if not settings.get("standalone") and (Path(ctx.run_dir) / "prompts.jsonl").exists():
        from evalkit.runner import load_run_prompts

        pool = load_run_prompts(ctx.run_dir) | pool
    same = ("spec", "include_path", "standalone")
    by_task: dict[str, list[Prompt]] = {}
    for prompt in pool.values():
        built = prompt.metadata.get("lmeval") if prompt.suite.startswith(SUITE_PREFIX) else None
        if isinstance(built, dict) and all(built.get(k) == settings.get(k) for k in same):
            if "doc" not in prompt.metadata or "doc_id" not in prompt.metadata:
                raise UserError(f"prompt {prompt.id}: not an lm-eval prompt (no doc in metadata)")
            by_task.setdefault(str(prompt.metadata.get("task")), []).append(prompt)
    return {
        name: [p.metadata["doc"] for p in sorted(group, key=lambda p: int(p.metadata["doc_id"]))]
        for name, group in by_task.items()
    }


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
                        run_id=response.run_id or ctx.run_id,
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


# --------------------------------------------------------------------------- statistics


def _score_paths(source: Any) -> list[Path]:
    """scores.jsonl of a run folder, of RunFrames' run folders, or of a list of either."""
    if isinstance(source, str | os.PathLike):
        return [Path(source) / "scores.jsonl"]
    if hasattr(source, "run_dirs"):
        return [Path(d) / "scores.jsonl" for d in source.run_dirs]
    if isinstance(source, Sequence):
        return [path for part in source for path in _score_paths(part)]
    raise TypeError(f"expected a run folder, RunFrames or a list of them, got {type(source)}")


def lmeval_scores(source: str | os.PathLike[str] | RunFrames | Sequence[Any]) -> pd.DataFrame:
    """Every lmeval score of the runs, one row each (the last record per key): metric (the
    statistics' name), model, prompt_id, sample, value, item, aggregation, higher_is_better,
    task, description."""
    from evalkit.jsonio import read_records

    rows: dict[tuple, dict[str, Any]] = {}
    for path in _score_paths(source):
        if not path.exists():
            continue
        for score in read_records(path, Score, allow_torn_tail=True):
            if not score.scorer.startswith(SUITE_PREFIX):
                continue
            details = score.details
            key = (
                str(path),
                score.prompt_id,
                score.model,
                score.sample,
                score.scorer,
                score.metric,
            )
            rows[key] = {
                "metric": f"{score.scorer}:{score.metric}",
                "model": score.model,
                "prompt_id": score.prompt_id,
                "sample": score.sample,
                "value": score.value,
                "item": details.get("item"),
                "aggregation": details.get("aggregation") or "mean",
                "higher_is_better": details.get("higher_is_better"),
                "task": details.get("task") or score.scorer.removeprefix(SUITE_PREFIX),
                "lm_metric": details.get("metric") or score.metric,
                "filter": details.get("filter") or NO_FILTER,
            }
    columns = [
        "metric", "model", "prompt_id", "sample", "value", "item", "aggregation",
        "higher_is_better", "task", "lm_metric", "filter",
    ]  # fmt: skip
    return pd.DataFrame(list(rows.values()), columns=columns)


def _is_binary(values: pd.Series) -> bool:
    numbers = values.dropna()
    return not numbers.empty and bool(numbers.isin([0.0, 1.0]).all())


def register_lmeval_metrics(
    source: str | os.PathLike[str] | RunFrames | Sequence[Any] | pd.DataFrame,
) -> list[Metric]:
    """Register (evalkit.stats.table) every lmeval metric the runs' scores hold; call it before
    a gate or the report names `lmeval:<task>:<metric>`. Returns the metrics."""
    scores = source if isinstance(source, pd.DataFrame) else lmeval_scores(source)
    return [_register(name, part) for name, part in scores.groupby("metric", sort=True)]


def _register(name: str, part: pd.DataFrame) -> Metric:
    from evalkit.stats.table import REGISTRY, Metric, register_metric

    first = part.iloc[0]
    aggregation = str(first["aggregation"])
    values = pd.to_numeric(part["value"], errors="coerce")
    scale = "rate" if aggregation == "mean" and _is_binary(values) else "value"
    existing = REGISTRY.get(name)
    if existing is not None and existing.family == FAMILY:
        if existing.scale == scale or (existing.scale == "rate" and _in_unit(values)):
            return existing  # registered by another run: keep it unless the values rule it out
    higher = first["higher_is_better"]
    filter_note = "" if first["filter"] == NO_FILTER else f", {first['filter']} filter"
    metric = Metric(
        name=name,
        family=FAMILY,
        scale=scale,  # type: ignore[arg-type]
        higher_is_better=bool(higher) if isinstance(higher, bool | np.bool_) else None,
        description=f"lm-eval {first['task']}: {first['lm_metric']}{filter_note} "
        f"({aggregation} over documents)",
        graded=False,
    )
    if existing is not None and existing != metric:
        REGISTRY[name] = metric  # the values rule out the earlier scale: the data decide
        return metric
    return register_metric(metric)


def _in_unit(values: pd.Series) -> bool:
    numbers = values.dropna()
    return not numbers.empty and bool(((numbers >= 0) & (numbers <= 1)).all())


def lmeval_rows(
    source: str | os.PathLike[str] | RunFrames | Sequence[Any],
    confidence: float = 0.95,
    resamples: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Long-table rows (evalkit.stats.table.COLUMNS, graders "program") of every lm-eval metric
    in the runs' scores.jsonl, per model, clustered by prompt; the metrics are registered."""
    from evalkit.stats.bootstrap import DEFAULT_RESAMPLES
    from evalkit.stats.table import COLUMNS

    resamples = resamples or DEFAULT_RESAMPLES
    scores = lmeval_scores(source)
    if scores.empty:
        return pd.DataFrame(columns=COLUMNS)
    metrics = {m.name: m for m in register_lmeval_metrics(scores)}
    rows = []
    for (name, model), part in scores.groupby(["metric", "model"], sort=True):
        row = _metric_row(metrics[str(name)], str(model), part, confidence, resamples, seed)
        if row is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _metric_row(
    metric: Metric,
    model: str,
    part: pd.DataFrame,
    confidence: float,
    resamples: int,
    seed: int | None,
) -> dict[str, Any] | None:
    from evalkit.stats.bootstrap import group_rng, percentile_interval, resampled_sums
    from evalkit.stats.estimate import cluster_bootstrap, clustered_rate
    from evalkit.stats.table import ALL

    aggregation = str(part["aggregation"].iloc[0])
    values = pd.to_numeric(part["value"], errors="coerce")
    rng = group_rng(seed, (metric.name, model))
    base = {
        "metric": metric.name, "model": model, "baseline": "", "group": ALL,
        "graders": "program", "unit": "prompts", "p_value": math.nan, "p_adjusted": math.nan,
    }  # fmt: skip
    if aggregation == "mean" and values.notna().any():
        data = pd.DataFrame({"prompt_id": part["prompt_id"], "value": values}).dropna()
        if metric.scale == "rate":
            e = clustered_rate(data["value"].to_numpy(), data["prompt_id"].to_numpy(),
                               confidence=confidence)  # fmt: skip
            return base | {
                "estimate": e.estimate, "low": e.low, "high": e.high, "k": e.k, "n": e.n,
                "n_items": e.n_items, "method": e.method,
            }  # fmt: skip
        sums = data.groupby("prompt_id", sort=True)["value"].agg(["sum", "size"])
        y, m = sums["sum"].to_numpy(float), sums["size"].to_numpy(float)
        point = float(y.sum() / m.sum())
        low = high = math.nan
        if len(y) >= 2:
            draws = resampled_sums(np.column_stack([y, m]), resamples, rng)
            low, high = (float(v) for v in percentile_interval(draws[:, 0] / draws[:, 1],
                                                               confidence))  # fmt: skip
        return base | {
            "estimate": point, "low": low, "high": high, "k": float(y.sum()), "n": len(y),
            "n_items": int(m.sum()),
            "method": f"percentile bootstrap over prompts ({resamples} resamples)",
        }  # fmt: skip
    function = _aggregation_function(aggregation)
    items = part[part["item"].notna()]
    if function is None or items.empty:
        return None  # an aggregation lm-eval cannot name back: no row (the scores keep items)
    frame = pd.DataFrame({"prompt_id": items["prompt_id"].to_numpy(), "item": items["item"]})

    def statistic(sample: pd.DataFrame) -> float:
        return float(function([_tuple(v) for v in sample["item"]]))

    point, low, high = cluster_bootstrap(
        frame, statistic, confidence=confidence, resamples=resamples, seed=rng
    )
    return base | {
        "estimate": point, "low": low, "high": high, "k": math.nan,
        "n": frame["prompt_id"].nunique(), "n_items": len(frame),
        "method": f"lm-eval {aggregation}; cluster bootstrap over prompts ({resamples} resamples)",
    }  # fmt: skip


def _aggregation_function(name: str) -> Any:
    from lm_eval.api.registry import AGGREGATION_REGISTRY

    with quiet_lm_eval():
        return AGGREGATION_REGISTRY.get(name, None)


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def lmeval_items(
    source: str | os.PathLike[str] | RunFrames | Sequence[Any], metric: str, model: str
) -> pd.DataFrame:
    """(prompt_id, value) per item of one lmeval metric and model, for paired comparisons
    (`evalkit.stats.estimate.paired_difference`), like `measured.measured_items`."""
    scores = lmeval_scores(source)
    part = scores[(scores["metric"] == metric) & (scores["model"] == model)]
    values = pd.to_numeric(part["value"], errors="coerce")
    out = pd.DataFrame({"prompt_id": part["prompt_id"], "value": values}).dropna()
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- files


def write_suites(suites: Sequence[LmevalSuite], out: str | os.PathLike[str]) -> int:
    """Every suite's prompts to one Prompt JSONL file; the number written."""
    from evalkit.jsonio import write_records

    return write_records(out, [p for suite in suites for p in suite.prompts])


def describe_suite(suite: LmevalSuite) -> str:
    """What `evalkit suites lm-eval` prints about one task's prompts."""
    until = ", ".join(json.dumps(u) for u in until_strings(suite.generation_kwargs)) or "none"
    lines = [
        f"{suite.suite}: {len(suite.prompts)} prompts ({suite.num_fewshot}-shot"
        + (f", {suite.repeats} repeats: run with --samples {suite.repeats}" if suite.repeats > 1
           else "")
        + ")",
        f"  the task generates up to {suite.max_gen_toks} tokens: give the models "
        f"params.max_tokens: {suite.max_gen_toks} (evalkit score warns when they differ)",
        f"  stop strings (each answer is cut at the first when scored): {until}",
    ]  # fmt: skip
    temperature = suite.generation_kwargs.get("temperature")
    if isinstance(temperature, int | float):
        lines.append(f"  the task asks for temperature {temperature}")
    return "\n".join(lines)
