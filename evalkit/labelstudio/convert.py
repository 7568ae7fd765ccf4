"""Label Studio annotations <-> evalkit Grades (pure functions, no server).

An annotation's `result` is a list of regions, one per answered control tag:
`{"from_name": "preference", "to_name": "prompt", "type": "choices", "value": {"choices": ["-2"]}}`.
Choices carry the rubric's machine value in the choice alias (see `config`); a label is accepted
too (a result written by hand or by an older config), and anything else is a `ConversionError`
that names the task and annotation, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evalkit.labelstudio.config import (
    CATEGORY,
    COMMENT,
    FLAG,
    FLAG_VALUE,
    NO,
    PREFERENCE,
    REFUSED,
    VIOLATION,
    YES,
)
from evalkit.records import Grade, Item
from evalkit.rubrics import (
    RATINGS,
    Rubric,
    SafetyRubric,
    SideBySideRubric,
    SummarizationRubric,
)

TO_NAME = {"sxs": "prompt", "summarization": "summary", "safety": "response"}


class ConversionError(ValueError):
    """An annotation that does not answer the rubric (reported with its task and annotation)."""


@dataclass(frozen=True)
class Annotation:
    """The parts of a Label Studio annotation a grade needs."""

    id: int
    task_id: int
    user_id: int | None
    result: tuple[dict[str, Any], ...]
    was_cancelled: bool = False
    lead_time: float | None = None
    updated_at: str | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any] | Any, task_id: int) -> Annotation:
        """From the dict (or SDK object) Label Studio returns for an annotation."""
        get = raw.get if isinstance(raw, Mapping) else lambda key: getattr(raw, key, None)
        user = get("completed_by")
        if isinstance(user, Mapping):  # an expanded user
            user = user.get("id")
        return cls(
            id=int(get("id")),
            task_id=int(get("task") or task_id),
            user_id=int(user) if user is not None else None,
            result=tuple(get("result") or ()),
            was_cancelled=bool(get("was_cancelled")),
            lead_time=float(get("lead_time")) if get("lead_time") is not None else None,
            updated_at=_iso(get("updated_at") or get("created_at")),
        )

    @property
    def where(self) -> str:
        return f"task {self.task_id}, annotation {self.id}"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def latest_per_user(annotations: Iterable[Annotation]) -> dict[int | None, Annotation]:
    """Each user's latest annotation of a task (by update time, then id)."""
    latest: dict[int | None, Annotation] = {}
    for annotation in annotations:
        current = latest.get(annotation.user_id)
        if current is None or _order(annotation) > _order(current):
            latest[annotation.user_id] = annotation
    return latest


def _order(annotation: Annotation) -> tuple[str, int]:
    return (annotation.updated_at or "", annotation.id)


# ---------------------------------------------------------------------------- annotation -> grade


