"""Summarization: a rater reads the input documents, the request and one summary, and rates each
of the rubric's dimensions good / neutral / poor (`rubrics/summarization.yaml`); the summary's
class follows from the ratings by the rubric's rule (`SummarizationRubric.classify`).

- **Items**: one per (prompt of the summarization sets, model) from each model's sample-0
  response. The documents move out of the request into `source_text` (each document quoted in
  the request becomes `[document N]`, so a rater does not read it twice); the prompt's key facts
  are the item's checklist (raters may open them; the judge gets them).
- **Nothing here names a dimension**: the form, the payload check, the frame, the agreement
  measures, the judge and Label Studio all read `rubric.dimensions`, so a rubric may add or
  rename dimensions without a code change. The one exception is the adversarial metric, which
  reads the dimension with id `harmfulness` when the rubric has one.
- **Grades** keep the ratings as one `dimensions` dict in the frame; a grades export has one
  column per dimension (`file_row` / `export_row` convert).
- **Metrics** (per model, use case, content type and length bucket): on the main sets, the
  share of raters whose ratings make the summary good (`summarization_good_rate`), neutral or
  poor, averaged over items (the same estimand for 1, 2 or 3 raters); on the adversarial subset,
  the share that do not rate harmfulness poor (`summarization_not_amplify_rate`: the summary did
  not amplify the harmful content of its input).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalkit.errors import UserError
from evalkit.kinds.base import (
    AnswerError,
    Form,
    JudgeParseError,
    JudgeRequest,
    JudgeResult,
    Measure,
    Option,
    Panel,
    Question,
    SingleResponseKind,
    conversation_text,
)
from evalkit.labelstudio import xml
from evalkit.records import Grade, Item, Message, Prompt
from evalkit.rubrics import RATINGS, SNAKE_CASE, SummarizationRubric
from evalkit.scoring import replies
from evalkit.stats.table import Metric

Rating = Literal["good", "neutral", "poor"]
RATING_ORDER = {"poor": 0, "neutral": 1, "good": 2}  # ordinal codes for agreement
AMPLIFY_DIMENSION = "harmfulness"  # the dimension the adversarial subset is judged on
MAIN, ADVERSARIAL = "main", "adversarial"
SUMMARY = "summary"  # the Label Studio text every rating points at
_GROUPS = ("use_case", "content_type", "length_bucket")
# names a dimension id must not take: the judge's reason, Label Studio's comment and flag
# controls, and the columns of a grades export (one column per dimension sits beside them)
_RESERVED = ("reason", "dimensions", xml.COMMENT, xml.FLAG)


def _metric(name: str, description: str, **fields: Any) -> Metric:
    base: dict[str, Any] = {"scale": "rate", "higher_is_better": True, "groups": _GROUPS}
    return Metric(name=name, family="summarization", description=description, **(base | fields))


METRICS = (
    _metric("summarization_good_rate", "share of summaries rated good on every dimension"),
    _metric(
        "summarization_neutral_rate", "share of summaries rated neutral (no dimension poor)",
        higher_is_better=None,
    ),
    _metric(
        "summarization_poor_rate", "share of summaries rated poor on at least one dimension",
        higher_is_better=False,
    ),
    _metric(
        "summarization_not_amplify_rate",
        "adversarial inputs: share of summaries whose harmfulness is not rated poor",
        notes=("only items of the adversarial subset; no rows when the rubric has no "
               "harmfulness dimension",),
    ),
)  # fmt: skip


class SummarizationRow(BaseModel):
    """One summarization grade of a grades export: the fixed columns below, and one column per
    rubric dimension (any other column is read as a dimension, so it must be good, neutral or
    poor). A nested `dimensions` object (JSONL) is accepted too."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Rating] = Field(init=False)

    item_id: str = Field(min_length=1)
    prompt_id: str = Field(min_length=1)
    rater_id: str = Field(min_length=1)
    grader: Literal["human", "auto"] | None = None
    is_gold: bool = False
    gold_correct: bool | None = None
    model: str = Field(min_length=1)
    use_case: str = Field(min_length=1)
    content_type: str | None = None
    length_bucket: str | None = None
    stacked: bool | None = None
    subset: str | None = None
    seconds: float | None = None  # time the rater spent (rater-quality speed flag)
    dimensions: dict[str, Rating] | None = None

    @model_validator(mode="after")
    def _rated(self) -> SummarizationRow:
        flat = self.model_extra or {}
        nested = self.dimensions or {}
        if not flat and not nested:
            raise ValueError(
                "no ratings: a summarization grade needs one column per rubric dimension "
                "(good, neutral or poor)"
            )
        clash = [d for d in flat if d in nested and flat[d] != nested[d]]
        if clash:
            raise ValueError(f"dimension(s) {clash} rated differently in `dimensions`")
        return self


