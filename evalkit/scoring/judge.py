"""An LLM judge: any configured model grades items, each through its grading kind.

For every item the judge asks its kind (`evalkit.kinds`): `kind.judge_requests(item, rubric)`
gives the questions (messages and a reply schema, each with a tag), all asked concurrently, and
`kind.judge_payload(item, rubric, {tag: reply})` turns the replies into the Grade's fields. The
grade has `rater_id="judge:<model>"` and `grader="auto"`, so the same statistics (and agreement
with humans) apply to it as to a human rater. What is asked is the kind's business: side by
side, for instance, asks in both orders and calls a verdict that flips with the order an
inconsistent tie (`JudgeResult.consistent` False: status "inconsistent").

Replies are parsed robustly (`evalkit.scoring.replies`: the first JSON object in the text,
inside code fences or prose, trailing junk ignored). A reply that still does not answer the
rubric (the kind raises `JudgeParseError`) is *unparseable*: never an exception, but an outcome
with status "unparseable" and a Grade with `skipped=True` and comment
"unparseable judge reply: <why>: <start of the reply>". A failed model call is status "error"
(also a skipped Grade). Both are counted in `JudgeTally` and printed by `evalkit score`; the
statistics ignore skipped grades, as they do for humans' skips.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeGuard

from pydantic import ValidationError

from evalkit.kinds.base import GradingKind, JudgeParseError, JudgeRequest, get_kind
from evalkit.models import ModelCallError
from evalkit.records import Grade, Item, Message, Score

Status = Literal["ok", "inconsistent", "unparseable", "error"]
CALL_ERRORS = (ModelCallError, OSError, TimeoutError)
REPLY_EXCERPT = 160  # characters of a bad reply kept in the comment, for debugging the judge
# item metadata copied into the judge's scores: strata, never secrets (sides, gold answers)
META_KEYS = ("risk_area", "subcategory", "expected", "use_case")

__all__ = [
    "CALL_ERRORS",
    "ChatClient",
    "JudgeOutcome",
    "JudgeParseError",
    "JudgeTally",
    "Status",
    "judge_item",
    "judge_items",
    "judge_rater_id",
    "load_rubrics",
    "outcome_scores",
]


class ChatClient(Protocol):
    """What the judge needs of a model client (`evalkit.models.ModelClient` has it)."""

    async def complete(self, messages: list[Message]) -> Any: ...


class SchemaChatClient(Protocol):
    """A client whose `complete` also takes `json_schema` (`ModelClient`'s does)."""

    async def complete(self, messages: list[Message], *, json_schema: dict) -> Any: ...


@dataclass
class JudgeOutcome:
    item: Item
    grade: Grade
    status: Status
    replies: list[str] = field(default_factory=list)  # in the order of the kind's requests
    detail: dict[str, Any] = field(default_factory=dict)  # JudgeResult.detail ({} if skipped)


def judge_rater_id(name: str) -> str:
    return f"judge:{name}"


def load_rubrics(
    items: Sequence[Item], rubrics_dir: str | None = None, rubrics: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The rubric of every kind among `items` (kind name -> rubric), each loaded once;
    `rubrics` already loaded are kept."""
    loaded = dict(rubrics or {})
    for name in dict.fromkeys(item.kind for item in items):
        if name not in loaded:
            loaded[name] = get_kind(name).load_rubric(rubrics_dir)
    return loaded


# ----------------------------------------------------------------------------- asking


async def _ask(client: ChatClient, messages: list[Message], schema: dict | None = None) -> str:
    """The judge's reply; with a schema, servers that can constrain JSON are asked to."""
    if schema is not None and _accepts_schema(client):
        result = await client.complete(messages, json_schema=schema)
    else:
        result = await client.complete(messages)
    return getattr(result, "text", result) or ""


def _accepts_schema(client: ChatClient) -> TypeGuard[SchemaChatClient]:
    try:
        return "json_schema" in inspect.signature(client.complete).parameters
    except (TypeError, ValueError):
        return False


def _client_name(client: ChatClient, judge_name: str | None) -> str:
    if judge_name:
        return judge_name
    spec = getattr(client, "spec", None)
    return getattr(spec, "name", None) or "unknown"


def _call_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _excerpt(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat[:REPLY_EXCERPT] + ("…" if len(flat) > REPLY_EXCERPT else "")


def _replies_excerpt(requests: Sequence[JudgeRequest], replies: Sequence[str]) -> str:
    """The start of the reply (of each reply, labelled by its tag, when there were several)."""
    if len(replies) == 1:
        return _excerpt(replies[0])
    return " | ".join(
        f"{request.tag}: {_excerpt(reply)}"
        for request, reply in zip(requests, replies, strict=True)
    )


def _skipped(
    item: Item, rater_id: str, status: Status, comment: str, replies: list[str]
) -> JudgeOutcome:
    grade = Grade(item_id=item.id, rater_id=rater_id, grader="auto", skipped=True, comment=comment)
    return JudgeOutcome(item, grade, status, replies)


# ----------------------------------------------------------------------------- judging


async def judge_item(
    client: ChatClient,
    item: Item,
    rubric: Any | None = None,
    judge_name: str | None = None,
) -> JudgeOutcome:
    """One item graded by the judge through its kind (see the module docstring). `rubric` is
    the kind's rubric (default: loaded from the rubrics evalkit ships). Never raises for a
    failed call or a reply that does not answer the rubric: those are skipped grades."""
    kind: GradingKind = get_kind(item.kind)
    if rubric is None:
        rubric = kind.load_rubric()
    rater = judge_rater_id(_client_name(client, judge_name))
    requests = kind.judge_requests(item, rubric)
    answers = await asyncio.gather(
        *(_ask(client, request.messages, request.schema) for request in requests),
        return_exceptions=True,  # every call finishes; none is left running on a failure
    )
    for answer in answers:  # an interrupt or a cancellation is not a failed call
        if isinstance(answer, BaseException) and not isinstance(answer, Exception):
            raise answer
    failed = [a for a in answers if isinstance(a, Exception)]
    if failed:  # a failed call is counted, never a crash of the whole run
        return _skipped(item, rater, "error", f"judge call failed: {_call_error(failed[0])}", [])
    replies = [str(answer) for answer in answers]
    by_tag = {request.tag: reply for request, reply in zip(requests, replies, strict=True)}
    try:
        result = kind.judge_payload(item, rubric, by_tag)
        grade = Grade(item_id=item.id, rater_id=rater, grader="auto", **result.payload)
    except JudgeParseError as exc:
        why = str(exc)
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        # a reply whose shape the kind's parser did not expect: still a count, not a crash
        why = f"{item.kind} could not read it ({_call_error(exc)})"
    else:
        status: Status = "ok" if result.consistent else "inconsistent"
        return JudgeOutcome(item, grade, status, replies, dict(result.detail))
    comment = f"unparseable judge reply: {why}: {_replies_excerpt(requests, replies)}"
    return _skipped(item, rater, "unparseable", comment, replies)


async def judge_items(
    client: ChatClient,
    items: Sequence[Item],
    rubrics: Mapping[str, Any] | None = None,
    judge_name: str | None = None,
    rubrics_dir: str | None = None,
) -> list[JudgeOutcome]:
    """Judge every item (of any kind) concurrently; the client limits how many requests are in
    flight. `rubrics`: kind name -> rubric (the missing ones are loaded once, from
    `rubrics_dir`). Outcomes come back in the items' order."""
    loaded = load_rubrics(items, rubrics_dir, rubrics)
    calls = [judge_item(client, item, loaded[item.kind], judge_name) for item in items]
    return list(await asyncio.gather(*calls))


# ----------------------------------------------------------------------------- counting


@dataclass
class JudgeTally:
    """Outcomes per (kind, status): ok, inconsistent, unparseable, error."""

    judge: str
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @classmethod
    def of(cls, judge: str, outcomes: Sequence[JudgeOutcome]) -> JudgeTally:
        return cls(judge, Counter((o.item.kind, o.status) for o in outcomes))

    def total(self, kind: str | None = None) -> int:
        return sum(n for (k, _), n in self.counts.items() if kind in (None, k))

    def count(self, status: str, kind: str | None = None) -> int:
        return sum(n for (k, s), n in self.counts.items() if s == status and kind in (None, k))

    def as_dict(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for (kind, status), n in sorted(self.counts.items()):
            table.setdefault(kind, {})[status] = n
        return table


def outcome_scores(outcomes: Sequence[JudgeOutcome], judge: str) -> list[Score]:
    """The judge's outcomes as Score records for RUN_DIR/scores.jsonl, one per outcome, metric
    `<kind>_judge`. `value` is 1 when the judge graded the item and None when it did not
    (unparseable, error), so those are counted there too; the verdict is in `details` (the
    kind's JudgeResult.detail), with the item id, kind, status, comment and the item's strata.
    The model is the item's, or "left|right" for an item comparing two models."""
    scores: list[Score] = []
    for outcome in outcomes:
        item, grade = outcome.item, outcome.grade
        kind = get_kind(item.kind)
        model = f"{item.model_left}|{item.model_right}" if kind.comparison else item.model or ""
        scores.append(
            Score(
                run_id=item.run_id,
                prompt_id=item.prompt_id,
                model=model,
                scorer=judge_rater_id(judge),
                metric=f"{kind.name}_judge",
                value=None if grade.skipped else 1.0,
                details={
                    **outcome.detail,
                    **{k: v for k, v in item.metadata.items() if k in META_KEYS},
                    "item_id": item.id,
                    "kind": item.kind,
                    "status": outcome.status,
                    "comment": grade.comment,
                },
            )
        )
    return scores
