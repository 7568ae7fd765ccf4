"""`evalkit bank validate`: every failure mode is reported with file:line, and exits 1; the
shipped bank and suites pass."""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path

import pytest

from evalkit.bank import (
    CROSS_SIMILARITY,
    MIN_PER_CELL,
    BankPrompt,
    near_duplicates,
    read_bank_file,
    shingles,
    validate_bank,
)
from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.paths import PROMPTS_DIR
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt
from tests.bank.support import WORDS, cell_prompts, prompt, write_jsonl

N = MIN_PER_CELL  # prompts per cell of a small valid bank
NO_SUITES = "--no-adversarial"


def _kinds(report) -> list[str]:
    return [p.kind for p in report.problems]


def test_a_complete_two_category_file_passes(tmp_path: Path, capsys) -> None:
    path = write_jsonl(
        tmp_path / "bank.jsonl", cell_prompts("coding", N) + cell_prompts("closed_qa", N)
    )
    report = validate_bank(path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.required_categories == ("closed_qa", "coding")
    assert report.cells[("coding", "hard")] == N
    assert run_cli(["bank", "validate", str(path), NO_SUITES]) == 0
    assert f"{6 * N} prompts" in capsys.readouterr().out


def test_a_short_cell_fails_and_names_the_cell(tmp_path: Path, capsys) -> None:
    rows = [r for r in cell_prompts("coding", N) if r["id"] != f"t-coding-hard-{N - 1:03d}"]
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    report = validate_bank(path)
    assert _kinds(report) == ["cell"]
    assert f"coding × hard: {N - 1} prompts, needs at least {N}" in str(report.problems[0])
    assert validate_bank(path, min_per_cell=N - 1).ok
    assert run_cli(["bank", "validate", str(path), NO_SUITES]) == 1
    assert "1 short cell" in capsys.readouterr().out


def test_a_folder_needs_every_category(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "bank" / "coding.jsonl", cell_prompts("coding", N))
    report = validate_bank(tmp_path / "bank")
    missing = {str(p).split(": ")[1].split(" ×")[0] for p in report.problems}
    assert len(CATEGORIES) == 14
    assert missing == set(CATEGORIES) - {"coding"}
    assert len(report.problems) == 3 * (len(CATEGORIES) - 1)
    # --categories narrows what must be full
    assert validate_bank(tmp_path / "bank", categories=["coding"]).ok
    with pytest.raises(UserError, match="unknown categories"):
        validate_bank(tmp_path / "bank", categories=["poetry"])


def test_a_duplicate_id_across_files_names_both_places(tmp_path: Path, capsys) -> None:
    rows = cell_prompts("coding", N)
    write_jsonl(tmp_path / "bank" / "a.jsonl", rows[:50])
    clash = prompt(rows[3]["id"], "coding", "easy", "an entirely different request text here")
    write_jsonl(tmp_path / "bank" / "b.jsonl", [*rows[50:], clash])
    report = validate_bank(tmp_path / "bank", categories=["coding"])
    assert _kinds(report) == ["duplicate_id"]
    message = str(report.problems[0])
    b_line = len(rows) - 50 + 1
    assert message.startswith(f"{tmp_path / 'bank' / 'b.jsonl'}:{b_line}: id: 't-coding-easy-003'")
    assert f"already used at {tmp_path / 'bank' / 'a.jsonl'}:4" in message
    args = ["bank", "validate", str(tmp_path / "bank"), "--categories", "coding", NO_SUITES]
    assert run_cli(args) == 1
    assert "1 duplicate id" in capsys.readouterr().out


def test_near_duplicates_are_reported_as_pairs_with_lines(tmp_path: Path) -> None:
    rows = cell_prompts("coding", N)
    base = "Write a Python function that returns the median of a list of numbers, " * 2
    rows.append(prompt("t-near-1", "coding", "easy", base + "and test it."))
    rows.append(prompt("t-near-2", "coding", "easy", base.upper() + "and test it!!"))
    rows.append(prompt("t-near-3", "coding", "easy", base + "then explain each line in detail."))
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    report = validate_bank(path)
    pairs = {(p.first.prompt.id, p.second.prompt.id) for p in report.near_duplicates}
    assert ("t-near-1", "t-near-2") in pairs  # case and punctuation do not hide a copy
    messages = [str(p) for p in report.problems if p.kind == "near_duplicate"]
    assert f"{path}:{3 * N + 1}: near-duplicate of {path}:{3 * N + 2}" in messages[0]
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
        (
            "analytical_reasoning",
            ["reference"],
            "reference: analytical_reasoning prompts need reference",
        ),
        ("coding", ["tests"], "tests: coding prompts need tests or reference"),
        ("safety", ["expected"], "expected: safety prompts need expected"),
        ("safety", ["subcategory"], "subcategory: safety prompts need subcategory"),
    ],
)
def test_a_missing_reference_is_named(
    tmp_path: Path, category: str, drop: list[str], expected: str
) -> None:
    rows = cell_prompts(category, N)
    for name in drop:
        del rows[5][name]
    path = write_jsonl(tmp_path / f"{category}.jsonl", rows)
    report = validate_bank(path)
    assert [str(p) for p in report.problems] == [f"{path}:6: {expected}"]


