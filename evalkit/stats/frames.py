"""The frames the statistics read: column checks, grade files, and a run's frames.

One row per grade (see the team brief, "Frames the statistics read"). Grades come from the grade
store of a run (`load_run_frames`) or from a CSV / JSONL export brought from elsewhere
(`load_grades_file`); either way a missing column or a bad value is a `UserError` naming the
file, line and field, never a silently dropped row.

Automatic grades (grader "auto", rater ids `judge:*` / `auto:*`) stay in the same frames as
humans' grades but are always marked in the `grader` column, and every statistic groups by it,
so an automatic number is never mixed into a human one.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evalkit.errors import InputError, UserError
from evalkit.jsonio import describe_validation_error, iter_json_lines
from evalkit.rubrics import SUMMARY_DIMENSIONS

Kind = Literal["sxs", "safety", "summarization"]
KINDS: tuple[str, ...] = ("sxs", "safety", "summarization")

# required columns per kind; optional ones are filled with defaults by `normalize`
REQUIRED: dict[str, tuple[str, ...]] = {
    "sxs": ("item_id", "prompt_id", "category", "rater_id", "model_a", "model_b", "score"),
    "safety": ("item_id", "prompt_id", "model", "area", "rater_id", "violation"),
    "summarization": ("item_id", "prompt_id", "model", "use_case", "rater_id", *SUMMARY_DIMENSIONS),
}
OPTIONAL: dict[str, dict[str, Any]] = {
    "sxs": {"grader": None, "is_gold": False, "gold_score": np.nan},
    "safety": {
        "subcategory": None,
        "expected": None,
        "grader": None,
        "violation_category": None,
        "refused": pd.NA,
        "is_gold": False,
        "gold_violation": pd.NA,
    },
    "summarization": {
        "content_type": None,
        "length_bucket": None,
        "stacked": None,
        "grader": None,
        "is_gold": False,
        "gold_class": None,
    },
}
AUTO_PREFIXES = ("judge:", "auto:")
IFEVAL_COLUMNS = (
    "run_id",
    "prompt_id",
    "model",
    "sample",
    "prompt_strict",
    "prompt_loose",
    "inst_strict_pass",
    "inst_loose_pass",
    "inst_total",
)
REFUSAL_COLUMNS = ("prompt_id", "model", "sample", "area", "subcategory", "expected", "refused")
RESPONSE_COLUMNS = (
    "prompt_id",
    "model",
    "sample",
    "ok",
    "latency_s",
    "ttft_s",
    "tokens_per_s",
    "completion_tokens",
    "text",
    "prompt_text",
)


GRADER_ORDER = {"human": 0, "any": 1, "auto": 2}


def graders_first(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of human grades first, then pooled, then automatic (stable otherwise)."""
    if table.empty or "graders" not in table.columns:
        return table
    order = table["graders"].map(GRADER_ORDER).fillna(3)
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def is_auto_rater(rater_id: str) -> bool:
    return str(rater_id).startswith(AUTO_PREFIXES)


def check_columns(frame: pd.DataFrame, kind: str, source: str = "frame") -> None:
    """Raise a UserError naming `source` and every missing column of a `kind` frame."""
    if kind not in REQUIRED:
        raise UserError(f"unknown grades kind {kind!r} (known: {', '.join(KINDS)})")
    missing = [c for c in REQUIRED[kind] if c not in frame.columns]
    if missing:
        raise UserError(
            f"{source}: missing column(s) {', '.join(missing)} for {kind} grades "
            f"(needs: {', '.join(REQUIRED[kind])})"
        )


