"""Every CSV evalkit writes neutralises cells a spreadsheet would run as a formula (a leading
apostrophe, as OWASP advises): the app's admin download, `evalkit grades export`, the
summarization checks table and strata table. JSONL and Parquet keep values exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from evalkit import app_support as support
from evalkit.cli import run_cli
from evalkit.exports import csv_bytes, csv_safe, neutralise_cell, write_frame
from evalkit.records import Grade, Item
from evalkit.store import GradeStore

DANGEROUS = [
    '=HYPERLINK("http://evil.example/x","click me")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["plain text", "a = b", "", "2024-01-01", "'already quoted"]


def test_every_formula_start_is_neutralised_and_nothing_else() -> None:
    for value in DANGEROUS:
        assert neutralise_cell(value) == "'" + value
    for value in HARMLESS:
        assert neutralise_cell(value) == value
    for value in (-2, 3.5, None, True):
        assert neutralise_cell(value) == value  # numbers stay numbers


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_bytes_and_csv_safe() -> None:
    frame = pd.DataFrame(
        {"text": DANGEROUS + HARMLESS[:1], "score": [-2, -1, 0, 1, 2, 0, 1]}
    ).astype({"text": "string"})
    header, *rows = _cells(csv_bytes(frame))
    assert header == ["text", "score"]
    assert [row[0] for row in rows] == ["'" + v for v in DANGEROUS] + ["plain text"]
    assert [row[1] for row in rows] == ["-2", "-1", "0", "1", "2", "0", "1"]  # numbers as written
    assert frame["text"].tolist()[0] == DANGEROUS[0]  # the caller's frame is untouched
    assert csv_safe(frame)["score"].tolist() == frame["score"].tolist()


def _store_with_hostile_cells(path: Path) -> GradeStore:
    store = GradeStore(path)
    store.add_rater("alice")
    item = Item(
        id="sxs-0001",
        kind="sxs",
        run_id="run-1",
        prompt_id=DANGEROUS[0],
        category=DANGEROUS[3],
        prompt_text="A prompt",
        left_text="left",
        right_text="right",
        model_left=DANGEROUS[1],
        model_right="base",
        rubric="side_by_side",
        rubric_version=1,
        metadata={"model_a": DANGEROUS[1], "model_b": "base"},
    )
    store.add_items([item])
    store.assign_many([(item.id, "alice")])
    store.save_grade(Grade(item_id=item.id, rater_id="alice", choice=-2, comment=DANGEROUS[2]))
    return store


def test_admin_download_is_neutralised(tmp_path: Path) -> None:
    with _store_with_hostile_cells(tmp_path / "g.sqlite") as store:
        data = support.admin_data(store)
    frame = support.grades_table(data.items, data.grades)
    header, row = _cells(support.to_csv_bytes(frame))
    cells = dict(zip(header, row, strict=True))
    assert cells["prompt_id"] == "'" + DANGEROUS[0]
    assert cells["category"] == "'" + DANGEROUS[3]
    assert cells["model_left"] == "'" + DANGEROUS[1]
    assert cells["comment"] == "'" + DANGEROUS[2]
    assert cells["score"] == "2"  # a number is not text: the candidate (left) much better
    back = pd.read_parquet(io.BytesIO(support.to_parquet_bytes(frame)))
    assert back["prompt_id"].tolist() == [DANGEROUS[0]]  # Parquet keeps values exactly


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_grades_export_neutralises_csv_and_keeps_jsonl(tmp_path: Path, suffix: str) -> None:
    _store_with_hostile_cells(tmp_path / "g.sqlite").close()
    out = tmp_path / f"grades{suffix}"
    assert run_cli(["grades", "export", "--db", str(tmp_path / "g.sqlite"), "--kind", "sxs",
                    "--out", str(out)]) == 0  # fmt: skip
    if suffix == ".csv":
        header, row = _cells(out.read_bytes())
        cells = dict(zip(header, row, strict=True))
        assert cells["prompt_id"] == "'" + DANGEROUS[0]
        assert cells["category"] == "'" + DANGEROUS[3]
        assert cells["model_a"] == "'" + DANGEROUS[1] and cells["model_b"] == "base"
        assert cells["score"] == "2"
    else:
        (row,) = [json.loads(line) for line in out.read_text().splitlines()]
        assert row["prompt_id"] == DANGEROUS[0] and row["model_a"] == DANGEROUS[1]
        assert row["category"] == DANGEROUS[3] and row["score"] == 2


def test_write_frame_formats(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": DANGEROUS, "n": range(len(DANGEROUS))})
    write_frame(frame, tmp_path / "x.csv")
    write_frame(frame, tmp_path / "x.jsonl")
    write_frame(frame, tmp_path / "x.parquet")
    assert [r[0] for r in _cells((tmp_path / "x.csv").read_bytes())[1:]] == [
        "'" + v for v in DANGEROUS
    ]
    jsonl = [json.loads(line)["text"] for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert jsonl == DANGEROUS
    assert pd.read_parquet(tmp_path / "x.parquet")["text"].tolist() == DANGEROUS
