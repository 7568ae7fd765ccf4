"""The IFEval section: the program-measured instruction-following accuracies (prompt and
instruction level, strict and loose) per model, as interval dots and a table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.report import charts
from evalkit.report.charts import Point
from evalkit.report.options import ReportOptions
from evalkit.report.rows import (
    _block,
    _candidates,
    by_graders,
    family_metrics,
    family_rows,
    family_title,
    one_row,
    ordered_models,
)
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import ALL, format_row, metrics

IFEVAL_LEAD = "ifeval_prompt_strict"


def ifeval_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """The program-measured accuracies of IFEval's family, per model."""
    family = metrics()[IFEVAL_LEAD].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    names = [m.name for m in family_metrics(family)]
    out: dict[str, Any] = {"title": family_title(family), "blocks": []}
    for graders, part in by_graders(rows):
        models = ordered_models(part["model"], candidates)
        points, lines = [], []
        for name in names:
            description = metrics()[name].description
            for model in models:
                r = one_row(part, metric=name, model=model, group=ALL)
                if r is None:
                    continue
                points.append(
                    Point(description, model, r["estimate"], r["low"], r["high"], format_row(r))
                )
                lines.append(
                    {
                        "model": model,
                        "metric": description,
                        "value": format_row(r),
                        "followed": f"{r['k']:g} of {int(r['n_items'])}",
                        "method": r["method"],
                    }
                )
        chart = charts.interval_dots(points, family_title(family), axis_max=1.0)
        out["blocks"].append(_block(graders, part, chart=chart, rows=lines))
    return out
