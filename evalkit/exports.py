"""Tables evalkit writes for people to open: CSV (neutralised against formula injection),
JSONL and Parquet, written atomically.

A cell a rater or a model wrote can start with `=`, `+`, `-`, `@`, a tab or a carriage return;
a spreadsheet opening the CSV would run it as a formula (`=HYPERLINK("http://evil/x")`).
Following OWASP's advice, such a cell gets a leading apostrophe in CSV exports, which shows the
text as written and runs nothing. Rows end in CR LF (RFC 4180), so a cell holding a carriage
return or a line feed is quoted: a lone CR in an unquoted cell would start a new row in a
spreadsheet, and a formula after it would escape the check of the cell's start. JSONL and
Parquet keep the values exactly: they are read by programs, not spreadsheets.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

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


def write_csv(frame: pd.DataFrame, handle: Any) -> None:
    """The frame as CSV to an open text handle or a path: neutralised, CR LF rows (every cell
    with a line break quoted), no index."""
    csv_safe(frame).to_csv(handle, index=False, lineterminator="\r\n")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A CSV download (the app's admin export), neutralised."""
    buffer = io.StringIO(newline="")
    write_csv(frame, buffer)
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
            write_csv(frame, handle)
        elif suffix == ".jsonl":
            frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        else:
            frame.to_parquet(handle, index=False)
