"""The audit of a set, on the small authored fixture: its measures, and the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.jsonio import read_records
from evalkit.records import Prompt
from evalkit.summarization.audit import audit, length_distribution, mask
from evalkit.summarization.prompts import build_messages


@pytest.fixture
def built(tmp_path: Path, authored_email: Path) -> Path:
    out = tmp_path / "email.jsonl"
    code = run_cli(
        ["summarization", "build", "--use-case", "email", "--authored", str(authored_email),
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    return out


def test_audit_of_the_authored_fixture(built: Path) -> None:
    result = audit(read_records(built, Prompt))
    assert result.samples == 8
    assert result.repeated_share == 0.0 and result.frequent_share == 0.0  # eight real situations
    assert result.first_line_diversity == 1.0
    assert result.stacks_3plus == 2 and result.late_fact_share == 1.0
    assert result.hard_cases == {
        "injection": 1,
        "non_english": 2,
        "numbers": 1,
        "phishing": 1,
        "reversal": 1,
        "similar_roles": 1,
    }
    assert result.languages == {"en": 6, "ja": 1, "ko": 1}
    assert result.emails == 8 and result.long_email_share == 0.0
    assert result.tokens["min"] == 36 and result.tokens["max"] == 261
    assert result.tokens["min"] <= result.tokens["median"] <= result.tokens["p95"]
    assert result.reference_coverage == 1.0 and result.references == 8
    assert sum(result.strata.values()) == 8
    lines = result.lines()
    assert lines[0].startswith("samples: 8")
    assert any(line.startswith("hard cases: injection 1") for line in lines)
    assert "languages: en 6, ja 1, ko 1" in lines
    assert "emails of 2,000+ tokens: 0.0% of 8" in lines


def test_the_length_distribution_and_the_share_of_long_emails() -> None:
    def prompt(i: int, chars: int) -> Prompt:
        docs = ["x" * chars]
        return Prompt(
            id=f"p{i}", messages=build_messages("email", docs, 2), use_case="email", documents=docs
        )

    prompts = [prompt(i, 400 * (i + 1)) for i in range(19)] + [prompt(19, 8000)]
    result = audit(prompts)
    assert result.tokens == {"min": 100.0, "median": 1050.0, "p95": 1905.0, "max": 2000.0}
    assert length_distribution([]) == {}
    assert result.long_email_share == pytest.approx(1 / 20)  # exactly 2,000 tokens is long


def test_masked_patterns_hide_names_numbers_and_dates() -> None:
    assert mask("Maria paid $1,200 on Thursday to Northwind") == "N paid 0 on D to N"


def test_audit_command_prints_lines_and_json(built: Path, capsys) -> None:
    assert run_cli(["summarization", "audit", str(built)]) == 0
    out = capsys.readouterr().out
    assert "masked-pattern repetition" in out and "vocabulary (word types" in out
    assert "stacks of 3+ items: 2; with a late-item key fact: 100.0%" in out
    assert "tokens (chars/4): min 36" in out and "languages: en 6" in out
    assert run_cli(["summarization", "audit", str(built), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == [str(built)] and data["samples"] == 8
    assert data["hard_cases"]["non_english"] == 2 and data["languages"]["ko"] == 1
    assert set(data["tokens"]) == {"min", "median", "p95", "max"}
    assert data["long_email_share"] == 0.0 and data["long_email_tokens"] == 2000
    assert data["late_fact_share"] == 1.0 and data["reference_coverage"] == 1.0
    assert run_cli(["summarization", "audit", str(built.parent / "missing.jsonl")]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err
