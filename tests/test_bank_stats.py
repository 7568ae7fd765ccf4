"""`evalkit bank stats`: counts per category × difficulty and prompt lengths, as tables or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.bank import bank_frame, bank_stats, count_table, length_table
from evalkit.cli import run_cli
from evalkit.records import Prompt
from tests.bank_support import prompt, write_jsonl


def _rows() -> list[dict]:
    words = lambda n: " ".join(["word"] * n)  # noqa: E731
    return [
        prompt("c1", "coding", "easy", words(10)),
        prompt("c2", "coding", "easy", words(20)),
        prompt("c3", "coding", "hard", words(30)),
        prompt("c4", "coding", "medium", words(40)),
        prompt("w1", "writing", "hard", words(5)),
    ]


def test_tables_count_and_measure() -> None:
    frame = bank_frame([Prompt.model_validate(r) for r in _rows()])
    counts = count_table(frame)
    assert list(counts.columns) == ["easy", "medium", "hard", "total"]
    assert counts.loc["coding"].tolist() == [2, 1, 1, 4]
    assert counts.loc["writing"].tolist() == [0, 0, 1, 1]
    lengths = length_table(frame)
    coding = lengths.loc["coding"]
    assert (coding["n"], coding["min"], coding["median"], coding["max"]) == (4, 10, 25.0, 40)
    assert coding["p90"] == 37.0  # numpy's linear interpolation: 30 + 0.7 * 10
    assert lengths.loc["writing", "median"] == 5


def test_stats_json_from_the_cli(tmp_path: Path, capsys) -> None:
    path = write_jsonl(tmp_path / "bank.jsonl", _rows())
    assert run_cli(["bank", "stats", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == bank_stats([Prompt.model_validate(r) for r in _rows()])
    assert data["n"] == 5
    assert data["counts"]["coding"] == {"easy": 2, "medium": 1, "hard": 1, "total": 4}
    assert data["lengths"]["writing"] == {"n": 1, "min": 5, "median": 5.0, "p90": 5.0, "max": 5}


def test_stats_tables_and_a_bad_line(tmp_path: Path, capsys) -> None:
    path = write_jsonl(tmp_path / "bank.jsonl", _rows())
    assert run_cli(["bank", "stats", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: 5 prompts" in out and "by category × difficulty" in out
    assert "coding" in out and "median" in out and "p90" in out

    write_jsonl(path, [*_rows(), '{"id": "x", "messages": "hello"}'])
    assert run_cli(["bank", "stats", str(path)]) == 2
    assert f"{path}:6: messages:" in capsys.readouterr().err
