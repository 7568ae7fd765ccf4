"""The performance section: latency, time to first token, throughput and errors per model (one
column per metric of the family), with interval-dot charts for latency and tokens per second."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.report import charts
from evalkit.report.charts import Point
from evalkit.report.options import ReportOptions
from evalkit.report.rows import (
    _candidates,
    cell,
    family_metrics,
    family_rows,
    family_title,
    methods_note,
    one_row,
    ordered_models,
)
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import ALL, format_row, metrics

LATENCY_P50, LATENCY_P90, TOKENS_PER_S = "latency_p50_s", "latency_p90_s", "tokens_per_s"


def latency_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """Latency, throughput and errors per model: one column per metric of the family."""
    registry = metrics()
    family = registry[LATENCY_P50].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    names = [m.name for m in family_metrics(family)]
    present = [n for n in names if (rows["metric"] == n).any()]
    out: dict[str, Any] = {
        "title": family_title(family),
        "columns": [registry[n].description for n in present],
        "rows": [],
        "figures": [],
        "methods": methods_note(rows),
    }
    if rows.empty:
        return out
    models = ordered_models(rows["model"], candidates)
    for model in models:
        mine = rows[(rows["model"] == model) & (rows["group"] == ALL)]
        out["rows"].append(
            {"model": model, "cells": [cell(one_row(mine, metric=n)) for n in present]}
        )
    for chart_names, label, unit in (
        ((LATENCY_P50, LATENCY_P90), "latency", " s"),
        ((TOKENS_PER_S,), "tokens per second", ""),
    ):
        points = [
            Point(registry[n].description, m, r["estimate"], r["low"], r["high"], format_row(r))
            for n in chart_names
            if n in registry
            for m in models
            if (r := one_row(rows, metric=n, model=m, group=ALL)) is not None
        ]
        if points:
            chart = charts.interval_dots(points, label, percent=False, unit=unit)
            caption = "; ".join(registry[n].description for n in chart_names) + "."
            out["figures"].append({"chart": chart, "caption": caption})
    return out
