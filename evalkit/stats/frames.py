"""The frames the statistics read (pure: no files, no store): a kind's grade frame, grades
files brought from elsewhere, and `RunFrames`, everything the statistics read from runs.

A grade frame has one row per current, non-skipped grade: the common columns (`COMMON`) and the
kind's own (`kind.columns`). Grades come from a run's grade store (`evalkit.stats.runs`) or
from a CSV / JSONL / Parquet export (`load_grades_file`); either way a missing column or a bad
value is an error naming the file, line and field, never a silently dropped row.

Automatic grades (grader "auto", rater ids `judge:*` / `auto:*`) stay in the same frames as
humans' grades but are always marked in the `grader` column, and every statistic groups by it,
so an automatic number is never mixed into a human one.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from evalkit.errors import InputError, UserError
from evalkit.exports import FORMULA_STARTS
from evalkit.jsonio import describe_validation_error, iter_json_lines
from evalkit.kinds.base import AUTO_PREFIXES, GradingKind, get_kind

COMMON = ("item_id", "prompt_id", "rater_id", "grader", "is_gold", "gold_correct")
REQUIRED_COMMON = ("item_id", "prompt_id", "rater_id")
IFEVAL_COLUMNS = (
    "run_id", "prompt_id", "model", "sample", "prompt_strict", "prompt_loose",
    "inst_strict_pass", "inst_loose_pass", "inst_total",
)  # fmt: skip
REFUSAL_COLUMNS = (
    "prompt_id", "model", "sample", "area", "subcategory", "expected", "severity", "twin",
    "refused",
)  # fmt: skip
RESPONSE_COLUMNS = (
    "prompt_id", "model", "sample", "ok", "latency_s", "ttft_s", "tokens_per_s",
    "completion_tokens", "text", "prompt_text",
)  # fmt: skip
GRADER_ORDER = {"human": 0, "any": 1, "auto": 2, "program": 3}


def columns(kind: GradingKind) -> list[str]:
    return [*COMMON, *kind.columns]


def empty(kind: GradingKind | str) -> pd.DataFrame:
    """A grade frame of `kind` with every column and no rows."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    return normalize(pd.DataFrame(columns=columns(kind)), kind)


def is_auto_rater(rater_id: str) -> bool:
    return str(rater_id).startswith(AUTO_PREFIXES)


def normalize(frame: pd.DataFrame, kind: GradingKind | str, source: str = "frame") -> pd.DataFrame:
    """Check the columns, add the optional common ones, and mark automatic grades.

    A grade is automatic when its `grader` says "auto" or its rater id starts with `judge:` or
    `auto:` (either signal is enough: an automatic grade must never pass as a human one)."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    missing = [c for c in REQUIRED_COMMON if c not in frame.columns]
    if missing:
        raise UserError(f"{source}: missing column(s) {', '.join(missing)} for {kind.name} grades")
    out = frame.copy()
    for column in (*COMMON, *kind.columns):
        if column not in out.columns:
            out[column] = None
    auto = out["rater_id"].astype(str).str.startswith(AUTO_PREFIXES) | (out["grader"] == "auto")
    out["grader"] = np.where(auto, "auto", "human")
    out["is_gold"] = out["is_gold"].fillna(False).astype(bool)
    return out


def graders_first(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of human grades first, then pooled, then automatic, then program (stable)."""
    if table.empty or "graders" not in table.columns:
        return table
    order = table["graders"].map(GRADER_ORDER).fillna(9)
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


# ---------------------------------------------------------------- grades files


