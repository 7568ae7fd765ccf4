"""Records and JSONL I/O: every malformed input names path:line: field: problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.errors import InputError
from evalkit.jsonio import AppendWriter, read_records, repair_torn_tail, write_records
from evalkit.records import Message, ModelSpec, Prompt, Response, request_hash

GOOD = '{"id": "p1", "messages": [{"role": "user", "content": "hi"}]}'

MALFORMED = [
    ("{not json", 1, "not valid JSON"),
    ('["a", "list"]', 1, "expected a JSON object"),
    ('"just a string"', 1, "expected a JSON object"),
    ('{"messages": [{"role": "user", "content": "x"}]}', 1, "id: required field is missing"),
    ('{"id": "p1"}', 1, "messages: required field is missing"),
    (
        '{"id": "", "messages": [{"role": "user", "content": "x"}]}',
        1,
        "id: String should have at least 1 character",
    ),
    ('{"id": "p1", "messages": []}', 1, "messages: List should have at least 1 item"),
    (
        '{"id": "p1", "messages": [{"role": "robot", "content": "x"}]}',
        1,
        "messages.0.role: Input should be",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user"}]}',
        1,
        "messages.0.content: required field is missing",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": 5}]}',
        1,
        "messages.0.content: Input should be a valid string",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": "x"}], "difficulty": "brutal"}',
        1,
        "difficulty: Input should be 'easy', 'medium' or 'hard'",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": "x"}], "colour": "red"}',
        1,
        "colour: unknown field",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": "x"}], "expected": "maybe"}',
        1,
        "expected: Input should be 'comply' or 'refuse'",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": "x"}], "stacked": "often"}',
        1,
        "stacked: Input should be a valid boolean",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": "x"}], "n_docs": "three"}',
        1,
        "n_docs: Input should be a valid integer",
    ),
    (
        '{"id": "p1", "messages": [{"role": "user", "content": "x"}], "key_facts": "one"}',
        1,
        "key_facts: Input should be a valid list",
    ),
    (
        '{"id": "p1", "messages": [{"role": "assistant", "content": "x"}]}',
        1,
        "messages: Value error, the last message must have role 'user'",
    ),
    (
        GOOD + "\n" + '{"id": 7, "messages": [{"role": "user", "content": "x"}]}',
        2,
        "id: Input should be a valid string",
    ),
    (GOOD + "\n\n" + "{oops", 3, "not valid JSON"),
]


@pytest.mark.parametrize(("content", "line", "expected"), MALFORMED)
def test_malformed_prompt_lines_name_path_line_field(
    tmp_path: Path, content: str, line: int, expected: str
) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text(content + "\n")
    with pytest.raises(InputError) as caught:
        read_records(path, Prompt)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert expected in str(caught.value)
    assert caught.value.line == line


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "\xff"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:1: not valid UTF-8"):
        read_records(bad, Prompt)
    with pytest.raises(InputError, match="file not found"):
        read_records(tmp_path / "nope.jsonl", Prompt)
    with pytest.raises(InputError, match="is a folder"):
        read_records(tmp_path, Prompt)


def test_blank_lines_are_allowed_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(GOOD + "\n\n" + GOOD.replace("p1", "p2") + "\n")
    prompts = read_records(path, Prompt)
    assert [p.id for p in prompts] == ["p1", "p2"]
    assert prompts[0].user_text == "hi"
    out = tmp_path / "out.jsonl"
    assert write_records(out, prompts) == 2
    assert read_records(out, Prompt) == prompts


def test_append_writer_repairs_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    record = Response(run_id="r", prompt_id="p", model="m", text="ok")
    path.write_text(json.dumps(record.model_dump(mode="json")) + "\n" + '{"run_id": "r", "pro')
    with pytest.raises(InputError):
        read_records(path, Response)
    assert len(read_records(path, Response, allow_torn_tail=True)) == 1
    with AppendWriter(path) as writer:
        writer.write(record.model_copy(update={"prompt_id": "q"}))
    assert [r.prompt_id for r in read_records(path, Response)] == ["p", "q"]
    assert repair_torn_tail(path) is False


def test_request_hash_changes_with_prompt_and_params() -> None:
    spec = ModelSpec(name="m")
    messages = [Message(role="user", content="a")]
    base = request_hash(spec, messages)
    assert base == request_hash(spec, [Message(role="user", content="a")])
    assert base != request_hash(spec, [Message(role="user", content="b")])
    hotter = spec.model_copy(update={"params": spec.params.model_copy(update={"temperature": 0.7})})
    assert base != request_hash(hotter, messages)
    moved = spec.model_copy(update={"base_url": "http://elsewhere/v1"})
    assert base == request_hash(moved, messages)  # where the model is served is not what was asked