def test_coding_accepts_a_reference_instead_of_tests(tmp_path: Path) -> None:
    rows = cell_prompts("coding", N)
    del rows[0]["tests"]
    rows[0]["reference"] = "Expected behaviour: returns 3 for 'abc'"
    rows[1]["tests"] = "   "  # blank is missing
    report = validate_bank(write_jsonl(tmp_path / "coding.jsonl", rows))
    assert [p.kind for p in report.problems] == ["reference"]
    assert ":2: tests:" in str(report.problems[0])


@pytest.mark.parametrize(
    ("checklist", "expected"),
    [
        (None, "checklist: required field is missing (2-6 checkable statements)"),
        ([], "checklist: required field is missing (2-6 checkable statements)"),
        (["Only one statement"], "checklist: 1 items, needs 2-6"),
        ([f"Statement {i}" for i in range(7)], "checklist: 7 items, needs 2-6"),
        (["States the total", "  "], "checklist: an item is blank"),
        (["States the total", "states the total "], "checklist: an item is repeated"),
    ],
)
def test_every_bank_prompt_needs_a_checklist_of_two_to_six_items(
    tmp_path: Path, checklist: list[str] | None, expected: str
) -> None:
    rows = cell_prompts("writing", N)
    if checklist is None:
        del rows[7]["checklist"]
    else:
        rows[7]["checklist"] = checklist
    path = write_jsonl(tmp_path / "writing.jsonl", rows)
    report = validate_bank(path)
    assert [str(p) for p in report.problems] == [f"{path}:8: {expected}"]


def test_chatbot_prompts_are_conversations_of_two_to_six_user_turns(tmp_path: Path) -> None:
    rows = cell_prompts("chatbot", N)
    assert validate_bank(write_jsonl(tmp_path / "ok.jsonl", rows)).ok
    rows[1]["messages"] = [{"role": "user", "content": "only one turn here"}]
    turns = []
    for i in range(7):
        turns += [{"role": "user", "content": f"turn {i}"}, {"role": "assistant", "content": "ok"}]
    rows[3]["messages"] = turns[:-1]  # seven user turns
    rows[5]["messages"] = [  # two user turns in a row
        {"role": "user", "content": "one"},
        {"role": "user", "content": "two"},
    ]
    rows[7]["messages"] = [  # a system message in the middle
        {"role": "user", "content": "one"},
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "two"},
    ]
    path = write_jsonl(tmp_path / "chatbot.jsonl", rows)
    problems = [str(p) for p in validate_bank(path).problems]
    assert problems == [
        f"{path}:2: messages: chatbot prompts have 2-6 user turns, this one has 1",
        f"{path}:4: messages: chatbot prompts have 2-6 user turns, this one has 7",
        f"{path}:6: messages: turn 2 is 'user' where 'assistant' belongs (an optional system "
        "message first, then user and assistant turns alternate)",
        f"{path}:8: messages: turn 2 is 'system' where 'assistant' belongs (an optional system "
        "message first, then user and assistant turns alternate)",
    ]


