"""Label Studio annotations <-> evalkit Grades (pure functions, no server).

An annotation's `result` is a list of regions, one per answered control tag:
`{"from_name": "preference", "to_name": "prompt", "type": "choices", "value": {"choices": ["-2"]}}`.
Each grading kind reads and writes its own controls (`GradingKind.ls_payload` / `ls_result`);
the comment, the flag and skips are common to every kind and handled here. Choices carry the
rubric's machine value in the choice alias (see `xml`); a label is accepted too (a result written
by hand or by an older config), and anything else is a `ConversionError` that names the task,
the annotation and the item, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from evalkit.errors import UserError
from evalkit.jsonio import describe_validation_error
from evalkit.kinds.base import AnswerError, GradingKind
from evalkit.labelstudio.config import check_rubric, grading_kind, required_controls
from evalkit.labelstudio.xml import COMMENT, FLAG, FLAG_VALUE, ConversionError, choices, region
from evalkit.records import Grade, Item


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
        get: Callable[[str], Any] = (
            raw.get if isinstance(raw, Mapping) else lambda key: getattr(raw, key, None)
        )
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
    for answer in result:
        value = answer.get("value") or {}
        name = str(answer.get("from_name", ""))
        if "choices" in value:
            answers.setdefault(name, []).extend(str(v) for v in value["choices"] or [])
        elif "text" in value:
            text = value["text"]
            lines = [text] if isinstance(text, str) else list(text or [])
            answers.setdefault(name, []).extend(str(v) for v in lines)
    return answers


def annotation_grade(annotation: Annotation, item: Item, rubric: Any, rater_id: str) -> Grade:
    """The evalkit grade an annotation gives `item`: the common fields (comment, flag, seconds,
    time; a cancelled annotation is a skip) and the kind's answer (`GradingKind.ls_payload`, in
    the item's display terms). A flag with no answer is a bare flag, as in the app."""
    kind = grading_kind(item.kind)
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
    own = {name: values for name, values in answers.items() if name not in (COMMENT, FLAG)}
    try:
        check_rubric(kind, rubric)
        payload = kind.ls_payload(own, rubric)
        if payload is None:
            if flagged:
                return Grade(**base)  # a bare flag
            raise ConversionError(_no_answer(kind, rubric))
        try:
            grade = Grade(**(payload | base))
        except ValidationError as exc:
            field, message = describe_validation_error(exc)
            raise ConversionError(f"{field}: {message}") from None
        kind.check_grade(grade, rubric)
    except (ConversionError, AnswerError, UserError) as exc:
        raise ConversionError(f"{annotation.where} (item {item.id}): {exc}") from None
    return grade


def _no_answer(kind: GradingKind, rubric: Any) -> str:
    names = required_controls(kind.ls_config(rubric))
    return f"{', '.join(names)}: no answer" if names else "no answer"


# ---------------------------------------------------------------------------- grade -> result


def grade_result(grade: Grade, kind: str | GradingKind) -> tuple[list[dict[str, Any]], bool]:
    """(result, was_cancelled): the annotation a grade corresponds to (import, tests, audits):
    the kind's regions (`GradingKind.ls_result`), then the flag and the comment."""
    grading = grading_kind(kind)
    result = list(grading.ls_result(grade))
    to_name = getattr(grading, "ls_to_name", None) or next(
        (r["to_name"] for r in result if r.get("to_name")), None
    )
    if grade.flagged or grade.comment:
        if not to_name:
            raise UserError(f"{grading.name}: the kind names no Label Studio text (ls_to_name)")
        if grade.flagged:
            result.append(choices(FLAG, to_name, FLAG_VALUE))
        if grade.comment:
            result.append(region(COMMENT, to_name, "textarea", [grade.comment]))
    return result, grade.skipped
