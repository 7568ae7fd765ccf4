"""Labeling configs and task data generated from the rubrics: text-only tags, escaping, blinding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from evalkit.labelstudio.config import (
    ITEM_ID_FIELD,
    instructions_html,
    label_config,
    rubric_for_kind,
    task_data,
)
from evalkit.records import Item
from evalkit.rubrics import SUMMARY_DIMENSIONS, SideBySideRubric

SECRET_MODELS = ("zeta-candidate-secret-7b", "omega-baseline-hidden-3b")
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def sxs_item(**extra) -> Item:
    return Item(
        id="sxs-abc123",
        kind="sxs",
        run_id="run-1",
        prompt_id="p1",
        category="coding",
        prompt_text=f"Write a function {XSS}",
        left_text=f"shown first {XSS}",
        right_text="shown second",
        model_left=SECRET_MODELS[1],
        model_right=SECRET_MODELS[0],
        rubric="side_by_side",
        rubric_version=1,
        side_seed=123456,
        is_gold=True,
        gold_answer={"better": "left", "correct": [-2, -1]},
        metadata={"model_a": SECRET_MODELS[0], "model_b": SECRET_MODELS[1], "plan_seed": 3},
        **extra,
    )


def one_response_item(kind: str) -> Item:
    return Item(
        id=f"{kind[:3]}-xyz",
        kind=kind,  # type: ignore[arg-type]
        run_id="run-1",
        prompt_id="p2",
        category=kind,
        prompt_text="Summarize the email" if kind == "summarization" else "How do I pick a lock?",
        source_text="The source document." if kind == "summarization" else None,
        response_text=f"model output {XSS}",
        model=SECRET_MODELS[0],
        rubric=kind,
        metadata={"model": SECRET_MODELS[0], "risk_area": "harmful_content"},
    )


def _parse(config: str) -> ET.Element:
    return ET.fromstring(config)


@pytest.mark.parametrize("kind", ["sxs", "summarization", "safety"])
def test_config_shows_task_text_only_in_text_tags(kind: str) -> None:
    root = _parse(label_config(kind, rubric_for_kind(kind)))
    tags = {el.tag for el in root.iter()}
    assert not tags & {"HyperText", "Html", "HyperTextLabels", "Markdown"}
    variables = [el.get("value") for el in root.iter() if str(el.get("value", "")).startswith("$")]
    texts = [el.get("value") for el in root.iter("Text")]
    assert variables and sorted(variables) == sorted(texts)  # every $variable is a <Text>
    names = [el.get("name") for el in root.iter() if el.get("name")]
    assert len(names) == len(set(names))
    for control in root.iter("Choices"):
        assert control.get("toName") in {el.get("name") for el in root.iter("Text")}


def test_sxs_config_uses_the_rubric_scale() -> None:
    rubric = rubric_for_kind("sxs")
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


def test_summarization_config_has_five_dimensions() -> None:
    rubric = rubric_for_kind("summarization")
    root = _parse(label_config("summarization", rubric))
    dims = [c for c in root.iter("Choices") if c.get("name") in SUMMARY_DIMENSIONS]
    assert [c.get("name") for c in dims] == [d.id for d in rubric.dimensions]
    assert sorted(c.get("name") for c in dims) == sorted(SUMMARY_DIMENSIONS)
    for control in dims:
        assert [c.get("alias") for c in control.iter("Choice")] == ["good", "neutral", "poor"]
        assert control.get("required") == "true"


def test_safety_config_has_violation_and_rubric_categories() -> None:
    rubric = rubric_for_kind("safety")
    root = _parse(label_config("safety", rubric))
    choices = {c.get("name"): c for c in root.iter("Choices")}
    assert [c.get("alias") for c in choices["violation"].iter("Choice")] == ["yes", "no"]
    assert [c.get("alias") for c in choices["category"].iter("Choice")] == rubric.categories()
    assert choices["violation"].get("required") == "true"


def test_rubric_text_is_xml_escaped() -> None:
    base = rubric_for_kind("sxs")
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


def test_instructions_are_html_escaped() -> None:
    base = rubric_for_kind("sxs")
    rubric = SideBySideRubric.model_validate(base.model_dump() | {"instructions": f"Read {XSS}"})
    page = instructions_html("sxs", rubric)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page


def test_sxs_task_is_blinded_and_keeps_text_verbatim() -> None:
    item = sxs_item()
    data = task_data(item, rubric_for_kind("sxs"))
    assert set(data) == {ITEM_ID_FIELD, "prompt", "guidance", "response_a", "response_b"}
    assert data[ITEM_ID_FIELD] == item.id
    assert data["response_a"] == item.left_text and data["response_b"] == item.right_text
    assert data["prompt"] == item.prompt_text  # text stays text: the <Text> tag escapes it
    flat = repr(data)
    for secret in (*SECRET_MODELS, "123456", "gold", "plan_seed", "left", "right"):
        assert secret not in flat
    assert data["guidance"] == rubric_for_kind("sxs").guidance["coding"]


@pytest.mark.parametrize("kind", ["summarization", "safety"])
def test_one_response_tasks_are_blinded(kind: str) -> None:
    item = one_response_item(kind)
    data = task_data(item, rubric_for_kind(kind))
    assert data[ITEM_ID_FIELD] == item.id
    assert not any(secret in repr(data) for secret in SECRET_MODELS)
    root = _parse(label_config(kind, rubric_for_kind(kind)))
    assert {el.get("value")[1:] for el in root.iter("Text")} == set(data) - {ITEM_ID_FIELD}
