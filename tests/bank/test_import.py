"""`evalkit bank import`: jsonl, csv and databricks-dolly-15k rows become valid Prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.bank import import_prompts, parse_map, validate_bank
from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.jsonio import read_records
from evalkit.records import Prompt
from tests.bank.support import write_jsonl

DOLLY_ROWS = [
    {
        "instruction": "When did the Ellis Bridge open?",
        "context": "The Ellis Bridge opened in 1931 after four years of construction.",
        "response": "It opened in 1931.",
        "category": "closed_qa",
    },
    {
        "instruction": "Suggest things to bring to a picnic.",
        "context": "",
        "response": "Sandwiches, fruit, a blanket.",
        "category": "brainstorming",
    },
    {
        "instruction": "List the people named.",
        "context": "Ana met Bo at the station.",
        "response": "Ana, Bo",
        "category": "information_extraction",
    },
    {
        "instruction": "Write a haiku about rain.",
        "context": "",
        "response": "Soft rain on tin roofs",
        "category": "creative_writing",
    },
    {
        "instruction": "Why is the sky blue?",
        "context": "",
        "response": "Rayleigh scattering.",
        "category": "general_qa",
    },
    {
        "instruction": "Is a tomato a fruit?",
        "context": "",
        "response": "Botanically, yes.",
        "category": "open_qa",
    },
    {
        "instruction": "Classify each as mammal or bird: owl, otter.",
        "context": "",
        "response": "owl: bird; otter: mammal",
        "category": "classification",
    },
    {
        "instruction": "Summarize this note.",
        "context": "The meeting moved to Friday at 10.",
        "response": "Meeting moved to Friday 10:00.",
        "category": "summarization",
    },
]


def test_dolly_maps_fields_and_categories(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "dolly.jsonl", DOLLY_ROWS)
    prompts = import_prompts(path, "dolly").prompts
    assert [p.category for p in prompts] == [
        "closed_qa",
        "brainstorming",
        "extraction",
        "creative_writing",  # a bank category of its own (poems, stories)
        "open_qa",
        "open_qa",
        "classification",
        "summarization",
    ]
    first = prompts[0]
    assert first.user_text == (
        "When did the Ellis Bridge open?\n\n"
        "The Ellis Bridge opened in 1931 after four years of construction."
    )
    assert first.reference == "It opened in 1931."
    assert first.source == "import:dolly:dolly.jsonl:1"
    assert first.suite == "bank" and first.difficulty == "medium"
    assert prompts[1].user_text == "Suggest things to bring to a picnic."  # empty context: no gap
    assert prompts[7].source == "import:dolly:dolly.jsonl:8"
    assert all(p.id.startswith(f"import-dolly-{p.category}-") for p in prompts)


def test_ids_are_stable_and_exact_repeats_are_numbered(tmp_path: Path) -> None:
    rows = [*DOLLY_ROWS, DOLLY_ROWS[1]]
    path = write_jsonl(tmp_path / "dolly.jsonl", rows)
    first = import_prompts(path, "dolly")
    # a new row inserted at the top moves every line but keeps every id
    moved = write_jsonl(tmp_path / "moved.jsonl", [DOLLY_ROWS[3] | {"instruction": "New"}, *rows])
    second = import_prompts(moved, "dolly")
    assert [p.id for p in first.prompts] == [p.id for p in second.prompts[1:]]
    assert first.exact_duplicates == 1
    assert first.prompts[-1].id == first.prompts[1].id + "-2"


def test_dolly_errors_name_file_line_and_field(tmp_path: Path) -> None:
    rows = [
        DOLLY_ROWS[0],
        {"instruction": "Write a poem", "context": "", "response": "", "category": "poetry"},
        {"context": "x", "response": "y", "category": "open_qa"},
        DOLLY_ROWS[1],
    ]
    path = write_jsonl(tmp_path / "dolly.jsonl", rows)
    with pytest.raises(UserError) as caught:
        import_prompts(path, "dolly")
    message = str(caught.value)
    assert message.startswith(f"2 bad rows in {path}, nothing imported:")
    assert f"{path}:2: category: 'poetry' is not a known category" in message
    assert f"{path}:3: instruction: required field is missing" in message


def test_jsonl_with_a_field_map_keeps_unmapped_fields(tmp_path: Path) -> None:
    rows = [
        {
            "qid": "team-7",
            "question": "Capital of Peru?",
            "answer": "Lima",
            "kind": "Open QA",
            "level": "Easy",
            "owner": "ana",
        },
        {"question": "2 + 2?", "answer": "4", "kind": "math", "level": "hard"},
    ]
    path = write_jsonl(tmp_path / "team.jsonl", rows)
    mapping = parse_map(
        ["qid=id", "question=prompt", "answer=reference", "kind=category", "level=difficulty"]
    )
    prompts = import_prompts(path, "jsonl", mapping).prompts
    assert prompts[0].id == "team-7"
    assert prompts[0].category == "open_qa" and prompts[0].difficulty == "easy"
    assert prompts[0].metadata == {"owner": "ana"}
    assert prompts[1].category == "math_reasoning" and prompts[1].difficulty == "hard"
    assert prompts[1].id.startswith("import-jsonl-math_reasoning-")


def test_jsonl_already_in_our_schema_passes_through(tmp_path: Path) -> None:
    row = {
        "id": "x1",
        "messages": [{"role": "user", "content": "Hi"}],
        "category": "writing",
        "difficulty": "easy",
        "source": "team-b",
    }
    prompts = import_prompts(write_jsonl(tmp_path / "ours.jsonl", [row]), "jsonl").prompts
    assert prompts[0].id == "x1" and prompts[0].user_text == "Hi"
    assert prompts[0].source == "import:jsonl:ours.jsonl:1"
    assert prompts[0].metadata == {"original_source": "team-b"}


def test_csv_handles_quotes_multiline_cells_and_reports_the_right_line(tmp_path: Path) -> None:
    path = tmp_path / "team.csv"
    path.write_text(
        "question,passage,answer,type,facts\n"
        '"What colour, exactly?","The door is red.\nThe frame is white.",red,closed_qa,\n'
        'How many?,,3,math,"[""a"", ""b""]"\n'
        "Name it,,x,poetry,\n"
        'Bad facts,,x,closed_qa,"[not json"\n',
        encoding="utf-8",
    )
    mapping = [
        "question=prompt",
        "passage=context",
        "answer=reference",
        "type=category",
        "facts=key_facts",
    ]
    with pytest.raises(UserError) as caught:
        import_prompts(path, "csv", parse_map(mapping))
    message = str(caught.value)
    assert f"{path}:5: type: 'poetry' is not a known category" in message
    assert f"{path}:6: facts: not valid JSON" in message

    path.write_text("\n".join(path.read_text().splitlines()[:4]) + "\n", encoding="utf-8")
    prompts = import_prompts(path, "csv", parse_map(mapping)).prompts
    assert prompts[0].user_text == "What colour, exactly?\n\nThe door is red.\nThe frame is white."
    assert prompts[0].source == "import:csv:team.csv:2"
    assert prompts[1].key_facts == ["a", "b"]
    assert prompts[1].source == "import:csv:team.csv:4"


def test_missing_prompt_text_and_bad_options_are_clear(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [{"question": "Hi?", "category": "open_qa"}])
    with pytest.raises(UserError, match=r"t.jsonl:1: prompt: no prompt text \(map a column"):
        import_prompts(path, "jsonl")
    with pytest.raises(UserError, match="--format 'xml'"):
        import_prompts(path, "xml")
    with pytest.raises(UserError, match="'solution' is not one of"):
        parse_map(["q=solution"])
    with pytest.raises(UserError, match="--default-difficulty 'extreme'"):
        import_prompts(path, "jsonl", default_difficulty="extreme")
    no_category = write_jsonl(tmp_path / "n.jsonl", [{"prompt": "Hello"}])
    with pytest.raises(UserError, match="n.jsonl:1: category: required for the bank"):
        import_prompts(no_category, "jsonl")
    assert import_prompts(no_category, "jsonl", default_category="writing").prompts[0].category == (
        "writing"
    )
    assert import_prompts(no_category, "jsonl", suite="team").prompts[0].category is None


def test_cli_import_writes_a_file_that_the_validator_reads(tmp_path: Path, capsys) -> None:
    src = write_jsonl(tmp_path / "dolly.jsonl", DOLLY_ROWS)
    out = tmp_path / "imported.jsonl"
    code = run_cli(
        [
            "bank",
            "import",
            "--format",
            "dolly",
            str(src),
            "--out",
            str(out),
            "--default-difficulty",
            "easy",
        ]
    )
    assert code == 0
    assert "imported 8 prompts" in capsys.readouterr().err
    prompts = read_records(out, Prompt)
    assert len(prompts) == 8 and {p.difficulty for p in prompts} == {"easy"}
    first_line = json.loads(out.read_text().splitlines()[0])
    assert "tests" not in first_line  # compact: no null fields
    report = validate_bank(out, min_per_cell=1, categories=["closed_qa"])
    # imported prompts carry no checklist (the team writes them); medium and hard are empty
    assert sorted(p.kind for p in report.problems) == ["cell", "cell"] + ["checklist"] * 8

    assert run_cli(["bank", "import", str(src), "--format", "jsonl"]) == 2
    assert "prompt: no prompt text" in capsys.readouterr().err
    assert run_cli(["bank", "import", str(tmp_path / "missing.csv"), "--format", "csv"]) == 2