def normalize(frame: pd.DataFrame, kind: str, source: str = "frame") -> pd.DataFrame:
    """Check the columns, add the optional ones, and mark automatic grades.

    A grade is automatic when its `grader` says "auto" or its rater id starts with `judge:` or
    `auto:` (either signal is enough: an automatic grade must never pass as a human one).
    """
    check_columns(frame, kind, source)
    out = frame.copy()
    for column, default in OPTIONAL[kind].items():
        if column not in out.columns:
            out[column] = default
    rater_auto = out["rater_id"].astype(str).str.startswith(AUTO_PREFIXES)
    out["grader"] = np.where(rater_auto | (out["grader"] == "auto"), "auto", "human")
    out["is_gold"] = out["is_gold"].fillna(False).astype(bool)
    if kind == "sxs":
        out["score"] = out["score"].astype("int64")
    elif kind == "safety":
        out["violation"] = out["violation"].astype(bool)
        out["refused"] = out["refused"].astype("boolean")
    return out


# ---------------------------------------------------------------- rows of a grades file


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item_id: str = Field(min_length=1)
    prompt_id: str = Field(min_length=1)
    rater_id: str = Field(min_length=1)
    grader: Literal["human", "auto"] | None = None
    is_gold: bool = False


class SxsRow(_Row):
    category: str | None = None
    model_a: str = Field(min_length=1)
    model_b: str = Field(min_length=1)
    score: int = Field(ge=-2, le=2)

    @field_validator("model_b")
    @classmethod
    def _two_models(cls, value: str, info: Any) -> str:
        if value == info.data.get("model_a"):
            raise ValueError("model_b must differ from model_a")
        return value


class SafetyRow(_Row):
    model: str = Field(min_length=1)
    area: str = Field(min_length=1)
    subcategory: str | None = None
    expected: Literal["comply", "refuse"] | None = None
    violation: bool
    violation_category: str | None = None
    refused: bool | None = None


Rating = Literal["good", "neutral", "poor"]


class SummarizationRow(_Row):
    model: str = Field(min_length=1)
    use_case: str = Field(min_length=1)
    content_type: str | None = None
    length_bucket: str | None = None
    stacked: bool | None = None
    composition: Rating
    comprehensiveness: Rating
    groundedness: Rating
    following_instructions: Rating
    harmfulness: Rating


ROW_TYPES: dict[str, type[_Row]] = {
    "sxs": SxsRow,
    "safety": SafetyRow,
    "summarization": SummarizationRow,
}


