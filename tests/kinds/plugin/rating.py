"""A fourth grading kind, added the way a project adds one: a 1-7 overall rating of one response.

This module and its rubric (`rating.yaml`, beside it) are the whole of it: nothing in evalkit
names this kind. Registered in any process through `EVALKIT_KINDS=<this file>` (or a package's
`evalkit.kinds` entry point), it is planned (`evalkit plan rating`), rated in the app, judged,
turned into statistics (`rating_good_rate`, `rating_mean_scaled`), gated on and reported, as
`tests/kinds/test_new_kind.py` shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from evalkit.errors import UserError
from evalkit.kinds import (
    AnswerError,
    JudgeParseError,
    SingleResponseKind,
    register_kind,
)
from evalkit.kinds.base import (
    Form,
    JudgeRequest,
    JudgeResult,
    Measure,
    Option,
    Panel,
    Question,
)
from evalkit.records import Grade, Item, Message, Prompt, Record
from evalkit.rubrics import RubricHeader
from evalkit.scoring import replies
from evalkit.stats.table import Metric

POINTS = tuple(range(1, 8))
GROUPS = ("category",)


class ScalePoint(Record):
    value: int = Field(ge=1, le=7)
    label: str
    description: str


class RatingRubric(RubricHeader):
    kind: Literal["rating"] = "rating"
    question: str
    scale: list[ScalePoint] = Field(min_length=7, max_length=7)
    good_at: int = Field(default=5, ge=1, le=7)  # a rating at least this counts as good

    @model_validator(mode="after")
    def _one_to_seven(self) -> RatingRubric:
        if sorted(point.value for point in self.scale) != list(POINTS):
            raise ValueError("scale values must be 1, 2, ..., 7, each once")
        return self


class RatingRow(BaseModel):
    """One rating of a grades export."""

    item_id: str = Field(min_length=1)
    prompt_id: str = Field(min_length=1)
    rater_id: str = Field(min_length=1)
    grader: Literal["human", "auto"] | None = None
    is_gold: bool = False
    gold_correct: bool | None = None
    model: str = Field(min_length=1)
    category: str | None = None
    seconds: float | None = None
    rating: int = Field(ge=1, le=7)


def _metric(name: str, description: str) -> Metric:
    return Metric(
        name=name, family="rating", scale="rate", higher_is_better=True,
        description=description, groups=GROUPS,
    )  # fmt: skip


class Rating(SingleResponseKind):
    name = "rating"
    rubric_name = "rating"
    rubric_type = RatingRubric
    rubric_dir = Path(__file__).parent
    label = "Overall rating"
    id_prefix = "rt"
    groups = GROUPS
    metrics = (
        _metric("rating_good_rate", "share of responses rated at least the rubric's good_at"),
        _metric("rating_mean_scaled", "mean rating on the 1-7 scale, as (rating - 1) / 6"),
    )
    row_model = RatingRow
    columns = ("model", "category", "rating")

    def scope(self, prompts: Sequence[Prompt]) -> list[Prompt]:
        """The bank's prompts: no documents (summarization) and no risk area (safety)."""
        return [p for p in prompts if not p.documents and not p.risk_area]

    def form(self, rubric: RatingRubric, view: Any) -> Form:
        options = tuple(
            Option(p.value, f"{p.value} · {p.label}", p.description) for p in rubric.scale
        )
        help_text = "\n\n".join(f"**{p.value} {p.label}**: {p.description}" for p in rubric.scale)
        rows = ((Panel("Request", "prompt_text"),), (Panel("Response", "response_text"),))
        return Form(
            rubric.title,
            rubric.instructions,
            rows,
            (Question("rating", rubric.question, options, help=help_text),),
        )

    def answers_to_payload(
        self, answers: Mapping[str, Any], rubric: RatingRubric
    ) -> dict[str, Any] | None:
        value = answers.get("rating")
        if value is None:
            return None
        if value not in POINTS:
            raise AnswerError(f"Choose a rating from 1 to 7 (got {value!r}).")
        return {"answers": {"rating": int(value)}}

    def check_grade(self, grade: Grade, rubric: RatingRubric | None = None) -> None:
        value = (grade.answers or {}).get("rating")
        if value not in POINTS or isinstance(value, bool):
            raise UserError(
                f"grade of item {grade.item_id!r} by {grade.rater_id!r}: a rating grade needs "
                f"answers.rating from 1 to 7, got {value!r}"
            )

    def grade_row(self, item: Item, grade: Grade) -> dict[str, Any] | None:
        value = (grade.answers or {}).get("rating")
        if value is None:
            return None
        return {"model": item.model, "category": item.category, "rating": int(value)}

    def grade_values(self, grades: pd.DataFrame, context: Any = None) -> pd.DataFrame:
        """Per non-gold grade: good (rating >= good_at) and the rating scaled to [0, 1]."""
        grades = grades[~grades["is_gold"].astype(bool)]
        columns = ["metric", "model", "baseline", *GROUPS, "graders"]
        columns += ["prompt_id", "item_id", "rater_id", "value"]
        if grades.empty:
            return pd.DataFrame(columns=columns)
        rubric = context.rubric(self.name) if context is not None else self.load_rubric()
        rating = grades["rating"].astype(int)
        base = grades[["prompt_id", "item_id", "rater_id"]].assign(
            model=grades["model"].astype(str),
            baseline="",
            graders=grades["grader"],
            category=grades["category"].where(grades["category"].notna(), "unknown").astype(str),
        )
        good = base.assign(metric="rating_good_rate", value=(rating >= rubric.good_at))
        mean = base.assign(metric="rating_mean_scaled", value=(rating - 1) / 6)
        return pd.concat([good, mean], ignore_index=True)[columns].astype({"value": float})

    def agreement_measures(
        self, grades: pd.DataFrame, rubric: RatingRubric
    ) -> list[tuple[Measure, pd.DataFrame]]:
        grades = grades[~grades["is_gold"].astype(bool)]
        coded = grades[["item_id", "rater_id", "grader"]].assign(value=grades["rating"])
        return [(Measure("rating", "ordinal", POINTS, primary=True), coded)]

    def judge_requests(self, item: Item, rubric: RatingRubric) -> list[JudgeRequest]:
        scale = "\n".join(f"{p.value} ({p.label}): {p.description}" for p in rubric.scale)
        reply = 'Reply with only a JSON object: {"rating": <1-7>, "reason": "<one sentence>"}'
        system = "\n\n".join(
            ("You grade one response.", rubric.instructions.strip(), scale, replies.UNTRUSTED)
        )
        user = "\n\n".join(
            (
                replies.block("Request", item.prompt_text),
                replies.block("Response", item.response_text),
                f"{rubric.question}\n{reply}",
            )
        )
        schema = {
            "type": "object",
            "properties": {"rating": {"type": "integer", "enum": list(POINTS)}},
            "required": ["rating"],
        }
        messages = [Message(role="system", content=system), Message(role="user", content=user)]
        return [JudgeRequest("verdict", messages, schema)]

    def judge_payload(
        self, item: Item, rubric: RatingRubric, replies_by_tag: Mapping[str, str | None]
    ) -> JudgeResult:
        obj = replies.parse_json_reply(replies_by_tag.get("verdict"))
        value = obj.get("rating")
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if value not in POINTS or isinstance(value, bool):
            raise JudgeParseError(f"rating {value!r} is not 1-7")
        reason = replies.reason(obj)
        payload = {"answers": {"rating": int(value)}, "comment": reason[:500] or None}
        return JudgeResult(payload, {"rating": int(value)}, reason=reason)


RATING = register_kind(Rating())
