"""A run's frames, read from its folder: grades from its grade store (every registered kind),
IFEval and automatic refusal scores from scores.jsonl, latency and text from responses.jsonl.

This is the one place the statistics read files; everything downstream is pure.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.errors import InputError, UserError
from evalkit.kinds.base import all_kinds, get_kind
from evalkit.rundir import RunDir
from evalkit.stats.frames import (
    IFEVAL_COLUMNS,
    REFUSAL_COLUMNS,
    RESPONSE_COLUMNS,
    RunFrames,
    load_grades_file,
    normalize,
)


def load_run_frames(
    run_dir: str | os.PathLike[str],
    db: str | None = None,
    rubrics_dir: str | None = None,
    seconds: bool = True,
) -> RunFrames:
    """A run's grades (from its grade store), IFEval and refusal scores, latency and text.
    The grade frames carry each grade's `seconds` (the speed of rater quality, so every caller
    flags the same raters); `seconds=False` leaves the column out (a frame to be written as a
    grades export: summarization files read any unknown column as a dimension)."""
    rundir = RunDir(run_dir).require()
    manifest = rundir.read_manifest()
    run_id = rundir.run_id
    out = RunFrames(run_dirs=[str(rundir.path)], run_ids=[run_id])
    if manifest:
        out.models = {str(k): v for k, v in manifest.models.items() if isinstance(v, dict)}
    for kind in all_kinds():
        out.rubrics[kind.name] = kind.load_rubric(rubrics_dir)
    _load_store_frames(out, rundir, run_id, db, seconds)
    if rundir.scores.exists():
        out.ifeval, out.refusals = score_frames(rundir.scores, rundir.prompts)
    if rundir.responses.exists():
        out.responses = response_frame(rundir.path)
    return out


def load_runs(
    run_dirs: list[str | os.PathLike[str]],
    db: str | None = None,
    rubrics_dir: str | None = None,
    seconds: bool = True,
) -> RunFrames:
    if not run_dirs:
        raise UserError("give at least one run folder")
    return RunFrames.combine([load_run_frames(d, db, rubrics_dir, seconds) for d in run_dirs])


def _load_store_frames(
    out: RunFrames, rundir: RunDir, run_id: str, db: str | None, seconds: bool = True
) -> None:
    """Frames from the grade store; a run with no store yet simply has no grades (said in a
    note), and reading never creates one."""
    if not rundir.has_store(db):
        out.notes.append(f"{rundir.default_store}: no grade store yet — no graded items")
        return
    from evalkit.store import GradeStore

    with GradeStore(rundir.store_url(db), create=False) as store:
        items = {item.id: item for item in store.items()}
        # a shared store (PostgreSQL) holds many runs: keep this run's items when it has any
        mine = {i for i, item in items.items() if item.run_id == run_id}
        keep = mine or set(items)
        for kind in all_kinds():
            frame = store.grade_frame(kind.name)
            frame = frame[frame["item_id"].isin(keep)]
            if seconds:
                frame = with_seconds(frame, store.current_grades(kind.name))
            out.grades[kind.name] = normalize(frame, kind, f"{rundir.path} grade store")


def with_seconds(frame: pd.DataFrame, grades: Iterable[Any]) -> pd.DataFrame:
    """A store's grade frame with each grade's `seconds` (the time from the item's first render
    to submit; the grades are the store's current `Grade`s): the speed of rater quality
    (`evalkit.stats.raters`). A frame that has the column already keeps it."""
    if "seconds" in frame.columns:
        return frame
    seconds = {(g.item_id, g.rater_id): g.seconds for g in grades}
    keys = zip(frame["item_id"], frame["rater_id"], strict=True)
    values = pd.to_numeric(pd.Series([seconds.get(k) for k in keys], dtype=object), errors="coerce")
    return frame.assign(seconds=values.to_numpy(dtype=float))


def score_frames(path: Path, prompts_path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """IFEval rows and automatic refusal rows from RUN_DIR/scores.jsonl (last record per key)."""
    from evalkit.jsonio import read_records
    from evalkit.records import Prompt, Score
    from evalkit.scoring.safety import UNDECIDABLE_TACTICS

    prompts: dict[str, Prompt] = {}
    if prompts_path is not None and prompts_path.exists():
        prompts = {p.id: p for p in read_records(prompts_path, Prompt)}
    ifeval: dict[tuple, dict[str, Any]] = {}
    refusals: dict[tuple, dict[str, Any]] = {}
    for line, score in enumerate(read_records(path, Score, allow_torn_tail=True), start=1):
        key = (score.prompt_id, score.model, score.sample)
        details = score.details
        if score.scorer == "ifeval" and score.metric == "ifeval":
            try:
                strict = [bool(v) for v in details["inst_level_strict"]]
                loose = [bool(v) for v in details["inst_level_loose"]]
                ifeval[key] = {
                    "run_id": score.run_id,
                    "prompt_id": score.prompt_id,
                    "model": score.model,
                    "sample": score.sample,
                    "prompt_strict": bool(details["prompt_level_strict"]),
                    "prompt_loose": bool(details["prompt_level_loose"]),
                    "inst_strict_pass": sum(strict),
                    "inst_loose_pass": sum(loose),
                    "inst_total": len(strict),
                }
            except (KeyError, TypeError) as exc:
                raise InputError(str(path), line, "details", f"ifeval details lack {exc}") from None
        elif (
            score.scorer == "auto:refusal" and score.metric == "refused" and score.value is not None
        ):
            prompt = prompts.get(score.prompt_id)
            refusals[key] = {
                "prompt_id": score.prompt_id,
                "model": score.model,
                "sample": score.sample,
                "area": details.get("risk_area") or details.get("area"),
                "subcategory": details.get("subcategory"),
                # the refusal rule cannot read an injected-document item (see scoring.safety)
                "expected": None
                if details.get("tactic") in UNDECIDABLE_TACTICS
                else details.get("expected"),
                "severity": details.get("severity") or (prompt.severity if prompt else None),
                "twin": details.get("twin") or (prompt.twin if prompt else None),
                "refused": bool(score.value),
            }
    return (
        pd.DataFrame(list(ifeval.values()), columns=IFEVAL_COLUMNS),
        pd.DataFrame(list(refusals.values()), columns=REFUSAL_COLUMNS),
    )


def response_frame(run_path: Path) -> pd.DataFrame:
    from evalkit.runner import load_responses, load_run_prompts

    responses = load_responses(run_path)
    try:
        prompts = {pid: p.user_text for pid, p in load_run_prompts(run_path).items()}
    except UserError:
        prompts = {}
    rows = [
        {
            "prompt_id": r.prompt_id,
            "model": r.model,
            "sample": r.sample,
            "ok": r.ok,
            "latency_s": r.latency_s,
            "ttft_s": r.ttft_s,
            "tokens_per_s": r.tokens_per_s,
            "completion_tokens": r.usage.completion_tokens,
            "text": r.text,
            "prompt_text": prompts.get(r.prompt_id),
        }
        for r in responses
    ]
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


def grades_source(
    path: str | os.PathLike[str], kind: str, db: str | None = None, seconds: bool = True
) -> RunFrames:
    """Frames from a run folder (its grade store and scores) or from one grades export."""
    if Path(path).is_dir():
        return load_run_frames(path, db, seconds=seconds)
    frames = RunFrames(run_dirs=[str(path)], run_ids=[Path(path).stem])
    frames.grades[kind] = load_grades_file(path, get_kind(kind))
    return frames
