"""Labeling configs and task data from every grading kind: text-only tags, escaping, blinding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from evalkit.errors import UserError
from evalkit.kinds import get_kind
from evalkit.labelstudio.config import (
    ITEM_ID_FIELD,
    instructions_html,
    label_config,
    project_description,
    required_controls,
    task_data,
    text_fields,
)
from evalkit.rubrics import SideBySideRubric
from tests.fixtures.builders import (
    KIND_NAMES,
    SECRET_MODELS,
    XSS,
    kind_item,
    rubric_of,
    sxs_item,
)


def _parse(config: str) -> ET.Element:
    return ET.fromstring(config)


def test_every_kind_is_covered() -> None:
    assert {"sxs", "summarization", "safety"} <= set(KIND_NAMES)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_config_shows_task_text_only_in_text_tags(kind: str) -> None:
    root = _parse(label_config(kind, rubric_of(kind)))
    tags = {el.tag for el in root.iter()}
    assert not tags & {"HyperText", "Html", "HyperTextLabels", "Markdown"}
    variables = [el.get("value") for el in root.iter() if str(el.get("value", "")).startswith("$")]
    texts = [el.get("value") for el in root.iter("Text")]
    assert variables and sorted(variables) == sorted(texts)  # every $variable is a <Text>
    names = [el.get("name") for el in root.iter() if el.get("name")]
    assert len(names) == len(set(names))
    for control in root.iter("Choices"):
        assert control.get("toName") in {el.get("name") for el in root.iter("Text")}
    assert root.find(".//TextArea[@name='comment']") is not None
    assert root.find(".//Choices[@name='flag']") is not None
    assert required_controls(label_config(kind, rubric_of(kind)))  # the rubric's questions


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_choice_carries_its_machine_value_in_an_alias(kind: str) -> None:
    root = _parse(label_config(kind, rubric_of(kind)))
    for choice in root.iter("Choice"):
        assert choice.get("alias"), ET.tostring(choice, encoding="unicode")


def test_sxs_config_uses_the_rubric_scale() -> None:
    rubric = rubric_of("sxs")
    root = _parse(label_config("sxs", rubric))
    (preference,) = [c for c in root.iter("Choices") if c.get("name") == "preference"]
    options = [(c.get("value"), c.get("alias")) for c in preference.iter("Choice")]
    expected = [(o.label, str(o.value)) for o in sorted(rubric.scale, key=lambda o: o.value)]
    assert options == expected and preference.get("required") == "true"
    assert [el.get("value") for el in root.iter("Text")] == [
        "$prompt",
        "$guidance",
        "$response_a",
        "$response_b",
    ]
    assert root.find(".//TextArea[@name='comment']") is not None


def test_summarization_config_has_the_rubric_dimensions() -> None:
    rubric = rubric_of("summarization")
    root = _parse(label_config("summarization", rubric))
    ids = [d.id for d in rubric.dimensions]
    dims = [c for c in root.iter("Choices") if c.get("name") in ids]
    assert [c.get("name") for c in dims] == ids and len(ids) == 5
    for control in dims:
        assert [c.get("alias") for c in control.iter("Choice")] == ["good", "neutral", "poor"]
        assert control.get("required") == "true"


def test_safety_config_has_violation_and_rubric_categories() -> None:
    rubric = rubric_of("safety")
    root = _parse(label_config("safety", rubric))
    choices = {c.get("name"): c for c in root.iter("Choices")}
    assert [c.get("alias") for c in choices["violation"].iter("Choice")] == ["yes", "no"]
    assert [c.get("alias") for c in choices["category"].iter("Choice")] == rubric.categories()
    assert choices["violation"].get("required") == "true"


def test_a_rubric_of_another_kind_is_refused() -> None:
    with pytest.raises(UserError, match="safety items are graded on a SafetyRubric"):
        label_config("safety", rubric_of("sxs"))
    with pytest.raises(UserError, match="unknown grading kind 'ranking'"):
        label_config("ranking", rubric_of("sxs"))


def test_rubric_text_is_xml_escaped() -> None:
    base = rubric_of("sxs")
    nasty = "A <b>much</b> \"better\" & 'more'\n<script>x</script>"
    scale = [
        o.model_copy(update={"label": nasty if o.value == -2 else o.label}) for o in base.scale
    ]
    rubric = SideBySideRubric.model_validate(
        base.model_dump() | {"scale": [o.model_dump() for o in scale], "title": 'T"<&>'}
    )
    config = label_config("sxs", rubric)
    assert "<script>" not in config and "<b>" not in config
    assert "&lt;b&gt;" in config and "&quot;" in config and "&amp;" in config
    root = _parse(config)  # well-formed, and the labels come back unchanged
    assert nasty in [c.get("value") for c in root.iter("Choice")]
    assert root.find("Header").get("value").startswith('T"<&>')


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_instructions_are_html_escaped(kind: str) -> None:
    base = rubric_of(kind)
    rubric = type(base).model_validate(
        base.model_dump() | {"instructions": f"Read {XSS}", "title": f"T {XSS}"}
    )
    page = instructions_html(kind, rubric)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert page.startswith("<h3>T &lt;script&gt;")


def test_instructions_explain_every_answer_of_the_rubric() -> None:
    sxs = rubric_of("sxs")
    page = instructions_html("sxs", sxs)
    assert all(f"<b>{o.label}</b>" in page for o in sxs.scale)
    safety = rubric_of("safety")
    page = instructions_html("safety", safety)
    for area in safety.areas:
        assert area.name in page
        assert all(sub.name in page for sub in area.subcategories)
    summarization = rubric_of("summarization")
    page = instructions_html("summarization", summarization)
    assert all(dim.name in page for dim in summarization.dimensions)


def test_a_kind_may_write_its_own_instructions(monkeypatch: pytest.MonkeyPatch) -> None:
    kind = get_kind("safety")
    monkeypatch.setattr(kind, "ls_instructions", lambda rubric: f"Own text {XSS}", raising=False)
    page = instructions_html(kind, rubric_of("safety"))
    assert "Own text &lt;script&gt;" in page and "<script>" not in page


def test_sxs_task_is_blinded_and_keeps_text_verbatim() -> None:
    item = sxs_item(
        id="sxs-abc123",
        prompt_text=f"Write a function {XSS}",
        left_text=f"shown first {XSS}",
        right_text="shown second",
        left=SECRET_MODELS[1],
        right=SECRET_MODELS[0],
        category="coding",
        side_seed=123456,
        is_gold=True,
        gold_answer={"better": "left", "correct": [-2, -1]},
        metadata={"model_a": SECRET_MODELS[0], "model_b": SECRET_MODELS[1], "plan_seed": 3},
    )
    data = task_data(item, rubric_of("sxs"))
    assert set(data) == {ITEM_ID_FIELD, "prompt", "guidance", "response_a", "response_b"}
    assert data[ITEM_ID_FIELD] == item.id
    assert data["response_a"] == item.left_text and data["response_b"] == item.right_text
    assert data["prompt"] == item.prompt_text  # text stays text: the <Text> tag escapes it
    flat = repr(data)
    for secret in (*SECRET_MODELS, "123456", "gold", "plan_seed", "left", "right"):
        assert secret not in flat
    assert data["guidance"] == rubric_of("sxs").guidance["coding"]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kinds_tasks_are_blinded(kind: str) -> None:
    item = kind_item(kind)
    rubric = rubric_of(kind)
    data = task_data(item, rubric)
    assert data[ITEM_ID_FIELD] == item.id
    assert all(isinstance(value, str) for value in data.values())
    flat = repr(data)
    for secret in (*SECRET_MODELS, "123456", "gold", "plan_seed", "risk_area"):
        assert secret not in flat
    # the item id plus exactly the texts the config shows
    assert set(data) - {ITEM_ID_FIELD} == text_fields(label_config(kind, rubric))


def test_a_task_field_the_config_does_not_show_is_refused(monkeypatch) -> None:
    kind = get_kind("safety")
    original = kind.ls_task
    leaky = lambda item, rubric: original(item, rubric) | {"model": item.model or ""}  # noqa: E731
    monkeypatch.setattr(kind, "ls_task", leaky)
    with pytest.raises(UserError, match="field.*model.*does not show"):
        task_data(kind_item("safety"), rubric_of("safety"))


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_project_description_names_kind_and_rubric(kind: str) -> None:
    grading = get_kind(kind)
    text = project_description(kind, rubric_of(kind))
    assert grading.label in text and grading.rubric_name in text
