"""Tables evalkit writes for people to open: CSV (neutralised against formula injection),
JSONL and Parquet, written atomically.

A cell a rater or a model wrote can start with `=`, `+`, `-`, `@`, a tab or a carriage return;
a spreadsheet opening the CSV would run it as a formula (`=HYPERLINK("http://evil/x")`).
Following OWASP's advice, such a cell gets a leading apostrophe in CSV exports, which shows the
text as written and runs nothing. JSONL and Parquet keep the values exactly: they are read by
programs, not spreadsheets.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from evalkit.errors import UserError
from evalkit.jsonio import atomic_output

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUFFIXES = (".csv", ".jsonl", ".parquet")


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell neutralised (numbers stay numbers)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A CSV download (the app's admin export), neutralised."""
    buffer = io.StringIO()
    csv_safe(frame).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def write_frame(frame: pd.DataFrame, out: str | Path) -> None:
    """CSV (neutralised), JSONL (one object per line) or Parquet, by the file's suffix; written
    atomically (an I/O failure is a UserError naming the file, and leaves no part of it)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(f"{out}: use a .csv, .jsonl or .parquet file name")
    with atomic_output(out, "wb" if suffix == ".parquet" else "w") as handle:
        if suffix == ".csv":
            csv_safe(frame).to_csv(handle, index=False)
        elif suffix == ".jsonl":
            frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        else:
            frame.to_parquet(handle, index=False)
