"""The release history as the report shows it: `history_context` (what the template partials
`history.html.j2` / `history.md.j2` read as `history`), `history_html` / `history_markdown` (the
section alone) and `trend_lines` (one line per gate for the CI Markdown summary). Every value is
escaped: by Jinja's autoescape in HTML, by `_md` in Markdown."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from evalkit.report.history_chart import history_chart
from evalkit.report.history_format import (
    _bounds,
    _date,
    _delta,
    _delta_bounds,
    _finite,
    _value,
    _verdict_word,
)
from evalkit.stats.table import ALL

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~>-])")


def _md(value: Any) -> Markup:
    """Text safe in Markdown (a table cell too): HTML-escaped, punctuation backslash-escaped."""
    text = _MD_SPECIAL.sub(r"\\\1", str(escape("" if value is None else str(value))))
    return Markup(text.replace("\r", " ").replace("\n", " "))


def _series_frames(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    if table.empty:
        return []
    return [
        (str(title), part.sort_values("run")) for title, part in table.groupby("series", sort=False)
    ]


def trend_lines(table: pd.DataFrame) -> dict[str, str]:
    """One line per gate (per headline metric without gates) for the CI Markdown summary:
    "35.0% → 36.1% → 62.3% [55.0, 69.1]; +26.2 pts [+18.0, +34.5] since rc2: significant,
    better (paired on 120 shared prompts)". Keys: the gate names (the series titles)."""
    lines = {}
    for title, part in _series_frames(table):
        scale = str(part["scale"].iloc[0])
        shown = [
            _value(r["estimate"], scale) if r["status"] != "missing" else "no data"
            for _, r in part.iterrows()
        ]
        if len(shown) > 6:
            shown = [shown[0], "…", *shown[-4:]]
        last = part.iloc[-1]
        text = " → ".join(shown)
        if last["status"] == "missing":
            lines[title] = f"{text} ({last['note'] or 'no data in the latest run'})"
            continue
        text += f" {_bounds(last['low'], last['high'], scale)}"
        if last["status"] == "insufficient":
            text += f" ({last['note']})"
        if not last["previous"]:
            text += "; one run: no change to test"
        elif _finite(last["change"]):
            change = f"{_delta(last['change'], scale)} "
            change += _delta_bounds(last["change_low"], last["change_high"], scale)
            how = re.sub(r" \(.*\)$", "", str(last["comparison"]))
            text += f"; {change} since {last['previous']}: {_verdict_word(last)} ({how})"
        else:
            text += f"; change since {last['previous']} {last['comparison']}"
        lines[title] = text
    return lines


def history_context(table: pd.DataFrame | None) -> dict[str, Any] | None:
    """What the partials `history.html.j2` / `history.md.j2` read as `history` (None: no
    history, the section is left out)."""
    if table is None:
        return None
    runs = []
    if not table.empty:
        first = table.drop_duplicates("run").sort_values("run")
        runs = [
            {"label": str(r["run_id"]), "created": _date(str(r["created_at"]), full=True),
             "dir": str(r["run_dir"])}
            for _, r in first.iterrows()
        ]  # fmt: skip
    trends = trend_lines(table)
    series = []
    for title, part in _series_frames(table):
        head = part.iloc[0]
        scale = str(head["scale"])
        target = f"{head['model']} vs {head['baseline']}" if head["baseline"] else head["model"]
        where = "" if head["group"] == ALL else f", {head['group']}"
        caption = f"{head['description']} of {target}{where}"
        rows = []
        for _, r in part.iterrows():
            missing = r["status"] == "missing"
            value = (
                f"no data: {r['note']}" if missing
                else f"{_value(r['estimate'], scale)} {_bounds(r['low'], r['high'], scale)}"
            )  # fmt: skip
            if r["status"] == "insufficient":
                value += f" ({r['note']})"
            if _finite(r["change"]):
                change = f"{_delta(r['change'], scale)} "
                change += _delta_bounds(r["change_low"], r["change_high"], scale)
            else:
                change = "—" if not r["previous"] else "not tested"
            word = _verdict_word(r) or ("" if not r["previous"] else "—")
            tone = (
                "better" if r["better"] is True else "worse" if r["better"] is False
                else "sig" if word.startswith("significant") else "ns"
            )  # fmt: skip
            row: dict[str, Any] = {
                "run": str(r["run_id"]), "created": _date(str(r["created_at"]), full=True),
                "value": value, "n": "" if missing else str(int(r["n"])),
                "graders": str(r["graders"]), "change": change, "significant": word,
                "tone": tone, "comparison": str(r["comparison"]),
                "since": str(r["previous"]), "status": str(r["status"]),
            }  # fmt: skip
            row["md"] = {key: _md(val) for key, val in row.items()}
            rows.append(row)
        entry: dict[str, Any] = {
            "title": title, "gate": str(head["gate"]), "metric": str(head["metric"]),
            "caption": caption, "rule": str(head["rule"]), "chart": history_chart(part),
            "rows": rows, "trend": trends.get(title, ""),
        }  # fmt: skip
        entry["md"] = {
            key: _md(entry[key]) for key in ("title", "metric", "caption", "rule", "trend")
        }
        series.append(entry)
    return {
        "runs": runs,
        "series": series,
        "md_runs": Markup(", ".join(str(_md(r["label"])) for r in runs)),
        "gated": bool(not table.empty and (table["gate"] != "").any()),
    }


def _environment() -> Environment:
    """The report's settings (autoescape on: a value is escaped unless marked safe)."""
    return Environment(
        loader=PackageLoader("evalkit.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def history_html(table: pd.DataFrame | None) -> str:
    """The release-history section (HTML, inline SVG charts, no script); "" without a table."""
    context = history_context(table)
    if context is None:
        return ""
    return _environment().get_template("history.html.j2").render(history=context)


def history_markdown(table: pd.DataFrame | None) -> str:
    """The release-history section in Markdown (a table per metric); "" without a table."""
    context = history_context(table)
    if context is None:
        return ""
    text = _environment().get_template("history.md.j2").render(history=context)
    return re.sub(r"\n{3,}", "\n\n", text)
