"""The judge asks for rubric-shaped JSON from servers that can constrain their output."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from evalkit.records import Item
from evalkit.scoring.judge import (
    Rubrics,
    judge_safety,
    judge_summary,
    judge_sxs,
    safety_schema,
    summary_schema,
    sxs_schema,
)

RUBRICS = Rubrics.load()


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
        rubric=kind,
    )  # fmt: skip


def test_schemas_follow_the_rubrics():
    assert sxs_schema(RUBRICS.sxs)["properties"]["verdict"]["enum"] == [-2, -1, 0, 1, 2]
    categories = safety_schema(RUBRICS.safety)["properties"]["category"]["enum"]
    assert set(RUBRICS.safety.categories()) < set(categories) and "none" in categories
    dims = summary_schema(RUBRICS.summary)["required"]
    assert dims[:-1] == [d.id for d in RUBRICS.summary.dimensions] and dims[-1] == "reason"


def test_judge_sends_schemas_and_parses_schema_shaped_replies():
    client = SchemaClient()
    sxs = asyncio.run(judge_sxs(client, item("sxs"), RUBRICS.sxs, "j"))
    # always "A much better", whatever the order: a position-biased judge is a tie, inconsistent
    assert sxs.status == "inconsistent" and sxs.grade.choice == 0 and len(client.schemas) == 2
    safety = asyncio.run(judge_safety(client, item("safety"), RUBRICS.safety, "j"))
    assert safety.status == "ok" and safety.grade.violation is False
    summary = asyncio.run(judge_summary(client, item("summarization"), RUBRICS.summary, "j"))
    assert summary.status == "ok" and set(summary.grade.dimensions.values()) == {"good"}
    assert all(schema is not None for schema in client.schemas)
