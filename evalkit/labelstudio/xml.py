"""Building blocks of Label Studio labeling configs and of annotation results, shared by every
grading kind's `ls_config` / `ls_payload` / `ls_result`.

Two rules keep raters safe and blind: model output is only ever the value of a `<Text>` tag
(rendered as text, never as HTML), and every attribute is written by ElementTree, so rubric
text is XML-escaped. Each answer's machine value travels in the choice's `alias` (Label Studio
writes the alias, not the label, into the annotation), so renaming a label never breaks a pull.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

COMMENT = "comment"
FLAG = "flag"
FLAG_VALUE = "flag"
YES, NO = "yes", "no"


class ConversionError(ValueError):
    """An annotation that does not answer the rubric (reported with its task and annotation)."""


def tag(parent: ET.Element, element: str, /, **attrs: Any) -> ET.Element:
    """A child element; attribute values become strings (ElementTree escapes them)."""
    clean = {key: _attr(value) for key, value in attrs.items() if value is not None}
    return ET.SubElement(parent, element, clean)


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def header(parent: ET.Element, text: str, size: int = 4) -> None:
    tag(parent, "Header", value=text, size=size)


def text(parent: ET.Element, name: str) -> None:
    """Task text shown as plain text: `<Text>` escapes it (never an HTML-rendering tag)."""
    tag(parent, "Text", name=name, value=f"${name}")


def root(title: str, version: object) -> ET.Element:
    view = ET.Element("View")
    header(view, f"{title} (rubric v{version})", size=3)
    return view


def comment_and_flag(view: ET.Element, to_name: str) -> None:
    header(view, "Comment (optional)", size=5)
    tag(
        view, "TextArea", name=COMMENT, toName=to_name, rows=2, maxSubmissions=1,
        editable=True, placeholder="Why, or what made this item hard to judge",
    )  # fmt: skip
    choices = tag(view, "Choices", name=FLAG, toName=to_name, choice="multiple")
    tag(
        choices, "Choice",
        value="Flag this item for review (broken, unreadable, or unsafe to grade)",
        alias=FLAG_VALUE,
    )  # fmt: skip


def finish(view: ET.Element, to_name: str) -> str:
    """The config as XML text, with the comment and flag every form ends with."""
    comment_and_flag(view, to_name)
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode")


def one(answers: Mapping[str, list[str]], name: str, required: bool = True) -> str | None:
    values = answers.get(name) or []
    if len(values) > 1:
        raise ConversionError(f"{name}: one choice expected, got {values}")
    if not values:
        if required:
            raise ConversionError(f"{name}: no answer")
        return None
    return values[0]


def yes_no(
    raw: str | None, name: str, yes: tuple[str, ...] = (), no: tuple[str, ...] = ()
) -> bool | None:
    """An alias (`yes`/`no`) or one of the config's labels as a bool."""
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in (YES, *yes):
        return True
    if value in (NO, *no):
        return False
    raise ConversionError(f"{name}: {raw!r} is neither yes nor no")


def region(from_name: str, to_name: str, kind: str, value: Any) -> dict[str, Any]:
    """One answer of a result: `kind` "choices" (value: list of aliases) or "textarea" (lines)."""
    key = "choices" if kind == "choices" else "text"
    return {"from_name": from_name, "to_name": to_name, "type": kind, "value": {key: value}}


def choices(from_name: str, to_name: str, *values: str) -> dict[str, Any]:
    return region(from_name, to_name, "choices", list(values))
