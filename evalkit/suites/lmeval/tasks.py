"""Loading lm-eval tasks through lm-eval's own `TaskManager`, and the settings they share.

A task, group or tag name, or a task YAML (`include_path` adds folders of task YAMLs) is
loaded as lm-eval loads it, with one-line errors: an unknown name says what is close, and a
`loglikelihood`, `loglikelihood_rolling` or `multiple_choice` task is refused (before its data
is downloaded when the index declares it) because it needs the log-probabilities of given
continuations, not generated text. Also here: the names every part of `evalkit.suites.lmeval`
shares (suite prefix, scorer key, statistics family), the task's generation settings
(`max_gen_toks`, `until`), and `quiet_lm_eval`, which silences lm-eval's logs and bars.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import UserError

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
    task_module.tqdm = lambda iterable=None, *args, **kwargs: iterable
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


# --------------------------------------------------------------------------- generation settings


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


def _jsonable(value: Any) -> Any:
    from lm_eval.utils import handle_non_serializable

    return json.loads(json.dumps(value, default=handle_non_serializable, ensure_ascii=False))
