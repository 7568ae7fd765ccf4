"""`evalkit bank validate`: every failure mode is reported with file:line, and exits 1."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from evalkit.bank import BankPrompt, near_duplicates, read_bank_file, shingles, validate_bank
from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.paths import PROMPTS_DIR
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt
from tests.bank_support import WORDS, cell_prompts, prompt, write_jsonl

MY_CATEGORIES = ("brainstorming", "classification", "closed_qa", "coding", "extraction")


def _kinds(report) -> list[str]:
    return [p.kind for p in report.problems]


def test_a_complete_two_category_file_passes(tmp_path: Path, capsys) -> None:
    path = write_jsonl(
        tmp_path / "bank.jsonl", cell_prompts("coding", 12) + cell_prompts("closed_qa", 12)
    )
    report = validate_bank(path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.required_categories == ("closed_qa", "coding")
    assert report.cells[("coding", "hard")] == 12
    assert run_cli(["bank", "validate", str(path)]) == 0
    assert "72 prompts" in capsys.readouterr().out


def test_a_short_cell_fails_and_names_the_cell(tmp_path: Path, capsys) -> None:
    rows = [r for r in cell_prompts("coding", 12) if r["id"] != "t-coding-hard-011"]
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    report = validate_bank(path)
    assert _kinds(report) == ["cell"]
    assert "coding × hard: 11 prompts, needs at least 12" in str(report.problems[0])
    assert validate_bank(path, min_per_cell=11).ok
    assert run_cli(["bank", "validate", str(path)]) == 1
    assert "1 short cell" in capsys.readouterr().out


def test_a_folder_needs_every_category(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "bank" / "coding.jsonl", cell_prompts("coding", 12))
    report = validate_bank(tmp_path / "bank")
    missing = {str(p).split(": ")[1].split(" ×")[0] for p in report.problems}
    assert missing == set(CATEGORIES) - {"coding"}
    assert len(report.problems) == 3 * (len(CATEGORIES) - 1)
    # --categories narrows what must be full
    assert validate_bank(tmp_path / "bank", categories=["coding"]).ok
    with pytest.raises(UserError, match="unknown categories"):
        validate_bank(tmp_path / "bank", categories=["poetry"])


def test_a_duplicate_id_across_files_names_both_places(tmp_path: Path, capsys) -> None:
    rows = cell_prompts("coding", 12)
    write_jsonl(tmp_path / "bank" / "a.jsonl", rows[:20])
    clash = prompt(rows[3]["id"], "coding", "easy", "an entirely different request text here")
    write_jsonl(tmp_path / "bank" / "b.jsonl", [*rows[20:], clash])
    report = validate_bank(tmp_path / "bank", categories=["coding"])
    assert _kinds(report) == ["duplicate_id"]
    message = str(report.problems[0])
    assert message.startswith(f"{tmp_path / 'bank' / 'b.jsonl'}:17: id: 't-coding-easy-003'")
    assert f"already used at {tmp_path / 'bank' / 'a.jsonl'}:4" in message
    assert run_cli(["bank", "validate", str(tmp_path / "bank"), "--categories", "coding"]) == 1
    assert "1 duplicate id" in capsys.readouterr().out


def test_near_duplicates_are_reported_as_pairs_with_lines(tmp_path: Path) -> None:
    rows = cell_prompts("coding", 12)
    base = "Write a Python function that returns the median of a list of numbers, " * 2
    rows.append(prompt("t-near-1", "coding", "easy", base + "and test it."))
    rows.append(prompt("t-near-2", "coding", "easy", base.upper() + "and test it!!"))
    rows.append(prompt("t-near-3", "coding", "easy", base + "then explain each line in detail."))
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    report = validate_bank(path)
    pairs = {(p.first.prompt.id, p.second.prompt.id) for p in report.near_duplicates}
    assert ("t-near-1", "t-near-2") in pairs  # case and punctuation do not hide a copy
    messages = [str(p) for p in report.problems if p.kind == "near_duplicate"]
    assert f"{path}:37: near-duplicate of {path}:38" in messages[0]
    assert "similarity 1.00" in messages[0]
    # a stricter threshold keeps only the exact copy; a looser one finds the third
    strict = validate_bank(path, similarity=0.99).near_duplicates
    assert [(p.first.prompt.id, p.second.prompt.id) for p in strict] == [("t-near-1", "t-near-2")]
    loose = validate_bank(path, similarity=0.5).near_duplicates
    assert {"t-near-3"} <= {p.second.prompt.id for p in loose}


def test_near_duplicate_scores_match_a_direct_jaccard() -> None:
    texts = [" ".join(WORDS[i : i + 12]) for i in range(0, 20, 2)]
    rows = [prompt(f"p{i}", "coding", "easy", t) for i, t in enumerate(texts)]
    items = [BankPrompt(Prompt.model_validate(r), "f", i + 1) for i, r in enumerate(rows)]
    found = {
        (p.first.prompt.id, p.second.prompt.id): p.similarity for p in near_duplicates(items, 0.3)
    }
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = shingles(texts[i]), shingles(texts[j])
            score = len(a & b) / len(a | b)
            assert (score >= 0.3) == ((f"p{i}", f"p{j}") in found)
            if score >= 0.3:
                assert found[(f"p{i}", f"p{j}")] == pytest.approx(score)


@pytest.mark.parametrize(
    ("category", "drop", "expected"),
    [
        ("closed_qa", ["reference"], "reference: closed_qa prompts need reference"),
        ("extraction", ["reference"], "reference: extraction prompts need reference"),
        ("classification", ["reference"], "reference: classification prompts need reference"),
        ("math_reasoning", ["reference"], "reference: math_reasoning prompts need reference"),
        ("coding", ["tests"], "tests: coding prompts need tests or reference"),
        ("safety", ["expected"], "expected: safety prompts need expected"),
        ("safety", ["risk_area", "subcategory"], "risk_area: safety prompts need risk_area"),
    ],
)
def test_a_missing_reference_is_named(
    tmp_path: Path, category: str, drop: list[str], expected: str
) -> None:
    rows = cell_prompts(category, 12)
    for name in drop:
        del rows[5][name]
    path = write_jsonl(tmp_path / f"{category}.jsonl", rows)
    report = validate_bank(path)
    assert [str(p) for p in report.problems] == [f"{path}:6: {expected}"]


def test_coding_accepts_a_reference_instead_of_tests(tmp_path: Path) -> None:
    rows = cell_prompts("coding", 12)
    del rows[0]["tests"]
    rows[0]["reference"] = "Expected behaviour: returns 3 for 'abc'"
    rows[1]["tests"] = "   "  # blank is missing
    report = validate_bank(write_jsonl(tmp_path / "coding.jsonl", rows))
    assert [p.kind for p in report.problems] == ["reference"]
    assert ":2: tests:" in str(report.problems[0])


def test_bad_difficulty_unknown_category_and_missing_labels(tmp_path: Path) -> None:
    rows = cell_prompts("coding", 12)
    rows.append(prompt("x1", "coding", "extreme", "one two three four five six"))
    rows.append(prompt("x2", "poetry", "easy", "seven eight nine ten eleven twelve"))
    rows.append({"id": "x3", "messages": [{"role": "user", "content": "thirteen fourteen"}]})
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    problems = [str(p) for p in validate_bank(path).problems]
    assert problems[0].startswith(f"{path}:37: difficulty: Input should be 'easy', 'medium'")
    assert f"{path}:38: category: 'poetry' is not one of brainstorming" in problems[1]
    assert f"{path}:39: category: required field is missing" in problems
    assert f"{path}:39: difficulty: required field is missing" in problems


def test_every_malformed_line_is_reported_not_just_the_first(tmp_path: Path, capsys) -> None:
    rows = cell_prompts("coding", 12)
    rows.insert(2, '{"id": "broken", "messages": [')
    rows.insert(5, "[1, 2, 3]")
    rows.insert(8, json.dumps({"id": "p", "messages": [], "colour": "red"}))
    rows.insert(11, json.dumps({"id": "q", "messages": [{"role": "assistant", "content": "hi"}]}))
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    problems = [str(p) for p in validate_bank(path).problems]
    assert problems[0].startswith(f"{path}:3: not valid JSON (")
    assert problems[1:] == [
        f"{path}:6: expected a JSON object",
        f"{path}:9: messages: List should have at least 1 item after validation, not 0",
        f"{path}:12: messages: Value error, the last message must have role 'user'",
    ]
    assert run_cli(["bank", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "4 bad lines" in out and f"{path}:12: messages" in out


def test_unknown_field_is_a_schema_problem(tmp_path: Path) -> None:
    rows = cell_prompts("coding", 12)
    rows[0]["colour"] = "red"
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    _, problems = read_bank_file(path)
    assert [str(p) for p in problems] == [f"{path}:1: colour: unknown field"]


def test_safety_ids_must_come_from_the_rubric(tmp_path: Path) -> None:
    rows = cell_prompts("safety", 12)
    rows[0]["risk_area"] = "harmful_stuff"
    rows[1]["subcategory"] = "medical_advice"  # belongs to sensitive_topics
    path = write_jsonl(tmp_path / "safety.jsonl", rows)
    problems = [str(p) for p in validate_bank(path).problems]
    assert problems[0].startswith(f"{path}:1: risk_area: 'harmful_stuff' is not an area")
    assert problems[1].startswith(
        f"{path}:2: subcategory: 'medical_advice' is not a subcategory of harmful_content"
    )


def test_an_unreadable_path_exits_2(tmp_path: Path, capsys) -> None:
    assert run_cli(["bank", "validate", str(tmp_path / "nope")]) == 2
    assert "nope: not found" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run_cli(["bank", "validate", str(tmp_path / "empty")]) == 2
    assert "no .jsonl files" in capsys.readouterr().err


@pytest.mark.parametrize("category", MY_CATEGORIES)
def test_the_shipped_bank_file_is_valid(category: str) -> None:
    path = PROMPTS_DIR / "bank" / f"{category}.jsonl"
    report = validate_bank(path)
    assert report.ok, [str(p) for p in report.problems]
    for difficulty in DIFFICULTIES:
        assert report.cells[(category, difficulty)] >= 12
    for item in report.prompts:
        p = item.prompt
        assert p.id.startswith(f"bank-{category}-{p.difficulty}-")
        assert p.suite == "bank" and p.source == "evalkit"


def test_the_shipped_coding_tests_are_python_or_a_behaviour() -> None:
    report = validate_bank(PROMPTS_DIR / "bank" / "coding.jsonl")
    python = 0
    for item in report.prompts:
        tests = item.prompt.tests or ""
        if tests.startswith("Expected behaviour:"):
            continue
        ast.parse(tests)  # a SyntaxError fails the test
        assert "assert" in tests
        python += 1
    assert python >= 30