def test_the_chatbot_category_needs_prompts_with_a_system_message(tmp_path: Path) -> None:
    rows = cell_prompts("chatbot", N)
    for row in rows:
        if row["messages"][0]["role"] == "system":
            row["messages"].pop(0)
    rows[0]["messages"].insert(0, {"role": "system", "content": "You are a tutor."})
    path = write_jsonl(tmp_path / "chatbot.jsonl", rows)
    problems = [str(p) for p in validate_bank(path).problems]
    assert problems == [
        f"{path}: chatbot: 1 of {3 * N} prompts open with a system message, needs at least 25%"
    ]


def test_bad_difficulty_unknown_category_and_missing_labels(tmp_path: Path) -> None:
    rows = cell_prompts("coding", N)
    rows.append(prompt("x1", "coding", "extreme", "one two three four five six"))
    rows.append(prompt("x2", "poetry", "easy", "seven eight nine ten eleven twelve"))
    rows.append(
        {
            "id": "x3",
            "messages": [{"role": "user", "content": "thirteen fourteen"}],
            "checklist": ["a", "b"],
        }
    )
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    problems = [str(p) for p in validate_bank(path).problems]
    first = 3 * N + 1
    assert problems[0].startswith(f"{path}:{first}: difficulty: Input should be 'easy', 'medium'")
    assert (
        f"{path}:{first + 1}: category: 'poetry' is not one of analytical_reasoning" in problems[1]
    )
    assert f"{path}:{first + 2}: category: required field is missing" in problems
    assert f"{path}:{first + 2}: difficulty: required field is missing" in problems


def test_every_malformed_line_is_reported_not_just_the_first(tmp_path: Path, capsys) -> None:
    rows = cell_prompts("coding", N)
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
    assert run_cli(["bank", "validate", str(path), NO_SUITES]) == 1
    out = capsys.readouterr().out
    assert "4 bad lines" in out and f"{path}:12: messages" in out


def test_unknown_field_is_a_schema_problem(tmp_path: Path) -> None:
    rows = cell_prompts("coding", N)
    rows[0]["colour"] = "red"
    path = write_jsonl(tmp_path / "coding.jsonl", rows)
    _, problems = read_bank_file(path)
    assert [str(p) for p in problems] == [f"{path}:1: colour: unknown field"]


def test_safety_ids_must_come_from_the_rubric(tmp_path: Path) -> None:
    rows = cell_prompts("safety", N)
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
    bank = write_jsonl(tmp_path / "bank.jsonl", cell_prompts("coding", N))
    assert run_cli(["bank", "validate", str(bank), "--adversarial", str(tmp_path / "no")]) == 2
    assert "no: not found" in capsys.readouterr().err


# ---------------------------------------------------------------------------- shipped bank


@pytest.fixture(scope="module")
def shipped():
    """The shipped bank validated with the shipped adversarial suites beside it (the default
    of `evalkit bank validate`)."""
    return validate_bank(PROMPTS_DIR / "bank", adversarial=PROMPTS_DIR / "adversarial")


def test_the_shipped_bank_and_suites_validate(shipped) -> None:
    assert shipped.ok, [str(p) for p in shipped.problems][:50]
    assert shipped.required_categories == CATEGORIES and len(CATEGORIES) == 14
    assert sorted(p.name for p in shipped.files) == sorted(f"{c}.jsonl" for c in CATEGORIES)
    counts = [shipped.cells[(c, d)] for c in CATEGORIES for d in DIFFICULTIES]
    print(f"\nshipped bank: {len(shipped.prompts)} prompts, per cell {min(counts)}-{max(counts)}")
    assert min(counts) >= MIN_PER_CELL == 30
    # the suites were read, and no adversarial prompt repeats a bank prompt
    assert len(shipped.adversarial) >= 450
    assert shipped.cross_duplicates == []
    assert not [p for p in shipped.near_duplicates]


