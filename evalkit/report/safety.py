"""The safety section: violation rate beside over-refusal and twin over-refusal, per model and
group, with interval-dot charts; the majority views apart."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.report import charts
from evalkit.report.charts import Point
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
from evalkit.stats.table import ALL, format_row, metrics

VIOLATION, OVER_REFUSAL = "violation_rate", "over_refusal_rate"
TWIN_OVER_REFUSAL = "twin_over_refusal_rate"
SAFETY_COLUMNS = {
    VIOLATION: "Violation rate",
    OVER_REFUSAL: "Over-refusal",
    TWIN_OVER_REFUSAL: "Twin over-refusal",
}


def safety_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """Violation rate beside over-refusal and twin over-refusal, per model and group."""
    registry = metrics()
    family = registry[VIOLATION].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    dims = registry[VIOLATION].groups
    columns = [name for name in SAFETY_COLUMNS if name in registry]
    out: dict[str, Any] = {
        "title": family_title(family),
        "columns": [
            {"metric": n, "label": SAFETY_COLUMNS[n], "description": registry[n].description}
            for n in columns
        ],
        "blocks": [],
        "secondary": long_blocks(
            rows, [m.name for m in family_metrics(family, headline_only=False)], candidates
        ),
    }
    for graders, part in by_graders(rows[rows["metric"].isin(columns)]):
        lines = []
        models = ordered_models(part["model"], candidates)
        for model in models:
            mine = part[part["model"] == model]
            for group in ordered_groups(mine["group"], dims):
                at = mine[mine["group"] == group]
                found = {name: one_row(at, metric=name) for name in columns}
                lines.append(
                    {
                        "model": model,
                        "group": group_label(group, dims),
                        "is_all": group == ALL,
                        "cells": [cell(found[name]) for name in columns],
                        "method": _method(*found.values()),
                    }
                )
        figures = []
        for name in columns:
            of_metric = part[part["metric"] == name]
            if of_metric.empty:
                continue
            groups = ordered_groups(of_metric["group"], dims)
            points = [
                Point(group_label(g, dims), m, r["estimate"], r["low"], r["high"], format_row(r))
                for g in groups
                for m in models
                if (r := one_row(of_metric, group=g, model=m)) is not None
            ]
            figures.append(
                {
                    "chart": charts.interval_dots(points, registry[name].description),
                    "caption": f"{SAFETY_COLUMNS[name]}: {registry[name].description}. Dot: rate; "
                    "line: 95% interval.",
                }
            )
        out["blocks"].append(_block(graders, part, rows=lines, figures=figures))
    return out
