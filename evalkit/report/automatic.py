"""Automatic graders in the report (issue 15): each one's measured error beside the rates it
produced, and the LLM judge's hygiene.

An automatic rate is only as good as its grader. `attach_accuracy` gives every block of rows
that rests on automatic grades ("auto", pooled "any", prediction-powered "ppi") or on a program
one line per grader behind it:

- the refusal detector (`auto:refusal`): its F1 with a 95% interval on the held-out labelled
  split it ships with (`evalkit.graders.grader_accuracy`, computed when first asked, never a
  number written down), and where that split lives;
- an LLM judge (`judge:*`): its agreement with the human raters on the items both graded in
  these runs, for the block's kind (the agreement section's numbers);
- anything else, a program (IFEval's checker) included: "accuracy not measured", said outright.

The graders behind an "auto" row are the ones its `method` names ("automatic grader: …", see
`evalkit.stats.engine.one_automatic_grader`). `judge_section` shows, per judge, how often its
verdict flipped when the two responses were swapped and how far it leans to the longer response
(`evalkit.graders.eval_judge`), with n and 95% intervals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.errors import UserError
from evalkit.graders import REFUSAL_NAMES, eval_judge, grader_accuracy, rate
from evalkit.paths import PROJECT_ROOT
from evalkit.report.options import ReportOptions
from evalkit.report.rows import family_title, num_interval, pct, pct_interval
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import metrics
from evalkit.text_display import visible

AUTO_GRADER = re.compile(r"automatic grader: (.+)$")
PROGRAM_GRADERS = {"ifeval": "IFEval's instruction checker (program)"}
NOT_MEASURED = "accuracy not measured"


def graders_by_metric(table: pd.DataFrame) -> dict[str, list[str]]:
    """metric -> the automatic graders behind its "auto" rows, as their method names them."""
    out: dict[str, list[str]] = {}
    auto = table[table["graders"] == "auto"]
    for metric, method in zip(auto["metric"], auto["method"], strict=True):
        found = AUTO_GRADER.search(str(method))
        if found:
            names = out.setdefault(str(metric), [])
            names += [n.strip() for n in found.group(1).split(",") if n.strip() not in names]
    return out


def _blocks(value: Any) -> Iterator[dict[str, Any]]:
    """Every block `evalkit.report.rows._block` made, wherever a section put it."""
    if isinstance(value, dict):
        if "graders_label" in value and "metrics" in value:
            yield value
        for child in value.values():
            yield from _blocks(child)
    elif isinstance(value, list):
        for child in value:
            yield from _blocks(child)


def attach_accuracy(context: dict[str, Any], table: pd.DataFrame) -> list[dict[str, Any]]:
    """Fill each block's `accuracy` lines; return every distinct line (the graders section)."""
    by_metric = graders_by_metric(table)
    judges = context["agreement"]["judges"]
    registry = metrics()
    lines: dict[str, dict[str, Any]] = {}
    for block in _blocks({k: v for k, v in context.items() if k != "table"}):
        families = list(dict.fromkeys(registry[m].family for m in block["metrics"]))
        found: list[dict[str, Any]] = []
        if block["graders"] in ("auto", "any", "ppi"):
            for family in families:
                names = [
                    name
                    for m in block["metrics"]
                    if registry[m].family == family
                    for name in by_metric.get(m, [])
                ]
                for name in dict.fromkeys(names):
                    found.append(grader_line(name, family, judges))
            if not found:
                text = f"the automatic grader of these rows is not named: {NOT_MEASURED}"
                found.append({"grader": "automatic grader", "text": text, "measured": False})
        elif block["graders"] == "program":
            for family in families:
                found.append(program_line(family))
        block["accuracy"] = found
        for line in found:
            lines.setdefault(line["text"], line)
    return list(lines.values())