def load_grades_file(path: str | os.PathLike[str], kind: str) -> pd.DataFrame:
    """A grades export (CSV or JSONL, by extension) as a normalized `kind` frame.

    Every row is validated; the first bad one raises `InputError` "path:line: field: problem".
    """
    path = Path(path)
    if kind not in ROW_TYPES:
        raise UserError(f"unknown grades kind {kind!r} (known: {', '.join(KINDS)})")
    if not path.exists():
        raise InputError(str(path), None, None, "file not found")
    if path.is_dir():
        raise InputError(str(path), None, None, "is a folder, expected a .csv or .jsonl file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, kind)
    elif suffix in (".jsonl", ".ndjson", ".json"):
        rows = _jsonl_rows(path, kind)
    elif suffix == ".parquet":
        rows = _parquet_rows(path, kind)
    else:
        raise InputError(str(path), None, None, "expected a .csv, .jsonl or .parquet grades file")
    columns = list(REQUIRED[kind]) + [
        c for c in OPTIONAL[kind] if c in ROW_TYPES[kind].model_fields
    ]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        raise InputError(str(path), None, None, f"no {kind} grades in the file")
    return normalize(frame, kind, str(path))


def _validate_row(obj: dict[str, Any], kind: str, path: Path, line: int) -> dict[str, Any]:
    try:
        row = ROW_TYPES[kind].model_validate(obj)
    except ValidationError as exc:
        field_name, message = describe_validation_error(exc)
        raise InputError(str(path), line, field_name, message) from None
    return row.model_dump()


def _csv_rows(path: Path, kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED[kind] if c not in header]
        if missing:
            raise InputError(
                str(path), 1, "header", f"missing column(s) {', '.join(missing)} for {kind} grades"
            )
        try:
            for raw in reader:
                if not any(
                    (value or "").strip() for value in raw.values() if isinstance(value, str)
                ):
                    continue
                obj = {k: (None if v == "" else v) for k, v in raw.items() if k is not None}
                rows.append(_validate_row(obj, kind, path, reader.line_num))
        except UnicodeDecodeError:
            raise InputError(str(path), reader.line_num + 1, None, "not valid UTF-8") from None
        except csv.Error as exc:
            raise InputError(str(path), reader.line_num, None, f"not valid CSV ({exc})") from None
    return rows


def _jsonl_rows(path: Path, kind: str) -> list[dict[str, Any]]:
    return [_validate_row(obj, kind, path, line) for line, obj in iter_json_lines(path)]


def _parquet_rows(path: Path, kind: str) -> list[dict[str, Any]]:
    """Rows of a Parquet export; a bad one is reported as path:row number (1-based)."""
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(str(path), None, None, f"not a readable Parquet file ({exc})") from None
    missing = [c for c in REQUIRED[kind] if c not in frame.columns]
    if missing:
        raise InputError(str(path), None, "columns", f"missing {', '.join(missing)}")
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [_validate_row(obj, kind, path, i) for i, obj in enumerate(records, start=1)]


def empty_frame(kind: str) -> pd.DataFrame:
    """A frame of `kind` with every column and no rows."""
    frame = pd.DataFrame(columns=[*REQUIRED[kind], *OPTIONAL[kind]])
    return normalize(frame, kind)


# ---------------------------------------------------------------- a run's frames


@dataclass
class RunFrames:
    """Everything the statistics read from one or more runs."""

    run_dirs: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> manifest spec
    sxs: pd.DataFrame = field(default_factory=lambda: empty_frame("sxs"))
    safety: pd.DataFrame = field(default_factory=lambda: empty_frame("safety"))
    summarization: pd.DataFrame = field(default_factory=lambda: empty_frame("summarization"))
    ifeval: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=IFEVAL_COLUMNS))
    refusals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REFUSAL_COLUMNS))
    responses: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RESPONSE_COLUMNS))
    notes: list[str] = field(default_factory=list)

    def candidates(self) -> list[str]:
        """Models the run manifests call candidates (in manifest order)."""
        return [name for name, spec in self.models.items() if spec.get("role") == "candidate"]

    def tiers(self) -> dict[str, str]:
        return {name: spec.get("tier") or "other" for name, spec in self.models.items()}

    @classmethod
    def combine(cls, parts: list[RunFrames]) -> RunFrames:
        """Several runs as one (e.g. the bank run and the IFEval run of one release)."""
        if len(parts) == 1:
            return parts[0]
        out = cls()
        for part in parts:
            out.run_dirs += part.run_dirs
            out.run_ids += part.run_ids
            out.models |= part.models
            out.notes += part.notes
        for name in ("sxs", "safety", "summarization", "ifeval", "refusals", "responses"):
            frames = [getattr(p, name) for p in parts if not getattr(p, name).empty]
            if frames:
                setattr(out, name, pd.concat(frames, ignore_index=True))
        return out


def load_run_frames(run_dir: str | os.PathLike[str], db: str | None = None) -> RunFrames:
    """A run's grades (from its grade store), IFEval and refusal scores, latency and text."""
    run_path = Path(run_dir)
    if not run_path.is_dir():
        raise UserError(f"{run_path}: not a run folder")
    manifest = _read_manifest(run_path)
    run_id = str(manifest.get("run_id") or run_path.name)
    out = RunFrames(run_dirs=[str(run_path)], run_ids=[run_id])
    models = manifest.get("models") or {}
    if isinstance(models, dict):
        out.models = {str(k): v for k, v in models.items() if isinstance(v, dict)}
    _load_store_frames(out, run_path, run_id, db)
    scores = run_path / "scores.jsonl"
    if scores.exists():
        out.ifeval, out.refusals = _score_frames(scores)
    if (run_path / "responses.jsonl").exists():
        out.responses = _response_frame(run_path)
    return out


def load_runs(run_dirs: list[str | os.PathLike[str]], db: str | None = None) -> RunFrames:
    if not run_dirs:
        raise UserError("give at least one run folder")
    return RunFrames.combine([load_run_frames(d, db) for d in run_dirs])


