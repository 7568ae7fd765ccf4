"""The report's opening and its footing: the release verdict (the gates, whose headline follows
their exit code) and the at-a-glance cards (the comparisons' win rates, then each candidate's
first headline metric of every other family); and, for the methodology section, what the
numbers rest on (per kind and graders) and what `plan_n` graded items buy."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.gates import GateReport, headline, verdict_rows
from evalkit.report.ifeval import IFEVAL_LEAD
from evalkit.report.options import ReportOptions
from evalkit.report.rows import (
    _candidates,
    families,
    family_metrics,
    family_rows,
    family_title,
    graders_label,
    is_auto,
)
from evalkit.report.sxs import TIE, WIN
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import ALL, format_row, metrics


def gates_section(report: GateReport | None) -> dict[str, Any] | None:
    """The verdict: `headline(report)` follows the gates' exit code (Ready only on exit 0)."""
    if report is None:
        return None
    code = report.exit_code
    return {
        "headline": headline(report),
        "summary": report.summary(),
        "rows": verdict_rows(report),
        "exit_code": code,
        "tone": "ok" if code == 0 else ("warn" if code == 2 else "bad"),
        "path": report.gates_path,
        "all_pass": code == 0,
    }


def at_a_glance(
    table: pd.DataFrame, context: dict[str, Any], frames: RunFrames, options: ReportOptions
) -> list[dict[str, Any]]:
    """The comparisons' win rates, then each candidate's first headline metric of every other
    family (humans' rows first), each with its interval and n."""
    out = list(context["preference"]["glance"])
    comparison_families = {metrics()[WIN].family}
    for model in _candidates(frames, options):
        for family in families():
            if family in comparison_families:
                continue
            rows = family_rows(table, family)
            rows = rows[(rows["model"] == model) & (rows["group"] == ALL)]
            for info in family_metrics(family, headline_only=True):
                if info.comparison:
                    continue
                found = rows[rows["metric"] == info.name]
                if found.empty:
                    continue
                row = found.iloc[0]  # the table puts humans first
                out.append(
                    {
                        "label": f"{model} · {info.description}",
                        "value": format_row(row),
                        "detail": row["method"],
                        "graders": graders_label(row["graders"]),
                        "is_auto": is_auto(row["graders"]),
                    }
                )
                break
    return out


def samples_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """What the numbers rest on, per kind and graders; and what `plan_n` items buy."""
    from evalkit.kinds.base import all_kinds
    from evalkit.stats.power import what_n_buys

    rows = []
    for kind in all_kinds():
        frame = frames.kind(kind.name)
        if frame.empty:
            continue
        for graders, group in frame.groupby("grader", sort=False):
            rows.append(
                {
                    "kind": kind.label,
                    "graders": graders_label(str(graders)),
                    "n_items": int(group["item_id"].nunique()),
                    "prompts": int(group["prompt_id"].nunique()),
                    "grades": len(group),
                    "raters": int(group["rater_id"].nunique()),
                    "gold": int(group.loc[group["is_gold"].astype(bool), "item_id"].nunique()),
                }
            )
    if not frames.ifeval.empty:
        rows.append(
            {
                "kind": f"{family_title(metrics()[IFEVAL_LEAD].family)} (program-scored)",
                "graders": graders_label("program"),
                "n_items": len(frames.ifeval),
                "prompts": int(frames.ifeval["prompt_id"].nunique()),
                "grades": len(frames.ifeval),
                "raters": 0,
                "gold": 0,
            }
        )
    tie_rate, observed = 0.2, False
    ties = table[(table["metric"] == TIE) & (table["group"] == ALL) & (table["graders"] == "human")]
    ties = ties[ties["n"] > 0]
    if not ties.empty:
        tie_rate = float((ties["estimate"] * ties["n"]).sum() / ties["n"].sum())
        tie_rate, observed = min(max(tie_rate, 0.0), 0.8), True
    plan = what_n_buys(options.plan_n, tie_rate)
    return {
        "rows": rows,
        "plan": plan.to_dict("records"),
        "plan_n": options.plan_n,
        "tie_rate": f"{100 * tie_rate:.0f}%",
        "tie_source": "observed on the human side-by-side grades" if observed else "assumed",
    }
