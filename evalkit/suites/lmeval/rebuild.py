"""Rebuilding a task for scoring from its definition, over the documents stored in the prompts.

The documents come from the prompts' metadata, so the task's data need not be reachable any
more: `stored_documents` makes lm-eval read them instead of downloading its data set, and
`scoring_tasks` rebuilds the task from the YAML it was built from (a group's tasks from the
group, which may override their settings), once per process.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalkit.errors import UserError
from evalkit.records import Prompt
from evalkit.scoring import ScoringContext
from evalkit.suites.lmeval.tasks import SUITE_PREFIX, _one_line, quiet_lm_eval, task_manager


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

    ConfigurableTask.download = download
    try:
        yield
    finally:
        ConfigurableTask.download = original


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