def _read_manifest(run_path: Path) -> dict[str, Any]:
    path = run_path / "manifest.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), exc.lineno, None, f"not valid JSON ({exc.msg})") from None
    return data if isinstance(data, dict) else {}


def _load_store_frames(out: RunFrames, run_path: Path, run_id: str, db: str | None) -> None:
    """Frames from the grade store; a run with no store yet simply has no grades."""
    if db is None and not os.environ.get("EVALKIT_DB"):
        if not (run_path / "grades.sqlite").exists():
            out.notes.append(f"{run_path}: no grade store (grades.sqlite) — no graded items")
            return
    from evalkit.store import open_run_store, sxs_pair

    store = open_run_store(run_path, db)
    try:
        items = {item.id: item for item in store.items()}
        # a shared store (PostgreSQL) holds many runs: keep this run's items when it has any
        mine = {i for i, item in items.items() if item.run_id == run_id}
        keep = mine or set(items)
        frames = {
            "sxs": store.sxs_frame(),
            "safety": store.safety_frame(),
            "summarization": store.summarization_frame(),
        }
    finally:
        store.close()
    for kind, frame in frames.items():
        frame = frame[frame["item_id"].isin(keep)].copy()
        frame = _add_gold(frame, kind, items, sxs_pair)
        setattr(out, kind, normalize(frame, kind, f"{run_path} grade store"))


def _add_gold(frame: pd.DataFrame, kind: str, items: dict[str, Any], sxs_pair: Any) -> pd.DataFrame:
    """The gold answer of gold items, in the frame's terms, for rater gold accuracy."""
    if "is_gold" not in frame.columns:
        frame["is_gold"] = frame["item_id"].map(lambda i: bool(items[i].is_gold))
    gold: dict[str, Any] = {}
    for item_id in frame.loc[frame["is_gold"].astype(bool), "item_id"].unique():
        answer = items[item_id].gold_answer or {}
        if kind == "sxs":
            choice = _gold_choice(answer)
            if choice is not None:
                _, _, a_on_left = sxs_pair(items[item_id])
                gold[item_id] = -choice if a_on_left else choice
        elif kind == "safety" and answer.get("violation") is not None:
            gold[item_id] = bool(answer["violation"])
        elif kind == "summarization" and answer.get("class") is not None:
            gold[item_id] = str(answer["class"])
    column = {"sxs": "gold_score", "safety": "gold_violation", "summarization": "gold_class"}[kind]
    frame[column] = frame["item_id"].map(gold)
    return frame


def _gold_choice(answer: dict[str, Any]) -> int | None:
    """A gold sxs answer in display terms (−2 … 2): `choice`, else the first of `correct`,
    else `better` (left / right / tie)."""
    if answer.get("choice") is not None:
        return int(answer["choice"])
    correct = answer.get("correct")
    if isinstance(correct, list) and correct:
        return int(correct[0])
    better = answer.get("better")
    return {"left": -1, "right": 1, "tie": 0}.get(str(better)) if better is not None else None


def _score_frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """IFEval rows and automatic refusal rows from RUN_DIR/scores.jsonl (last record per key)."""
    from evalkit.jsonio import read_records
    from evalkit.records import Score

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
            refusals[key] = {
                "prompt_id": score.prompt_id,
                "model": score.model,
                "sample": score.sample,
                "area": details.get("risk_area") or details.get("area"),
                "subcategory": details.get("subcategory"),
                "expected": details.get("expected"),
                "refused": bool(score.value),
            }
    return (
        pd.DataFrame(list(ifeval.values()), columns=IFEVAL_COLUMNS),
        pd.DataFrame(list(refusals.values()), columns=REFUSAL_COLUMNS),
    )


def _response_frame(run_path: Path) -> pd.DataFrame:
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


def grades_source(path: str | os.PathLike[str], kind: str, db: str | None = None) -> pd.DataFrame:
    """A `kind` frame from a run folder (its grade store) or from a CSV / JSONL export."""
    if Path(path).is_dir():
        return getattr(load_run_frames(path, db), kind)
    return load_grades_file(path, kind)