def load_grades_file(path: str | os.PathLike[str], kind: GradingKind | str) -> pd.DataFrame:
    """A grades export (CSV, JSONL or Parquet, by extension) as a normalized grade frame.

    Every row is validated by the kind's `row_model`; the first bad one raises `InputError`
    "path:line: field: problem"."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), None, None, "file not found")
    if path.is_dir():
        raise InputError(str(path), None, None, "is a folder, expected a .csv or .jsonl file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, kind)
    elif suffix in (".jsonl", ".ndjson", ".json"):
        rows = [_validate(obj, kind, path, line) for line, obj in iter_json_lines(path)]
    elif suffix == ".parquet":
        rows = _parquet_rows(path, kind)
    else:
        raise InputError(str(path), None, None, "expected a .csv, .jsonl or .parquet grades file")
    if not rows:
        raise InputError(str(path), None, None, f"no {kind.name} grades in the file")
    frame = pd.DataFrame(rows)
    return normalize(frame, kind, str(path))


def _required(kind: GradingKind) -> list[str]:
    return [name for name, f in kind.row_model.model_fields.items() if f.is_required()]


def _validate(obj: dict[str, Any], kind: GradingKind, path: Path, line: int) -> dict[str, Any]:
    try:
        row = kind.row_model.model_validate(obj)
    except ValidationError as exc:
        field_name, message = describe_validation_error(exc)
        raise InputError(str(path), line, field_name, message) from None
    return kind.file_row(row.model_dump())


def _csv_rows(path: Path, kind: GradingKind) -> list[dict[str, Any]]:
    raw_bytes = path.read_bytes()
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        raise InputError(str(path), line, None, "not valid UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    rows: list[dict[str, Any]] = []
    try:
        header = reader.fieldnames or []
        missing = [c for c in _required(kind) if c not in header]
        if missing:
            raise InputError(
                str(path), 1, "header",
                f"missing column(s) {', '.join(missing)} for {kind.name} grades",
            )  # fmt: skip
        for raw in reader:
            if None in raw:
                raise InputError(str(path), reader.line_num, None, "more cells than header columns")
            if any(value is None for value in raw.values()):
                raise InputError(
                    str(path), reader.line_num, None, "fewer cells than header columns"
                )
            if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
                continue
            obj = {k: _cell(v) for k, v in raw.items() if k is not None}
            rows.append(_validate(obj, kind, path, reader.line_num))
    except csv.Error as exc:
        raise InputError(str(path), reader.line_num, None, f"not valid CSV ({exc})") from None
    return rows


def _cell(value: str) -> str | None:
    """A CSV cell as written: empty is None, and the apostrophe evalkit's exports put before a
    formula-like cell (`evalkit.exports`) is taken off again."""
    if value == "":
        return None
    if value.startswith("'") and value[1:2] in FORMULA_STARTS and value[1:2] != "":
        return value[1:]
    return value


def _parquet_rows(path: Path, kind: GradingKind) -> list[dict[str, Any]]:
    """Rows of a Parquet export; a bad one is reported as path:row number (1-based)."""
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(str(path), None, None, f"not a readable Parquet file ({exc})") from None
    missing = [c for c in _required(kind) if c not in frame.columns]
    if missing:
        raise InputError(str(path), None, "columns", f"missing {', '.join(missing)}")
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [_validate(obj, kind, path, i) for i, obj in enumerate(records, start=1)]


# ---------------------------------------------------------------- a run's frames


@dataclass
class RunFrames:
    """Everything the statistics read from one or more runs."""

    run_dirs: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> manifest spec
    grades: dict[str, pd.DataFrame] = field(default_factory=dict)  # kind name -> grade frame
    rubrics: dict[str, Any] = field(default_factory=dict)  # kind name -> its rubric
    ifeval: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=IFEVAL_COLUMNS))
    refusals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REFUSAL_COLUMNS))
    responses: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RESPONSE_COLUMNS))
    notes: list[str] = field(default_factory=list)

    def kind(self, name: str) -> pd.DataFrame:
        """The grade frame of a kind (empty when the runs have none)."""
        frame = self.grades.get(name)
        return frame if frame is not None else empty(name)

    def rubric(self, name: str) -> Any:
        if name not in self.rubrics:
            self.rubrics[name] = get_kind(name).load_rubric()
        return self.rubrics[name]

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
            out.rubrics = part.rubrics | out.rubrics
        names = {name for part in parts for name in part.grades}
        for name in names:
            frames = [
                p.grades[name] for p in parts if name in p.grades and not p.grades[name].empty
            ]
            if frames:
                out.grades[name] = pd.concat(frames, ignore_index=True)
        for attr in ("ifeval", "refusals", "responses"):
            frames = [getattr(p, attr) for p in parts if not getattr(p, attr).empty]
            if frames:
                setattr(out, attr, pd.concat(frames, ignore_index=True))
        return out
