"""The summarization section: good / neutral / poor per model along the metric's first
dimension (use case), as stacked bars and a table; the adversarial not-amplify rate; the
secondary views apart."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.report import charts
from evalkit.report.charts import Segment, StackRow
from evalkit.report.options import ReportOptions
from evalkit.report.rows import (
    _block,
    _candidates,
    _method,
    by_graders,
    cell,
    family_metrics,
    family_rows,
    family_title,
    group_label,
    long_blocks,
    one_row,
    ordered_groups,
    ordered_models,
)
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import ALL, metrics

GOOD, NEUTRAL, POOR = (
    "summarization_good_rate",
    "summarization_neutral_rate",
    "summarization_poor_rate",
)
NOT_AMPLIFY = "summarization_not_amplify_rate"

SUMMARY_SEGMENTS = [
    Segment(GOOD, "good", charts.GOOD),
    Segment(NEUTRAL, "neutral", charts.NEUTRAL),
    Segment(POOR, "poor", charts.POOR),
]


def summarization_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """Good / neutral / poor per model along the metric's first dimension (use case); the
    adversarial subset's not-amplify rate when present."""
    registry = metrics()
    family = registry[GOOD].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    dimension = registry[GOOD].groups[0] if registry[GOOD].groups else None
    classes = [GOOD, NEUTRAL, POOR]
    out: dict[str, Any] = {
        "title": family_title(family),
        "dimension": (dimension or "group").replace("_", " "),
        "blocks": [],
        "not_amplify": long_blocks(rows, [NOT_AMPLIFY], candidates)
        if NOT_AMPLIFY in registry
        else [],
        "not_amplify_description": registry[NOT_AMPLIFY].description
        if NOT_AMPLIFY in registry
        else "",
        "secondary": long_blocks(
            rows, [m.name for m in family_metrics(family, headline_only=False)], candidates
        ),
    }
    shown = rows["metric"].isin(classes)
    if dimension is not None:
        shown &= (rows["group"] == ALL) | rows["group"].str.startswith(f"{dimension}=")
    for graders, part in by_graders(rows[shown]):
        models = ordered_models(part["model"], candidates)
        bars, lines = [], []
        for group in ordered_groups(part["group"], (dimension,) if dimension else ()):
            label = group_label(group)
            for model in models:
                at = part[(part["group"] == group) & (part["model"] == model)]
                found = {name: one_row(at, metric=name) for name in classes}
                if all(r is None for r in found.values()):
                    continue
                n = next((int(r["n"]) for r in found.values() if r is not None), 0)
                bars.append(
                    StackRow(
                        model,
                        {k: float(r["estimate"]) for k, r in found.items() if r is not None},
                        f"n={n}",
                        group=label,
                    )
                )
                lines.append(
                    {
                        "group": label,
                        "model": model,
                        "is_all": group == ALL,
                        "good": cell(found[GOOD]),
                        "neutral": cell(found[NEUTRAL]),
                        "poor": cell(found[POOR]),
                        "method": _method(*found.values()),
                    }
                )
        title = f"summary quality per {out['dimension']}"
        chart = charts.stacked_bars(bars, SUMMARY_SEGMENTS, title)
        out["blocks"].append(_block(graders, part, chart=chart, rows=lines))
    return out
