"""Building an lm-eval task's prompts as an evalkit suite, and writing and describing them.

`build_suites(TASK)` loads the task (see `evalkit.suites.lmeval.tasks`) and builds its requests
with the task's own `build_all_requests`, set up as `lm_eval.simple_evaluate` sets it up (its
seeds, its few-shot seed, `num_fewshot` rules), so the prompts are exactly the ones lm-eval
would send. One Prompt per document: id `lmeval-<task>-<doc index>`, suite `lmeval:<task>`,
metadata {task, doc_id, doc (the document `process_results` receives, made JSON-safe), target,
generation_kwargs, lmeval (how it was built, to score it later)}. The messages depend on `fmt`:

- `multiturn` (default): what lm-eval sends to a chat endpoint (`--model local-chat-completions
  --apply_chat_template --fewshot_as_multiturn`): a system turn (system instruction and task
  description) if any, each few-shot example as a user turn and an assistant turn, the
  document as the last user turn;
- `singleturn`: the same with the few-shot examples folded into one user turn
  (`--apply_chat_template` without `--fewshot_as_multiturn`);
- `plain`: the whole formatted context lm-eval gives a completion model (no chat template),
  as one user turn.

A task whose prompt ends with an assistant prefix (`gen_prefix`) can only be built `plain`:
evalkit's runner does not continue an assistant message. `describe_suite` tells the user which
`max_tokens` to give the models, since the runner asks with the models' settings.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.errors import UserError
from evalkit.records import Message, Prompt
from evalkit.scoring import register_scorer
from evalkit.suites.lmeval.scoring import score_lmeval
from evalkit.suites.lmeval.tasks import (
    FORMATS,
    SUITE_PREFIX,
    _include_paths,
    _jsonable,
    _lm_eval_seeds,
    _spec,
    load_tasks,
    max_gen_toks,
    quiet_lm_eval,
    until_strings,
)


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