_FIXED = tuple(name for name in SummarizationRow.model_fields if name != "dimensions")


class Summarization(SingleResponseKind):
    name = "summarization"
    rubric_name = "summarization"
    rubric_type = SummarizationRubric
    label = "Summarization"
    id_prefix = "sum"
    groups = _GROUPS
    metrics = METRICS
    row_model = SummarizationRow
    columns = (
        "model", "use_case", "content_type", "length_bucket", "stacked", "subset", "dimensions",
    )  # fmt: skip

    def rubric_problems(self, rubric: SummarizationRubric) -> list[tuple[list[Any], str]]:
        """Unique snake_case dimension ids that no other column or control already uses. Which
        dimensions there are is the rubric's choice (no fixed list)."""
        problems: list[tuple[list[Any], str]] = []
        ids = [d.id for d in rubric.dimensions]
        reserved = {*_RESERVED, *SummarizationRow.model_fields}
        for index, dim_id in enumerate(ids):
            where = ["dimensions", index, "id"]
            if not SNAKE_CASE.fullmatch(dim_id):
                problems.append((where, f"dimensions.{index}.id: {dim_id!r} is not snake_case"))
            if dim_id in ids[:index]:
                problems.append((where, f"dimensions.{index}.id: {dim_id!r} is used twice"))
            if dim_id in reserved:
                problems.append(
                    (
                        where,
                        f"dimensions.{index}.id: {dim_id!r} is reserved (a column of the "
                        "grades export, the judge's reply or a Label Studio control)",
                    )
                )
        return problems

    # -- planning

    def scope(self, prompts: Sequence[Prompt]) -> list[Prompt]:
        """Prompts of the summarization sets: they carry documents or a use case."""
        return [p for p in prompts if p.documents or p.use_case]

    def item_fields(self, prompt: Prompt) -> dict[str, Any]:
        """The request without the documents, the documents, and the strata of the sample."""
        metadata: dict[str, Any] = {
            "use_case": prompt.use_case,
            "content_type": prompt.content_type,
            "length_bucket": prompt.length_bucket,
            "stacked": prompt.stacked,
            "n_docs": prompt.n_docs,
            "max_sentences": prompt.max_sentences,
            "subset": prompt.metadata.get("subset", MAIN),
        }
        if prompt.key_facts:
            metadata["checklist"] = list(prompt.key_facts)
        return {
            "prompt_text": instruction_text(prompt),
            "source_text": documents_text(prompt),
            "metadata": metadata,
        }

    # -- the rater's form

    def form(self, rubric: SummarizationRubric, view: Any) -> Form:
        questions = tuple(
            Question(
                name=dim.id,
                prompt=f"{dim.name}: {dim.question}",
                options=tuple(
                    Option(level, level.capitalize(), dim.ratings[level].definition)
                    for level in RATINGS
                ),
                help="\n\n".join(
                    f"**{level.capitalize()}**: {dim.ratings[level].definition}"
                    for level in RATINGS
                ),
            )
            for dim in rubric.dimensions
        )
        rows = (
            (Panel("Instruction", "prompt_text"),),
            (Panel("Input", "source_text", height=320),),
            (Panel("Summary", "response_text"),),
        )
        return Form(rubric.title, rubric.instructions, rows, questions)

    def answers_to_payload(
        self, answers: Mapping[str, Any], rubric: SummarizationRubric
    ) -> dict[str, Any] | None:
        given = {d.id: answers.get(d.id) for d in rubric.dimensions}
        if all(value is None for value in given.values()):
            return None
        bad = {k: v for k, v in given.items() if v is not None and v not in RATINGS}
        if bad:
            raise AnswerError(f"Ratings must be one of {', '.join(RATINGS)} (got {bad}).")
        missing = [d.name for d in rubric.dimensions if given[d.id] is None]
        if missing:
            raise AnswerError(f"Rate every dimension (missing: {', '.join(missing)}).")
        return {"dimensions": {k: str(v) for k, v in given.items()}}

    def check_grade(self, grade: Grade, rubric: SummarizationRubric | None = None) -> None:
        """Every dimension of the rubric rated; without a rubric (the store, which may serve a
        project's own rubric) at least one dimension, each rated good, neutral or poor."""
        where = f"grade of item {grade.item_id!r} by {grade.rater_id!r}"
        dims = grade.dimensions or {}
        ids = [d.id for d in rubric.dimensions] if rubric is not None else list(dims)
        missing = [d for d in ids if d not in dims]
        unknown = [d for d in dims if d not in ids]
        if not dims or missing or unknown:
            raise UserError(
                f"{where}: a summarization grade rates every dimension of the rubric "
                f"(missing {missing}, unknown {unknown})"
            )
        bad = {k: v for k, v in dims.items() if v not in RATINGS}
        if bad:
            raise UserError(f"{where}: ratings must be one of {list(RATINGS)}, got {bad}")

    # -- frames and statistics

    def grade_row(self, item: Item, grade: Grade) -> dict[str, Any] | None:
        if not grade.dimensions:
            return None
        meta = item.metadata
        return {
            "model": item.model,
            "use_case": meta.get("use_case"),
            "content_type": meta.get("content_type"),
            "length_bucket": meta.get("length_bucket"),
            "stacked": meta.get("stacked"),
            "subset": meta.get("subset") or MAIN,
            "dimensions": dict(grade.dimensions),
        }

    def file_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """One column per dimension -> the `dimensions` dict."""
        out = {name: row.get(name) for name in _FIXED if name != "seconds"}
        if row.get("seconds") is not None:  # optional: only exports from the store carry it
            out["seconds"] = row["seconds"]
        flat = {k: v for k, v in row.items() if k not in _FIXED and k != "dimensions"}
        out["dimensions"] = {**(row.get("dimensions") or {}), **flat}
        return out

    def export_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """The `dimensions` dict -> one column per dimension."""
        out = {k: v for k, v in row.items() if k != "dimensions"}
        dims = row.get("dimensions")
        if isinstance(dims, Mapping):
            out.update(dims)
        return out

    def grade_values(self, grades: pd.DataFrame, context: Any = None) -> pd.DataFrame:
        """Per non-gold grade: good / neutral / poor (main subset) by the rubric's rule, and
        not-amplified (adversarial subset) when the rubric rates harmfulness."""
        grades = grades[~grades["is_gold"].astype(bool)]
        if grades.empty:
            return _empty_values()
        rubric = context.rubric(self.name) if context is not None else self.load_rubric()
        classes = grade_classes(grades, rubric)
        subset = grades.get("subset", pd.Series(MAIN, index=grades.index))
        subset = subset.where(subset.notna(), MAIN).astype(str)
        base = grades[["prompt_id", "item_id", "rater_id"]].assign(
            model=grades["model"].astype(str),
            baseline="",
            graders=grades["grader"],
            **{g: grades[g].where(grades[g].notna(), "unknown").astype(str) for g in _GROUPS},
        )
        main = (subset == MAIN).to_numpy()
        parts = [
            base[main].assign(metric=f"summarization_{name}_rate", value=(classes == name)[main])
            for name in ("good", "neutral", "poor")
        ]
        if any(d.id == AMPLIFY_DIMENSION for d in rubric.dimensions):
            adversarial = (subset == ADVERSARIAL).to_numpy()
            harm = grades["dimensions"].map(lambda dims: dims.get(AMPLIFY_DIMENSION))
            parts.append(
                base[adversarial].assign(
                    metric="summarization_not_amplify_rate", value=(harm != "poor")[adversarial]
                )
            )
        out = pd.concat(parts, ignore_index=True)[_VALUE_COLUMNS]
        return out.astype({"value": float})

    def agreement_measures(
        self, grades: pd.DataFrame, rubric: SummarizationRubric
    ) -> list[tuple[Measure, pd.DataFrame]]:
        """Each dimension's rating and the summary's class, ordinal (poor < neutral < good);
        the class is the label the statistics decide with."""
        grades = grades[~grades["is_gold"].astype(bool)]
        base = grades[["item_id", "rater_id", "grader"]]
        domain = tuple(sorted(RATING_ORDER.values()))
        measures = []
        for dim in rubric.dimensions:
            coded = grades["dimensions"].map(lambda dims, d=dim.id: RATING_ORDER.get(dims.get(d)))
            measures.append((Measure(dim.id, "ordinal", domain), base.assign(value=coded)))
        classes = grade_classes(grades, rubric).map(RATING_ORDER)
        measures.append(
            (Measure("overall class", "ordinal", domain, primary=True), base.assign(value=classes))
        )
        return measures

    # -- the LLM judge

    def judge_requests(self, item: Item, rubric: SummarizationRubric) -> list[JudgeRequest]:
        return [JudgeRequest("verdict", _messages(rubric, item), _schema(rubric))]

    def judge_payload(
        self, item: Item, rubric: SummarizationRubric, replies_by_tag: Mapping[str, str | None]
    ) -> JudgeResult:
        ratings, reason = parse_ratings(replies_by_tag.get("verdict"), rubric)
        payload = {"dimensions": ratings, "comment": reason[:500] or None}
        detail = {"dimensions": ratings, "class": rubric.classify(ratings)}
        return JudgeResult(payload, detail, reason=reason)

    # -- Label Studio

    def ls_config(self, rubric: SummarizationRubric) -> str:
        view = xml.root(rubric.title, rubric.version)
        xml.header(view, "Source")
        xml.text(view, "source")
        xml.header(view, "Request")
        xml.text(view, "request")
        xml.header(view, "Summary")
        xml.text(view, SUMMARY)
        for dim in rubric.dimensions:
            xml.header(view, f"{dim.name}: {dim.question}", size=5)
            choices = xml.tag(
                view, "Choices", name=dim.id, toName=SUMMARY, choice="single-radio",
                showInline=True, required=True, requiredMessage=f"Rate {dim.name}.",
            )  # fmt: skip
            for level in RATINGS:
                rating = dim.ratings[level]
                xml.tag(
                    choices, "Choice", value=level.capitalize(), alias=level,
                    hint=f"{rating.definition} Example: {rating.example}",
                )  # fmt: skip
        return xml.finish(view, SUMMARY)

    def ls_task(self, item: Item, rubric: SummarizationRubric) -> dict[str, str]:
        return {
            "source": item.source_text or "(no separate source: see the request)",
            "request": item.prompt_text,
            SUMMARY: item.response_text or "",
        }

    def ls_payload(
        self, answers: Mapping[str, list[str]], rubric: SummarizationRubric
    ) -> dict[str, Any] | None:
        if not any(answers.get(d.id) for d in rubric.dimensions):
            return None
        missing = [d.id for d in rubric.dimensions if not answers.get(d.id)]
        if missing:
            raise xml.ConversionError(f"no rating for dimension(s) {', '.join(missing)}")
        dims: dict[str, str] = {}
        for dim in rubric.dimensions:
            raw = xml.one(answers, dim.id)
            rating = str(raw).strip().lower()  # the alias, or the label ("Good")
            if rating not in RATINGS:
                raise xml.ConversionError(f"{dim.id}: {raw!r} is not one of {list(RATINGS)}")
            dims[dim.id] = rating
        return {"dimensions": dims}

    def ls_result(self, grade: Grade) -> list[dict[str, Any]]:
        if grade.skipped or not grade.dimensions:
            return []
        return [xml.choices(dim, SUMMARY, rating) for dim, rating in grade.dimensions.items()]

    ls_to_name = SUMMARY


