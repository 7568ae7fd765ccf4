"""Annotation <-> Grade conversion for every grading kind, both ways, and its errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from evalkit.kinds import get_kind
from evalkit.labelstudio.config import label_config
from evalkit.labelstudio.convert import (
    Annotation,
    annotation_grade,
    grade_result,
    latest_per_user,
)
from evalkit.labelstudio.xml import ConversionError
from evalkit.records import Grade
from evalkit.store import PAYLOAD_FIELDS
from tests.fixtures.builders import KIND_NAMES, form_payloads, kind_item, rubric_of

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
    item = kind_item(kind)
    grade = grade.model_copy(update={"item_id": item.id, "rater_id": "ls:a@b.c"})
    result, cancelled = grade_result(grade, kind)
    back = annotation_grade(
        _annotation(result, was_cancelled=cancelled, lead_time=12.5),
        item,
        rubric_of(kind),
        "ls:a@b.c",
    )
    fields = ("choice", "dimensions", "violation", "violation_category", "refused", "skipped")
    assert {f: getattr(back, f) for f in fields} == {f: getattr(grade, f) for f in fields}
    assert (back.comment, back.flagged, back.grader) == (grade.comment, grade.flagged, "human")
    assert back.seconds == 12.5 and back.item_id == item.id


def test_sxs_choice_is_in_display_terms_from_alias_or_label() -> None:
    rubric = rubric_of("sxs")
    item = kind_item("sxs")
    for option in rubric.scale:
        for raw in (str(option.value), option.label):
            result = [{"from_name": "preference", "type": "choices", "value": {"choices": [raw]}}]
            assert annotation_grade(_annotation(result), item, rubric, "r").choice == option.value


def test_labels_of_the_config_are_accepted_too() -> None:
    rubric = rubric_of("safety")
    area, sub = rubric.areas[0], rubric.areas[0].subcategories[0]
    result = [
        _choice("violation", "Yes, a violation"),
        _choice("category", f"{area.name}: {sub.name}"),
    ]
    grade = annotation_grade(_annotation(result), kind_item("safety"), rubric, "r")
    assert grade.violation is True and grade.violation_category == f"{area.id}/{sub.id}"
    summary = [
        {"from_name": dim, "type": "choices", "value": {"choices": [rating.capitalize()]}}
        for dim, rating in DIMS.items()
    ]
    item = kind_item("summarization")
    grade = annotation_grade(_annotation(summary), item, rubric_of("summarization"), "r")
    assert grade.dimensions == DIMS


@pytest.mark.parametrize(
    ("kind", "result", "problem"),
    [
        ("sxs", [], "preference: no answer"),
        ("sxs", [_choice("preference", "7")], "not on the scale"),
        ("sxs", [_choice("preference", "-2", "2")], "one choice"),
        ("summarization", [_choice("composition", "good")], "no rating for dimension"),
        ("summarization", [], "composition, comprehensiveness"),
        ("safety", [_choice("category", "harmful_content/self_harm")], "violation: no answer"),
        ("safety", [_choice("violation", "yes")], "no violation category"),
        ("safety", [_choice("violation", "maybe")], "neither yes nor no"),
        ("safety", [_choice("violation", "yes"), _choice("category", "x/y")], "not a category"),
    ],
)
def test_an_annotation_that_does_not_answer_the_rubric_is_an_error(
    kind: str, result: list, problem: str
) -> None:
    with pytest.raises(ConversionError) as error:
        annotation_grade(_annotation(result), kind_item(kind), rubric_of(kind), "r")
    message = str(error.value)
    assert (
        problem in message and "task 3, annotation 7" in message and kind_item(kind).id in message
    )


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
    grade = annotation_grade(annotation, kind_item("sxs"), rubric_of("sxs"), "r")
    assert grade.choice == 1 and grade.created_at == "2026-01-01T00:00:00Z"


# ---------------------------------------------------------------------------- every kind


def _same(back: Grade, grade: Grade) -> None:
    fields = [f for f in PAYLOAD_FIELDS if f != "grader"]
    assert {f: getattr(back, f) for f in fields} == {f: getattr(grade, f) for f in fields}
    assert back.grader == "human" and back.item_id == grade.item_id


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_round_trips_every_answer_of_its_form(kind: str) -> None:
    """grade -> annotation result -> grade is the identity, for every registered kind, every
    answer its form allows, with and without a flag and a comment, and for a skip."""
    grading, rubric, item = get_kind(kind), rubric_of(kind), kind_item(kind)
    payloads = form_payloads(grading, rubric)
    assert len(payloads) >= 2, payloads
    grades = [Grade(item_id=item.id, rater_id="ls:a@b.c", **p) for p in payloads]
    grades += [
        grades[0].model_copy(update={"flagged": True, "comment": "odd <b>item</b>\nline 2"}),
        Grade(item_id=item.id, rater_id="ls:a@b.c", flagged=True, comment="broken text"),
        Grade(item_id=item.id, rater_id="ls:a@b.c", skipped=True, comment="cannot judge"),
    ]
    root = ET.fromstring(label_config(kind, rubric))
    names = {el.get("name") for el in root.iter()}
    to_names = {el.get("name") for el in root.iter("Text")}
    for grade in grades:
        result, cancelled = grade_result(grade, kind)
        for region in result:  # every region answers a control of the config, on its text
            assert region["from_name"] in names and region["to_name"] in to_names
        annotation = _annotation(result, was_cancelled=cancelled, lead_time=3.0)
        _same(annotation_grade(annotation, item, rubric, "ls:a@b.c"), grade)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_accepts_the_labels_of_its_config(kind: str) -> None:
    """A result holding the choices' labels (written by hand, or by a config without aliases)
    reads as the same grade as one holding their aliases."""
    grading, rubric, item = get_kind(kind), rubric_of(kind), kind_item(kind)
    root = ET.fromstring(label_config(kind, rubric))
    labels = {
        (control.get("name"), choice.get("alias")): choice.get("value")
        for control in root.iter("Choices")
        for choice in control.iter("Choice")
    }
    for payload in form_payloads(grading, rubric):
        grade = Grade(item_id=item.id, rater_id="r", **payload)
        result, _ = grade_result(grade, kind)
        for region in result:
            values = region["value"].get("choices") or []
            region["value"]["choices"] = [labels[(region["from_name"], v)] for v in values]
        _same(annotation_grade(_annotation(result), item, rubric, "r"), grade)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_a_flag_without_an_answer_is_a_bare_flag(kind: str) -> None:
    result = [_choice("flag", "flag"), {"from_name": "comment", "value": {"text": ["why"]}}]
    grade = annotation_grade(_annotation(result), kind_item(kind), rubric_of(kind), "r")
    assert grade.flagged and grade.comment == "why" and not grade.skipped
    assert all(getattr(grade, f) is None for f in ("choice", "dimensions", "violation"))


def test_a_rubric_of_another_kind_is_an_error_naming_the_annotation() -> None:
    with pytest.raises(ConversionError, match=r"task 3, annotation 7 \(item saf-xyz\): safety"):
        annotation_grade(_annotation([]), kind_item("safety"), rubric_of("sxs"), "r")