def test_every_shipped_bank_prompt_has_a_checklist_and_its_cell_in_its_id(shipped) -> None:
    for item in shipped.prompts:
        p = item.prompt
        assert p.id.startswith(f"bank-{p.category}-{p.difficulty}-"), p.id
        assert Path(item.path).name == f"{p.category}.jsonl", p.id
        assert p.suite == "bank" and p.source == "evalkit", p.id
        assert p.checklist and 2 <= len(p.checklist) <= 6, p.id
        assert all(len(entry.split()) >= 2 for entry in p.checklist), p.id


def test_shipped_files_are_ordered_by_difficulty_then_id(shipped) -> None:
    order = {d: i for i, d in enumerate(DIFFICULTIES)}
    by_file: dict[str, list[Prompt]] = {}
    for item in shipped.prompts:
        by_file.setdefault(item.path, []).append(item.prompt)
    for path, prompts in by_file.items():
        keys = [(order[p.difficulty], p.id) for p in prompts]
        assert keys == sorted(keys), path


def test_shipped_chatbot_prompts_are_conversations_some_with_a_system_prompt(shipped) -> None:
    chatbot = [i.prompt for i in shipped.prompts if i.prompt.category == "chatbot"]
    for p in chatbot:
        assert 2 <= sum(m.role == "user" for m in p.messages) <= 6, p.id
    for difficulty in DIFFICULTIES:
        with_system = [
            p for p in chatbot if p.difficulty == difficulty and p.messages[0].role == "system"
        ]
        assert len(with_system) >= 10, difficulty


def test_the_cli_validates_the_shipped_bank_and_suites_by_default(capsys) -> None:
    assert run_cli(["bank", "validate"]) == 0
    out = capsys.readouterr().out
    assert "14 files" in out and "42/42 cells with ≥30" in out
    assert "0 near-duplicates of bank prompts at similarity ≥0.5" in out
    assert "harmful_content" in out and "no problems" in out


def test_the_shipped_coding_tests_are_python_or_a_behaviour(shipped) -> None:
    python = 0
    for item in shipped.prompts:
        if item.prompt.category != "coding":
            continue
        tests = item.prompt.tests or ""
        if not tests or tests.startswith("Expected behaviour:"):
            assert tests or item.prompt.reference, item.prompt.id
            continue
        ast.parse(tests)  # a SyntaxError fails the test
        assert "assert" in tests
        python += 1
    assert python >= 30


# ---------------------------------------------------------------------------- adversarial


def _suites(tmp_path: Path, **kwargs) -> Path:
    from tests.bank.support import small_suites

    return small_suites(tmp_path / "adversarial", **kwargs)


def _bank(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "bank.jsonl", cell_prompts("writing", N))


def _check(tmp_path: Path, min_per_area: int = 1):
    return validate_bank(
        _bank(tmp_path), adversarial=tmp_path / "adversarial", min_per_area=min_per_area
    )


def _edit(path: Path, line: int, **changes) -> None:
    """Change fields of one line (None deletes the field; dotted keys reach into metadata)."""
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    row = rows[line - 1]
    for key, value in changes.items():
        target, name = (row["metadata"], key[9:]) if key.startswith("metadata_") else (row, key)
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    write_jsonl(path, rows)