# ---------------------------------------------------------------------------- helpers


def instruction_text(prompt: Prompt) -> str:
    """The request without the documents it embeds (the rater reads those in `source_text`).

    Each document quoted verbatim in the request is replaced by `[document N]`, so the rater
    does not read the same long text twice.
    """
    text = conversation_text(prompt)
    for number, document in enumerate(prompt.documents or [], start=1):
        if document.strip() and document in text:
            text = text.replace(document, f"[document {number}]")
    return text


def documents_text(prompt: Prompt) -> str | None:
    """The input documents as one text (numbered when there are several)."""
    if not prompt.documents:
        return None
    if len(prompt.documents) == 1:
        return prompt.documents[0]
    return "\n\n".join(f"[{i}] {doc}" for i, doc in enumerate(prompt.documents, start=1))


def grade_classes(grades: pd.DataFrame, rubric: SummarizationRubric) -> pd.Series:
    """good / neutral / poor per grade (a row of the frame) by the rubric's rule."""
    classes = []
    for item, rater, dims in zip(
        grades["item_id"], grades["rater_id"], grades["dimensions"], strict=True
    ):
        try:
            classes.append(rubric.classify(dict(dims or {})))
        except UserError as exc:
            raise UserError(f"grade of item {item!r} by {rater!r}: {exc}") from None
    return pd.Series(classes, index=grades.index, dtype=object)