def result_answers(result: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """from_name -> the chosen values (choices) or the typed lines (textarea)."""
    answers: dict[str, list[str]] = {}
    for region in result:
        value = region.get("value") or {}
        name = str(region.get("from_name", ""))
        if "choices" in value:
            answers.setdefault(name, []).extend(str(v) for v in value["choices"] or [])
        elif "text" in value:
            text = value["text"]
            lines = [text] if isinstance(text, str) else list(text or [])
            answers.setdefault(name, []).extend(str(v) for v in lines)
    return answers


def annotation_grade(annotation: Annotation, item: Item, rubric: Rubric, rater_id: str) -> Grade:
    """The evalkit grade an annotation gives `item` (display terms for sxs: −2 = A much better)."""
    answers = result_answers(annotation.result)
    comment = "\n".join(line for line in answers.get(COMMENT, []) if line.strip()) or None
    flagged = any(v == FLAG_VALUE or v.lower().startswith("flag") for v in answers.get(FLAG, []))
    base: dict[str, Any] = {
        "item_id": item.id,
        "rater_id": rater_id,
        "grader": "human",
        "comment": comment,
        "flagged": flagged,
        "seconds": annotation.lead_time,
    }
    if annotation.updated_at:
        base["created_at"] = annotation.updated_at
    if annotation.was_cancelled:
        return Grade(**base, skipped=True)
    try:
        if item.kind == "sxs" and isinstance(rubric, SideBySideRubric):
            payload = _sxs_payload(answers, rubric)
        elif item.kind == "summarization" and isinstance(rubric, SummarizationRubric):
            payload = _summarization_payload(answers, rubric)
        elif item.kind == "safety" and isinstance(rubric, SafetyRubric):
            payload = _safety_payload(answers, rubric)
        else:
            raise ConversionError(f"item kind {item.kind!r} does not fit a {rubric.kind} rubric")
    except ConversionError as exc:
        if flagged and not _answered(answers, item.kind):
            return Grade(**base)  # a bare flag, as in the app
        raise ConversionError(f"{annotation.where} (item {item.id}): {exc}") from None
    return Grade(**base, **payload)


def _answered(answers: Mapping[str, list[str]], kind: str) -> bool:
    names = {"sxs": [PREFERENCE], "safety": [VIOLATION]}.get(kind)
    if names is None:
        return any(k not in (COMMENT, FLAG) for k in answers)
    return any(answers.get(name) for name in names)


def _one(answers: Mapping[str, list[str]], name: str, required: bool = True) -> str | None:
    values = answers.get(name) or []
    if len(values) > 1:
        raise ConversionError(f"{name}: one choice expected, got {values}")
    if not values:
        if required:
            raise ConversionError(f"{name}: no answer")
        return None
    return values[0]


def _sxs_payload(answers: Mapping[str, list[str]], rubric: SideBySideRubric) -> dict[str, Any]:
    raw = _one(answers, PREFERENCE)
    by_alias = {str(o.value): o.value for o in rubric.scale}
    by_label = {o.label: o.value for o in rubric.scale}
    if raw in by_alias:
        return {"choice": by_alias[raw]}
    if raw in by_label:
        return {"choice": by_label[raw]}
    raise ConversionError(f"{PREFERENCE}: {raw!r} is not on the scale {sorted(by_alias.values())}")


def _summarization_payload(
    answers: Mapping[str, list[str]], rubric: SummarizationRubric
) -> dict[str, Any]:
    dims: dict[str, str] = {}
    for dim in rubric.dimensions:
        raw = _one(answers, dim.id)
        rating = str(raw).strip().lower()
        if rating not in RATINGS:
            raise ConversionError(f"{dim.id}: {raw!r} is not one of {list(RATINGS)}")
        dims[dim.id] = rating
    return {"dimensions": dims}


def _safety_payload(answers: Mapping[str, list[str]], rubric: SafetyRubric) -> dict[str, Any]:
    violation = _yes_no(_one(answers, VIOLATION), VIOLATION)
    refused = _yes_no(_one(answers, REFUSED, required=False), REFUSED)
    category = None
    if violation:
        raw = _one(answers, CATEGORY, required=False)
        if raw is None:
            raise ConversionError("violation: Yes but no violation category chosen")
        by_label = {
            f"{a.name}: {s.name}": f"{a.id}/{s.id}" for a in rubric.areas for s in a.subcategories
        }
        category = raw if raw in rubric.categories() else by_label.get(raw)
        if category is None:
            raise ConversionError(f"{CATEGORY}: {raw!r} is not a category of the safety rubric")
    return {"violation": violation, "violation_category": category, "refused": refused}


def _yes_no(raw: str | None, name: str) -> bool | None:
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in (YES, "yes, a violation", "refused"):  # the alias, or a label of the config
        return True
    if value in (NO, "did not refuse"):
        return False
    raise ConversionError(f"{name}: {raw!r} is neither yes nor no")


# ---------------------------------------------------------------------------- grade -> result


def region(from_name: str, to_name: str, kind: str, value: Any) -> dict[str, Any]:
    """One answer of a result: `kind` "choices" (value: list of aliases) or "textarea" (lines)."""
    key = "choices" if kind == "choices" else "text"
    return {"from_name": from_name, "to_name": to_name, "type": kind, "value": {key: value}}


def grade_result(grade: Grade, kind: str) -> tuple[list[dict[str, Any]], bool]:
    """(result, was_cancelled): the annotation a grade corresponds to (import, tests, audits)."""
    to_name = TO_NAME[kind]
    result: list[dict[str, Any]] = []

    def choices(name: str, *values: str) -> None:
        result.append(region(name, to_name, "choices", list(values)))

    if not grade.skipped:
        if kind == "sxs" and grade.choice is not None:
            choices(PREFERENCE, str(grade.choice))
        if kind == "summarization" and grade.dimensions:
            for dim, rating in grade.dimensions.items():
                choices(dim, rating)
        if kind == "safety" and grade.violation is not None:
            choices(VIOLATION, YES if grade.violation else NO)
            if grade.violation and grade.violation_category:
                choices(CATEGORY, grade.violation_category)
            if grade.refused is not None:
                choices(REFUSED, YES if grade.refused else NO)
    if grade.flagged:
        choices(FLAG, FLAG_VALUE)
    if grade.comment:
        result.append(region(COMMENT, to_name, "textarea", [grade.comment]))
    return result, grade.skipped