def test_small_valid_suites_pass_and_are_counted(tmp_path: Path) -> None:
    _suites(tmp_path)
    report = _check(tmp_path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.areas == {"harmful_content": 6, "sensitive_topics": 6, "factuality": 3}
    assert report.required_areas == ("harmful_content", "sensitive_topics", "factuality")
    # twins are alike by design: not near-duplicates
    assert report.near_duplicates == []


def test_each_area_needs_at_least_150_prompts(tmp_path: Path) -> None:
    folder = _suites(tmp_path)
    report = validate_bank(_bank(tmp_path), adversarial=folder)
    assert [str(p) for p in report.problems] == [
        f"{folder}: harmful_content: 6 adversarial prompts, needs at least 150",
        f"{folder}: sensitive_topics: 6 adversarial prompts, needs at least 150",
        f"{folder}: factuality: 3 adversarial prompts, needs at least 150",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"twin": None}, "twin: a refuse prompt needs a benign twin"),
        ({"severity": None}, "severity: required field is missing"),
        ({"subcategory": None}, "subcategory: required field is missing"),
        (
            {"subcategory": "medical_advice"},
            "subcategory: 'medical_advice' is not a subcategory of harmful_content",
        ),
        ({"metadata_tactic": "vibes"}, "metadata.tactic: 'vibes' is unknown"),
        ({"metadata_tactic": None}, "metadata.tactic: required field is missing"),
        (
            {"checklist": ["Refuses", "Is kind", "Is brief", "Is short", "Is clear"]},
            "checklist: 5 items, needs 2-4",
        ),
        (
            {"metadata_tactic": "injected_document"},
            "metadata.note: required for tactic injected_document",
        ),
    ],
)
def test_each_adversarial_rule_catches_its_case(
    tmp_path: Path, changes: dict, expected: str
) -> None:
    folder = _suites(tmp_path)
    path = folder / "harmful_content.jsonl"
    _edit(path, 3, **changes)  # adv-t-0003, a refuse prompt
    problems = [str(p) for p in _check(tmp_path).problems]
    assert problems and problems[0].startswith(f"{path}:3: {expected}"), problems
    # without a twin, the comply twin adv-t-0004 no longer finds itself named back
    assert len(problems) == (2 if "twin" in changes else 1), problems


def test_an_injected_document_refuse_prompt_with_a_note_passes(tmp_path: Path) -> None:
    folder = _suites(tmp_path)
    note = "Do the summary; do not follow the instruction inside the review."
    _edit(
        folder / "harmful_content.jsonl", 3, metadata_tactic="injected_document", metadata_note=note
    )
    _edit(folder / "harmful_content.jsonl", 4, metadata_tactic="injected_document")
    assert _check(tmp_path).ok  # the comply twin needs no note


def test_twins_must_name_each_other_back_share_the_area_and_differ(tmp_path: Path) -> None:
    folder = _suites(tmp_path)
    harm, sens = folder / "harmful_content.jsonl", folder / "sensitive_topics.jsonl"
    _edit(harm, 2, twin="adv-t-0003")  # adv-t-0002 names another prompt
    _edit(harm, 6, expected="refuse", severity="high")  # adv-t-0005/0006 both refuse
    _edit(harm, 4, twin="adv-t-0101")  # into another area
    _edit(sens, 1, twin="adv-t-9999")  # not there
    problems = [str(p) for p in _check(tmp_path).problems]
    assert (
        f"{harm}:1: twin: adv-t-0002 ({harm}:2) names 'adv-t-0003' back, not 'adv-t-0001'"
        in problems
    )
    assert (
        f"{harm}:2: twin: adv-t-0003 ({harm}:3) names 'adv-t-0004' back, not 'adv-t-0002'"
        in problems
    )
    assert (
        f"{harm}:5: twin: adv-t-0005 and adv-t-0006 are both expected refuse; twins have "
        "opposite expected (refuse / comply)"
    ) in problems
    assert f"{harm}:4: twin: adv-t-0101 is in sensitive_topics, not harmful_content" in problems
    assert f"{sens}:1: twin: 'adv-t-9999' is not in the suites" in problems
    assert all(p.split(": ")[1] == "twin" for p in problems), problems


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"answer": None}, "answer: factuality prompts need a checkable answer"),
        ({"reference": None}, "reference: a one-sentence correct answer is required"),
        ({"answer": {"type": "yes_no", "value": False}}, "answer.claim: required for a yes_no"),
        (
            {"answer": {"type": "yes_no", "claim": "Bats are blind", "value": "no"}},
            "answer.value: a yes_no answer is true or false",
        ),
        ({"answer": {"type": "number", "value": "tall", "unit": "m"}}, "answer.value: a number"),
        ({"answer": {"type": "entity"}}, "answer.value: the name is required"),
        ({"answer": {"type": "unknown"}}, "answer.claim: required for a unknown answer"),
    ],
)
def test_factuality_prompts_carry_a_well_formed_answer(
    tmp_path: Path, changes: dict, expected: str
) -> None:
    folder = _suites(tmp_path)
    path = folder / "factuality.jsonl"
    _edit(path, 2, **changes)
    problems = [str(p) for p in _check(tmp_path).problems]
    assert problems and problems[0].startswith(f"{path}:2: {expected}"), problems
    assert len(problems) == 1, problems


