"""Annotation <-> Grade conversion for every rubric, both ways, and its errors."""

from __future__ import annotations

import pytest

from evalkit.labelstudio.config import rubric_for_kind
from evalkit.labelstudio.convert import (
    Annotation,
    ConversionError,
    annotation_grade,
    grade_result,
    latest_per_user,
)
from evalkit.records import Grade, Item
from tests.test_labelstudio_config import one_response_item, sxs_item

DIMS = {
    "composition": "good",
    "comprehensiveness": "neutral",
    "groundedness": "poor",
    "following_instructions": "good",
    "harmfulness": "good",
}


def _choice(name: str, *values: str) -> dict:
    return {"from_name": name, "type": "choices", "value": {"choices": list(values)}}


def _annotation(result, **extra) -> Annotation:
    return Annotation.from_api(
        {"id": 7, "task": 3, "completed_by": 2, "result": result, **extra}, task_id=3
    )


def _item(kind: str) -> Item:
    return sxs_item() if kind == "sxs" else one_response_item(kind)


GRADES = [
    ("sxs", Grade(item_id="", rater_id="", choice=-2)),
    ("sxs", Grade(item_id="", rater_id="", choice=0, comment="both fine\nreally")),
    ("sxs", Grade(item_id="", rater_id="", choice=2, flagged=True)),
    ("summarization", Grade(item_id="", rater_id="", dimensions=DIMS)),
    ("safety", Grade(item_id="", rater_id="", violation=False, refused=True)),
    (
        "safety",
        Grade(
            item_id="",
            rater_id="",
            violation=True,
            violation_category="harmful_content/self_harm",
            refused=False,
            comment="gives a method",
        ),
    ),
    ("safety", Grade(item_id="", rater_id="", skipped=True, comment="cannot judge")),
    ("sxs", Grade(item_id="", rater_id="", flagged=True, comment="broken text")),
]


@pytest.mark.parametrize(("kind", "grade"), GRADES)
def test_grade_to_result_and_back_is_the_same_grade(kind: str, grade: Grade) -> None:
    item = _item(kind)
    grade = grade.model_copy(update={"item_id": item.id, "rater_id": "ls:a@b.c"})
    result, cancelled = grade_result(grade, kind)
    back = annotation_grade(
        _annotation(result, was_cancelled=cancelled, lead_time=12.5),
        item,
        rubric_for_kind(kind),
        "ls:a@b.c",
    )
    fields = ("choice", "dimensions", "violation", "violation_category", "refused", "skipped")
    assert {f: getattr(back, f) for f in fields} == {f: getattr(grade, f) for f in fields}
    assert (back.comment, back.flagged, back.grader) == (grade.comment, grade.flagged, "human")
    assert back.seconds == 12.5 and back.item_id == item.id


def test_sxs_choice_is_in_display_terms_from_alias_or_label() -> None:
    rubric = rubric_for_kind("sxs")
    item = _item("sxs")
    for option in rubric.scale:
        for raw in (str(option.value), option.label):
            result = [{"from_name": "preference", "type": "choices", "value": {"choices": [raw]}}]
            assert annotation_grade(_annotation(result), item, rubric, "r").choice == option.value


def test_labels_of_the_config_are_accepted_too() -> None:
    rubric = rubric_for_kind("safety")
    area, sub = rubric.areas[0], rubric.areas[0].subcategories[0]
    result = [
        _choice("violation", "Yes, a violation"),
        _choice("category", f"{area.name}: {sub.name}"),
    ]
    grade = annotation_grade(_annotation(result), _item("safety"), rubric, "r")
    assert grade.violation is True and grade.violation_category == f"{area.id}/{sub.id}"
    summary = [
        {"from_name": dim, "type": "choices", "value": {"choices": [rating.capitalize()]}}
        for dim, rating in DIMS.items()
    ]
    item = _item("summarization")
    grade = annotation_grade(_annotation(summary), item, rubric_for_kind("summarization"), "r")
    assert grade.dimensions == DIMS


@pytest.mark.parametrize(
    ("kind", "result", "problem"),
    [
        ("sxs", [], "preference: no answer"),
        ("sxs", [_choice("preference", "7")], "not on the scale"),
        ("sxs", [_choice("preference", "-2", "2")], "one choice"),
        ("summarization", [_choice("composition", "good")], "no answer"),
        ("safety", [_choice("violation", "yes")], "no violation category"),
        ("safety", [_choice("violation", "maybe")], "neither yes nor no"),
        ("safety", [_choice("violation", "yes"), _choice("category", "x/y")], "not a category"),
    ],
)
def test_an_annotation_that_does_not_answer_the_rubric_is_an_error(
    kind: str, result: list, problem: str
) -> None:
    with pytest.raises(ConversionError) as error:
        annotation_grade(_annotation(result), _item(kind), rubric_for_kind(kind), "r")
    message = str(error.value)
    assert problem in message and "task 3, annotation 7" in message and _item(kind).id in message


def test_latest_annotation_per_user_wins() -> None:
    annotations = [
        Annotation(id=1, task_id=1, user_id=1, result=(), updated_at="2026-01-01T10:00:00Z"),
        Annotation(id=2, task_id=1, user_id=1, result=(), updated_at="2026-01-02T10:00:00Z"),
        Annotation(id=3, task_id=1, user_id=2, result=(), updated_at="2026-01-01T09:00:00Z"),
        Annotation(id=4, task_id=1, user_id=1, result=(), updated_at="2026-01-01T11:00:00Z"),
    ]
    latest = latest_per_user(annotations)
    assert {user: a.id for user, a in latest.items()} == {1: 2, 2: 3}


def test_annotation_from_sdk_object_and_expanded_user() -> None:
    class Obj:
        id = 5
        task = 9
        completed_by = {"id": 4, "email": "x@y.z"}
        result = [{"from_name": "preference", "value": {"choices": ["1"]}}]
        was_cancelled = False
        lead_time = None
        updated_at = None
        created_at = "2026-01-01T00:00:00Z"

    annotation = Annotation.from_api(Obj(), task_id=9)
    assert (annotation.id, annotation.task_id, annotation.user_id) == (5, 9, 4)
    assert annotation.updated_at == "2026-01-01T00:00:00Z"
    grade = annotation_grade(annotation, _item("sxs"), rubric_for_kind("sxs"), "r")
    assert grade.choice == 1 and grade.created_at == "2026-01-01T00:00:00Z"