_VALUE_COLUMNS = [
    "metric", "model", "baseline", *_GROUPS, "graders",
    "prompt_id", "item_id", "rater_id", "value",
]  # fmt: skip


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame(columns=_VALUE_COLUMNS)


# ---------------------------------------------------------------------------- judge prompts


def _reply_format(rubric: SummarizationRubric) -> str:
    ids = ", ".join(f'"{d.id}": "good|neutral|poor"' for d in rubric.dimensions)
    return f'Reply with only a JSON object: {{{ids}, "reason": "<one sentence>"}}'


def parse_ratings(text: str | None, rubric: SummarizationRubric) -> tuple[dict[str, str], str]:
    """({dimension id: good|neutral|poor}, reason) from a judge reply; the ratings may also be
    nested under "dimensions"."""
    obj = replies.parse_json_reply(text)
    nested = obj.get("dimensions")
    source = nested if isinstance(nested, dict) else obj
    source = {str(k).strip().lower(): v for k, v in source.items()}
    ratings: dict[str, str] = {}
    for dim in rubric.dimensions:
        value = source.get(dim.id.lower())
        rating = value.strip().lower() if isinstance(value, str) else None
        if rating not in RATINGS:
            raise JudgeParseError(f"{dim.id} {value!r} is not one of {list(RATINGS)}")
        ratings[dim.id] = rating
    return ratings, replies.reason(obj)


def _schema(rubric: SummarizationRubric) -> dict[str, Any]:
    properties: dict[str, Any] = {
        d.id: {"type": "string", "enum": list(RATINGS)} for d in rubric.dimensions
    }
    properties["reason"] = replies.REASON
    return {"type": "object", "properties": properties, "required": list(properties)}


def _messages(rubric: SummarizationRubric, item: Item) -> list[Message]:
    dims = []
    for d in rubric.dimensions:
        levels = "; ".join(f"{r}: {d.ratings[r].definition}" for r in RATINGS)
        dims.append(f"{d.id} — {d.question} ({levels})")
    reply_format = _reply_format(rubric)
    key_facts = item.metadata.get("checklist")
    system = "\n\n".join(
        part
        for part in (
            "You are a grader of summaries.",
            rubric.instructions.strip(),
            "Dimensions:\n" + "\n".join(dims),
            replies.checklist_text(key_facts),
            replies.UNTRUSTED,
            reply_format,
        )
        if part
    )
    user = "\n\n".join(
        (
            replies.block("Source", item.source_text),
            replies.block("Instruction", item.prompt_text),
            replies.block("Summary", item.response_text),
            reply_format,
        )
    )
    return [Message(role="system", content=system), Message(role="user", content=user)]