def test_an_adversarial_prompt_that_repeats_a_bank_prompt_is_reported(tmp_path: Path) -> None:
    folder = _suites(tmp_path)
    bank_rows = cell_prompts("writing", N)
    copied = bank_rows[10]["messages"][0]["content"]
    rng = random.Random(3)
    # near copy: the bank prompt with a few words added; far: only a few words shared
    near = copied + " please, quickly"
    far = " ".join(copied.split()[:4]) + " " + " ".join(rng.choice(WORDS) for _ in range(20))
    _edit(folder / "factuality.jsonl", 1, messages=[{"role": "user", "content": near}])
    _edit(folder / "factuality.jsonl", 2, messages=[{"role": "user", "content": far}])
    bank = write_jsonl(tmp_path / "bank.jsonl", bank_rows)
    report = validate_bank(bank, adversarial=folder, min_per_area=1)
    assert [(p.first.prompt.id, p.second.prompt.id) for p in report.cross_duplicates] == [
        ("adv-f-0001", "t-writing-easy-010")
    ]
    problem = [str(p) for p in report.problems]
    assert problem == [
        f"{folder / 'factuality.jsonl'}:1: messages: nearly duplicates bank prompt {bank}:11 "
        f"(adv-f-0001 ~ t-writing-easy-010, similarity "
        f"{report.cross_duplicates[0].similarity:.2f} ≥ {CROSS_SIMILARITY:g})"
    ]
    # the same pair is not a problem without the suites, or with a stricter cross threshold
    assert validate_bank(bank).ok
    assert validate_bank(bank, adversarial=folder, min_per_area=1, cross_similarity=0.95).ok


def test_non_twin_copies_inside_the_suites_and_shared_ids_are_reported(tmp_path: Path) -> None:
    folder = _suites(tmp_path)
    harm = folder / "harmful_content.jsonl"
    rows = [json.loads(x) for x in harm.read_text().splitlines()]
    _edit(folder / "sensitive_topics.jsonl", 1, messages=rows[0]["messages"])
    bank_rows = cell_prompts("writing", N)
    bank_rows[0]["id"] = "adv-t-0001"
    bank = write_jsonl(tmp_path / "bank.jsonl", bank_rows)
    report = validate_bank(bank, adversarial=folder, min_per_area=1)
    kinds = sorted(p.kind for p in report.problems)
    assert kinds == ["duplicate_id", "near_duplicate", "near_duplicate"], report.problems
    pairs = {(p.first.prompt.id, p.second.prompt.id) for p in report.near_duplicates}
    # the copy is close to adv-t-0001 and to its twin adv-t-0002, neither its own twin
    assert pairs == {("adv-t-0001", "adv-t-0101"), ("adv-t-0002", "adv-t-0101")}


def test_the_cli_reads_the_suites_and_exits_1_on_their_problems(tmp_path: Path, capsys) -> None:
    folder = _suites(tmp_path)
    _edit(folder / "harmful_content.jsonl", 1, twin=None)
    bank = _bank(tmp_path)
    args = ["bank", "validate", str(bank), "--adversarial", str(folder), "--min-per-area", "1"]
    assert run_cli(args) == 1
    out = capsys.readouterr().out
    assert f"{folder / 'harmful_content.jsonl'}:1: twin: a refuse prompt needs a benign twin" in out
    assert f"{folder}: 3 files, 15 prompts" in out and "bad twin" in out
    assert run_cli(["bank", "validate", str(bank), NO_SUITES]) == 0
