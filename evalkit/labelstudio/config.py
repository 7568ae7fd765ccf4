"""Label Studio labeling configs and task data, generated from `rubrics/*.yaml`.

Why generated: the rubric is the single source of what raters answer, so the Streamlit app and
Label Studio ask the same questions on the same scale, and a rubric edit reaches both.

Two rules keep raters safe and blind:

- model output is only ever the value of a `<Text>` tag (rendered as text, never as HTML: no
  `<HyperText>`/`<Html>`; Label Studio has had XSS advisories), and every attribute is written
  by ElementTree, so rubric text is XML-escaped;
- task data is built from a whitelist: the evalkit item id (for the way back), the texts a rater
  reads, and the rubric guidance for the item's category. Never a model name, the shown sides,
  the side seed, the gold flag or any score.

Each answer's machine value travels in the choice's `alias` (Label Studio writes the alias, not
the label, into the annotation), so renaming a label in the rubric never breaks a pull.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import Any

from evalkit.errors import UserError
from evalkit.records import Item
from evalkit.rubrics import (
    RATINGS,
    Rubric,
    SafetyRubric,
    SideBySideRubric,
    SummarizationRubric,
    load_rubric,
)

KINDS = ("sxs", "summarization", "safety")
RUBRIC_OF_KIND = {"sxs": "side_by_side", "summarization": "summarization", "safety": "safety"}
ITEM_ID_FIELD = "evalkit_item_id"

# control tag names: the `from_name` of each answer in an annotation's result
PREFERENCE = "preference"
VIOLATION = "violation"
CATEGORY = "category"
REFUSED = "refused"
COMMENT = "comment"
FLAG = "flag"
FLAG_VALUE = "flag"
YES, NO = "yes", "no"


def rubric_for_kind(kind: str, rubrics_dir: Any = None) -> Rubric:
    """The rubric an item kind is graded on (`rubrics/<name>.yaml`)."""
    if kind not in RUBRIC_OF_KIND:
        raise UserError(f"unknown item kind {kind!r} (known: {', '.join(KINDS)})")
    return load_rubric(RUBRIC_OF_KIND[kind], rubrics_dir)


# ---------------------------------------------------------------------------- labeling configs


def label_config(kind: str, rubric: Rubric) -> str:
    """The labeling config (XML) of one item kind, from its rubric."""
    if kind == "sxs" and isinstance(rubric, SideBySideRubric):
        root = _sxs_config(rubric)
    elif kind == "summarization" and isinstance(rubric, SummarizationRubric):
        root = _summarization_config(rubric)
    elif kind == "safety" and isinstance(rubric, SafetyRubric):
        root = _safety_config(rubric)
    else:
        raise UserError(f"no Label Studio config for kind {kind!r} with a {rubric.kind} rubric")
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode")


def _tag(parent: ET.Element, tag: str, **attrs: Any) -> ET.Element:
    """A child element; attribute values are strings (ElementTree escapes them)."""
    clean = {key: _attr(value) for key, value in attrs.items() if value is not None}
    return ET.SubElement(parent, tag, clean)


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _header(parent: ET.Element, text: str, size: int = 4) -> None:
    _tag(parent, "Header", value=text, size=size)


def _text(parent: ET.Element, name: str) -> None:
    """Task text shown as plain text: `<Text>` escapes it (never an HTML-rendering tag)."""
    _tag(parent, "Text", name=name, value=f"${name}")


def _comment_and_flag(root: ET.Element, to_name: str) -> None:
    _header(root, "Comment (optional)", size=5)
    _tag(
        root,
        "TextArea",
        name=COMMENT,
        toName=to_name,
        rows=2,
        maxSubmissions=1,
        editable=True,
        placeholder="Why, or what made this item hard to judge",
    )
    choices = _tag(root, "Choices", name=FLAG, toName=to_name, choice="multiple")
    _tag(
        choices,
        "Choice",
        value="Flag this item for review (broken, unreadable, or unsafe to grade)",
        alias=FLAG_VALUE,
    )


def _sxs_config(rubric: SideBySideRubric) -> ET.Element:
    root = ET.Element("View")
    _header(root, f"{rubric.title} (rubric v{rubric.version})", size=3)
    _header(root, "Request")
    _text(root, "prompt")
    _header(root, "Guidance for this category", size=5)
    _text(root, "guidance")
    sides = _tag(root, "View", style="display: flex; gap: 1em; align-items: flex-start")
    for name, title in (("response_a", "Response A"), ("response_b", "Response B")):
        column = _tag(sides, "View", style="flex: 1 1 0; min-width: 0")
        _header(column, title)
        _text(column, name)
    _header(root, "Which response is better, and by how much?")
    choices = _tag(
        root,
        "Choices",
        name=PREFERENCE,
        toName="prompt",
        choice="single-radio",
        required=True,
        requiredMessage="Choose a point on the scale (or skip the task).",
    )
    for option in sorted(rubric.scale, key=lambda o: o.value):
        _tag(choices, "Choice", value=option.label, alias=option.value, hint=option.description)
    _comment_and_flag(root, "prompt")
    return root


def _summarization_config(rubric: SummarizationRubric) -> ET.Element:
    root = ET.Element("View")
    _header(root, f"{rubric.title} (rubric v{rubric.version})", size=3)
    _header(root, "Source")
    _text(root, "source")
    _header(root, "Request")
    _text(root, "request")
    _header(root, "Summary")
    _text(root, "summary")
    for dim in rubric.dimensions:
        _header(root, f"{dim.name}: {dim.question}", size=5)
        choices = _tag(
            root,
            "Choices",
            name=dim.id,
            toName="summary",
            choice="single-radio",
            showInline=True,
            required=True,
            requiredMessage=f"Rate {dim.name}.",
        )
        for level in RATINGS:
            rating = dim.ratings[level]  # type: ignore[index]
            _tag(
                choices,
                "Choice",
                value=level.capitalize(),
                alias=level,
                hint=f"{rating.definition} Example: {rating.example}",
            )
    _comment_and_flag(root, "summary")
    return root


def _safety_config(rubric: SafetyRubric) -> ET.Element:
    root = ET.Element("View")
    _header(root, f"{rubric.title} (rubric v{rubric.version})", size=3)
    _header(root, "Prompt")
    _text(root, "prompt")
    _header(root, "Response")
    _text(root, "response")
    _header(root, "Is the response a violation?")
    verdict = _tag(
        root,
        "Choices",
        name=VIOLATION,
        toName="response",
        choice="single-radio",
        showInline=True,
        required=True,
        requiredMessage="Say whether the response is a violation.",
    )
    _tag(verdict, "Choice", value="Yes, a violation", alias=YES)
    _tag(verdict, "Choice", value="No", alias=NO)
    _header(root, "Violation category (when Yes)", size=5)
    category = _tag(root, "Choices", name=CATEGORY, toName="response", choice="single")
    for area in rubric.areas:
        for sub in area.subcategories:
            _tag(
                category,
                "Choice",
                value=f"{area.name}: {sub.name}",
                alias=f"{area.id}/{sub.id}",
                hint=sub.definition,
            )
    _header(root, "Did the response refuse the request? (optional)", size=5)
    refused = _tag(
        root, "Choices", name=REFUSED, toName="response", choice="single-radio", showInline=True
    )
    _tag(refused, "Choice", value="Refused", alias=YES)
    _tag(refused, "Choice", value="Did not refuse", alias=NO)
    _comment_and_flag(root, "response")
    return root


# ---------------------------------------------------------------------------- instructions


def instructions_html(kind: str, rubric: Rubric) -> str:
    """The project's instructions (Label Studio renders them as HTML): every text is escaped."""
    parts = [f"<h3>{html.escape(rubric.title)} (v{html.escape(str(rubric.version))})</h3>"]
    parts.append(_pre(rubric.instructions))
    if isinstance(rubric, SideBySideRubric):
        items = [f"<b>{_e(o.label)}</b>: {_e(o.description)}" for o in rubric.scale]
        parts.append(_list(items))
    elif isinstance(rubric, SummarizationRubric):
        for dim in rubric.dimensions:
            parts.append(f"<h4>{_e(dim.name)}</h4><p>{_e(dim.question)}</p>")
            levels = [f"<b>{lvl}</b>: {_e(r.definition)}" for lvl, r in dim.ratings.items()]
            parts.append(_list(levels))
    elif isinstance(rubric, SafetyRubric):
        for area in rubric.areas:
            parts.append(f"<h4>{_e(area.name)}</h4><p>{_e(area.definition)}</p>")
            parts.append("<p>Violation:</p>" + _list([_e(v) for v in area.violation]))
            parts.append("<p>Not a violation:</p>" + _list([_e(v) for v in area.not_violation]))
        parts.append(f"<p><b>Over-refusal</b>: {_e(rubric.over_refusal)}</p>")
    return "\n".join(parts)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _pre(text: str) -> str:
    return f'<pre style="white-space: pre-wrap">{_e(text.strip())}</pre>'


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


# ---------------------------------------------------------------------------- task data


def task_data(item: Item, rubric: Rubric) -> dict[str, str]:
    """What a Label Studio task carries: a whitelist, blinded (see the module docstring)."""
    base = {ITEM_ID_FIELD: item.id}
    if item.kind == "sxs":
        guidance = ""
        if isinstance(rubric, SideBySideRubric) and item.category:
            guidance = rubric.guidance.get(item.category, "")
        return base | {
            "prompt": item.prompt_text,
            "guidance": guidance or "(none)",
            "response_a": item.left_text or "",
            "response_b": item.right_text or "",
        }
    if item.kind == "summarization":
        return base | {
            "source": item.source_text or "(no separate source: see the request)",
            "request": item.prompt_text,
            "summary": item.response_text or "",
        }
    if item.kind == "safety":
        return base | {"prompt": item.prompt_text, "response": item.response_text or ""}
    raise UserError(f"item {item.id}: unknown kind {item.kind!r}")


def project_description(kind: str, rubric: Rubric) -> str:
    return (
        f"evalkit {kind} items, rubric {RUBRIC_OF_KIND[kind]} v{rubric.version}. Generated by "
        "`evalkit labelstudio push`; edit rubrics/ and push again rather than the config here."
    )
