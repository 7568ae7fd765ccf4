"""Label Studio labeling configs, project instructions and task data, asked of the grading kinds.

Why generated: the rubric is the single source of what raters answer, so the Streamlit app and
Label Studio ask the same questions on the same scale, and a rubric edit reaches both. Each kind
builds its own config (`GradingKind.ls_config`) from the shared blocks of `xml`; this module adds
what every kind shares and checks the two rules that keep raters safe and blind:

- model output is only ever the value of a `<Text>` tag (rendered as text, never as HTML: no
  `<HyperText>`/`<Html>`; Label Studio has had XSS advisories), and every attribute is written
  by ElementTree, so rubric text is XML-escaped; the instructions page escapes every text;
- task data is a whitelist: the evalkit item id (for the way back) and the texts a rater reads,
  each shown by a `<Text>` tag of the config. Never a model name, the shown sides, the side seed,
  the gold flag or any score.

Each answer's machine value travels in the choice's `alias` (Label Studio writes the alias, not
the label, into the annotation), so renaming a label in the rubric never breaks a pull.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Collection
from typing import Any

from evalkit.errors import UserError
from evalkit.kinds.base import GradingKind, View, get_kind
from evalkit.labelstudio.xml import COMMENT, FLAG
from evalkit.records import Item

ITEM_ID_FIELD = "evalkit_item_id"


def grading_kind(kind: str | GradingKind) -> GradingKind:
    """The kind itself, from its name (items and plans carry the name)."""
    return kind if isinstance(kind, GradingKind) else get_kind(kind)


def check_rubric(kind: GradingKind, rubric: Any) -> None:
    """A rubric of the kind's own type (a side-by-side scale cannot build a safety form)."""
    if not isinstance(rubric, kind.rubric_type):
        raise UserError(
            f"{kind.name} items are graded on a {kind.rubric_type.__name__}, "
            f"not a {type(rubric).__name__}"
        )


# ---------------------------------------------------------------------------- labeling configs


def label_config(kind: str | GradingKind, rubric: Any) -> str:
    """The labeling config (XML) of one grading kind, from its rubric."""
    grading = grading_kind(kind)
    check_rubric(grading, rubric)
    return grading.ls_config(rubric)


def text_fields(config: str) -> set[str]:
    """The task fields a config shows: the `$name` values of its `<Text>` tags."""
    root = ET.fromstring(config)
    return {
        str(el.get("value"))[1:]
        for el in root.iter("Text")
        if str(el.get("value", "")).startswith("$")
    }


def required_controls(config: str) -> list[str]:
    """The names of the config's required controls (the questions of the rubric)."""
    root = ET.fromstring(config)
    return [
        str(el.get("name"))
        for el in root.iter()
        if el.get("name") and el.get("toName") and el.get("required") == "true"
        and el.get("name") not in (COMMENT, FLAG)
    ]  # fmt: skip


# ---------------------------------------------------------------------------- instructions


def instructions_html(kind: str | GradingKind, rubric: Any) -> str:
    """The project's instructions (Label Studio renders them as HTML): every text is escaped.

    The rubric's title and instructions, then what the kind adds: its
    `ls_instructions(rubric) -> str` when it has one (plain text, shown as written), else the
    guide and questions of the rater's form in the app (each answer with its definition)."""
    grading = grading_kind(kind)
    parts = [f"<h3>{_e(str(rubric.title))} (v{_e(str(rubric.version))})</h3>"]
    custom = getattr(grading, "ls_instructions", None)
    if callable(custom):
        parts.append(_pre(str(custom(rubric))))
    else:
        parts.extend(_form_instructions(grading, rubric))
    return "\n".join(parts)


def _form_instructions(kind: GradingKind, rubric: Any) -> list[str]:
    """The app's form for an item of no particular category: its guide and its questions."""
    view = View(handle="instructions", kind=kind.name, category=None, prompt_text="")
    try:
        form = kind.form(rubric, view)
    except NotImplementedError:
        return [_pre(str(rubric.instructions))]
    parts = [_pre(form.guide)]
    for question in form.questions:
        parts.append(f"<h4>{_e(question.prompt)}</h4>")
        explained = [o for o in question.options if o.help]
        if explained:
            parts.append(_list([f"<b>{_e(o.label)}</b>: {_e(o.help)}" for o in explained]))
        elif question.help:
            parts.append(_pre(question.help))
    return parts


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _pre(text: str) -> str:
    return f'<pre style="white-space: pre-wrap">{_e(text.strip())}</pre>'


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


# ---------------------------------------------------------------------------- task data


def task_data(item: Item, rubric: Any, shown: Collection[str] | None = None) -> dict[str, str]:
    """What a Label Studio task carries: the item id and the texts the kind shows (blinded).

    `shown` is the set of task fields the config displays (`text_fields`; computed from the
    kind's config when not given): a field the config would not show is refused, so nothing
    travels in a task that a rater is not meant to read."""
    kind = grading_kind(item.kind)
    check_rubric(kind, rubric)
    texts = kind.ls_task(item, rubric)
    allowed = set(shown) if shown is not None else text_fields(kind.ls_config(rubric))
    extra = sorted(set(texts) - allowed)
    if ITEM_ID_FIELD in texts or extra:
        raise UserError(
            f"item {item.id}: the {kind.name} task has field(s) "
            f"{', '.join(extra or [ITEM_ID_FIELD])} that its labeling config does not show"
        )
    not_text = sorted(name for name, value in texts.items() if not isinstance(value, str))
    if not_text:
        raise UserError(f"item {item.id}: task field(s) {', '.join(not_text)} are not text")
    return {ITEM_ID_FIELD: item.id} | texts


def project_description(kind: str | GradingKind, rubric: Any) -> str:
    grading = grading_kind(kind)
    return (
        f"evalkit {grading.label} items ({grading.name}), rubric {grading.rubric_name} "
        f"v{rubric.version}. Generated by `evalkit labelstudio push`; edit rubrics/ and push "
        "again rather than the config here."
    )
