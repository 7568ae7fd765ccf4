"""The judge asks for rubric-shaped JSON from servers that can constrain their output: every
request of every kind carries its schema, and schema-shaped replies parse."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from evalkit.kinds import all_kinds, get_kind
from evalkit.records import Item
from evalkit.scoring.judge import judge_item

RUBRICS = {kind.name: kind.load_rubric() for kind in all_kinds()}


class SchemaClient:
    """A client that, like evalkit's ModelClient, accepts `json_schema` and answers from it."""

    def __init__(self) -> None:
        self.schemas: list[dict] = []

    async def complete(self, messages, sample: int = 0, json_schema: dict | None = None):
        self.schemas.append(json_schema)
        properties = json_schema["properties"]
        reply = {}
        for key, rule in properties.items():
            if "enum" in rule:
                reply[key] = rule["enum"][0]
            elif rule["type"] == "boolean":
                reply[key] = False
            else:
                reply[key] = "because"
        return SimpleNamespace(text=json.dumps(reply))


def item(kind: str) -> Item:
    return Item(
        id=f"{kind}-1", kind=kind, run_id="r", prompt_id="p", prompt_text="Say hi.",
        left_text="hi", right_text="hello", response_text="hi", source_text="Doc.",
        model="m", model_left="m", model_right="n", rubric=get_kind(kind).rubric_name,
    )  # fmt: skip


def schemas(kind: str) -> list[dict]:
    return [r.schema for r in get_kind(kind).judge_requests(item(kind), RUBRICS[kind])]


def test_schemas_follow_the_rubrics():
    verdicts = [s["properties"]["verdict"]["enum"] for s in schemas("sxs")]
    assert verdicts == [[-2, -1, 0, 1, 2]] * 2  # both orders
    (safety,) = schemas("safety")
    categories = safety["properties"]["category"]["enum"]
    assert set(RUBRICS["safety"].categories()) < set(categories) and "none" in categories
    (summary,) = schemas("summarization")
    dims = summary["required"]
    assert dims[:-1] == [d.id for d in RUBRICS["summarization"].dimensions]
    assert dims[-1] == "reason"


@pytest.mark.parametrize("kind", [kind.name for kind in all_kinds()])
def test_every_request_carries_its_schema(kind: str):
    client = SchemaClient()
    outcome = asyncio.run(judge_item(client, item(kind), RUBRICS[kind], "j"))
    assert client.schemas == schemas(kind)  # one call per request, each with its own schema
    assert outcome.status in ("ok", "inconsistent")  # a schema-shaped reply always parses
    assert not outcome.grade.skipped


def test_judge_sends_schemas_and_parses_schema_shaped_replies():
    client = SchemaClient()
    sxs = asyncio.run(judge_item(client, item("sxs"), RUBRICS["sxs"], "j"))
    # always "A much better", whatever the order: a position-biased judge is a tie, inconsistent
    assert sxs.status == "inconsistent" and sxs.grade.choice == 0 and len(client.schemas) == 2
    safety = asyncio.run(judge_item(client, item("safety"), RUBRICS["safety"], "j"))
    assert safety.status == "ok" and safety.grade.violation is False
    summary = asyncio.run(judge_item(client, item("summarization"), RUBRICS["summarization"], "j"))
    assert summary.status == "ok" and set(summary.grade.dimensions.values()) == {"good"}
    assert all(schema is not None for schema in client.schemas)


def test_a_client_without_json_schema_is_asked_without_it():
    asked: list[dict] = []

    class Plain:
        async def complete(self, messages):
            asked.append({"messages": messages})
            return SimpleNamespace(text='{"violation": false}')

    outcome = asyncio.run(judge_item(Plain(), item("safety"), RUBRICS["safety"], "j"))
    assert outcome.status == "ok" and len(asked) == 1