def grader_line(name: str, family: str, judges: list[dict[str, Any]]) -> dict[str, Any]:
    """One automatic grader's measured accuracy and its source (or "accuracy not measured")."""
    shown = visible(name)
    if name.strip().lower() in REFUSAL_NAMES:
        return _refusal_line(shown)
    if name.startswith("judge:"):
        for row in judges:
            if row["judge"] == name and row["kind_name"] == family:
                text = (
                    f"{shown} — agreement with the human raters {row['rate']} on {row['n']} "
                    f"items both graded in these runs ({row['kind']}; Cohen's kappa "
                    f"{row['kappa']})"
                )
                return {"grader": shown, "text": text, "measured": True}
        text = f"{shown} — {NOT_MEASURED}: no item graded by both this judge and human raters"
        return {"grader": shown, "text": text, "measured": False}
    try:
        measured = grader_accuracy(name)
    except UserError:
        measured = {"available": False}
    if measured.get("available"):
        value = pct_interval(measured["value"], measured["low"], measured["high"])
        text = f"{shown} — {measured['metric']} {value} on {measured['n']} labelled responses"
        text += f" ({measured['source']})"
        return {"grader": shown, "text": text, "measured": True}
    text = f"{shown} — {NOT_MEASURED}: no labelled responses to measure it against"
    return {"grader": shown, "text": text, "measured": False}


def _refusal_line(name: str) -> dict[str, Any]:
    """The refusal detector's F1 on its held-out labelled split (cached after the first ask)."""
    try:
        measured = grader_accuracy(name)
    except (UserError, OSError) as exc:
        text = f"{name} — {NOT_MEASURED}: {exc}"
        return {"grader": name, "text": text, "measured": False}
    path = Path(measured["path"])
    where = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    text = (
        f"{name} — F1 {num_interval(measured['value'], measured['low'], measured['high'])} "
        f"on {measured['n']} held-out labelled responses ({measured['source']}, {where}); "
        f"precision {measured['precision']:.2f}, recall {measured['recall']:.2f}"
    )
    return {"grader": name, "text": text, "measured": True}


def program_line(family: str) -> dict[str, Any]:
    """A program's rates: no labelled set measures the program, and the report says so."""
    grader = PROGRAM_GRADERS.get(family, f"{family_title(family)} (program)")
    text = f"{grader} — {NOT_MEASURED}: no labelled set checks this program's verdicts"
    return {"grader": grader, "text": text, "measured": False}


# ---------------------------------------------------------------- the judge's hygiene


def judges_in(frames: RunFrames) -> list[str]:
    """The LLM judges (`judge:*`) with grades in the frames."""
    names: set[str] = set()
    for grades in frames.grades.values():
        if grades.empty:
            continue
        auto = grades[grades["grader"] == "auto"]["rater_id"].astype(str)
        names.update(n for n in auto if n.startswith("judge:"))
    return sorted(names)


def judge_section(
    frames: RunFrames, options: ReportOptions, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    """Every automatic grader's line, and per judge its position and length bias over the runs
    (counts pooled across runs, intervals recomputed: Wilson)."""
    judges = judges_in(frames)
    flips: dict[str, list[int]] = {j: [0, 0] for j in judges}
    longer: dict[str, list[int]] = {j: [0, 0] for j in judges}
    notes = []
    for run_dir in frames.run_dirs if judges else []:
        try:
            report = eval_judge(run_dir, options.db)
        except UserError as exc:
            notes.append(f"{run_dir}: the judge's hygiene was not measured: {exc}")
            continue
        for row in report["position_bias"]:
            counts = flips.setdefault(row["judge"], [0, 0])
            counts[0], counts[1] = counts[0] + row["k"], counts[1] + row["n"]
        for row in report["length_bias"]:
            counts = longer.setdefault(row["judge"], [0, 0])
            counts[0], counts[1] = counts[0] + row["k"], counts[1] + row["n"]
    rows = []
    for judge in sorted(set(flips) | set(longer)):
        rows.append(
            {
                "judge": visible(judge),
                "position": _position(*flips.get(judge, [0, 0])),
                "length": _length(*longer.get(judge, [0, 0])),
            }
        )
    return {"lines": lines, "judges": rows, "notes": notes}


def _position(k: int, n: int) -> str:
    if not n:
        return (
            "not measured: no side-by-side verdict of this judge records whether it held with "
            "the responses swapped"
        )
    share = rate(k, n)
    return f"{pct_interval(share['value'], share['low'], share['high'])} flipped ({k} of {n} items)"


def _length(k: int, n: int) -> str:
    if not n:
        return "not measured: no consistent, non-tied verdict on responses of different lengths"
    share = rate(k, n)
    low, high = share["low"] - 0.5, share["high"] - 0.5
    return (
        f"{share['value'] - 0.5:+.2f} [{low:+.2f}, {high:+.2f}] on {n} verdicts "
        f"({pct(share['value'])} preferred the longer response)"
    )
