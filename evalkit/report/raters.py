"""The raters section (issue 14): how each human rater graded, and who is worth a second look.

Per kind with human grades, one row per rater from `evalkit.stats.raters` — leave-one-out
agreement, biases and gold accuracy with their 95% intervals, median seconds per grade, the flag
and its reasons — and the flag rule in plain words for a reader who will not open a terminal.

With `ReportOptions.exclude_flagged`, `without_flagged` drops the flagged raters' grades (kind
by kind, through `evalkit.stats.raters.exclude_flagged`, the same drop as `evalkit gate
--exclude-flagged`) before any statistic is computed, and returns who was left out and why for
the notice at the top of the report. The rater table itself is always measured on every grade,
so the reader sees why a rater was excluded.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.kinds.base import get_kind
from evalkit.stats.frames import RunFrames
from evalkit.stats.raters import (
    AGREEMENT_MARGIN,
    BIAS_THRESHOLD,
    FAST_RATIO,
    GOLD_FLOOR,
    MIN_ITEMS,
    SCORE_BIAS_THRESHOLD,
    display_table,
    exclude_flagged,
    quality_tables,
)
from evalkit.text_display import visible


def rater_tables(frames: RunFrames) -> dict[str, pd.DataFrame]:
    """kind name -> its rater-quality table, for every kind with human grades (all grades)."""
    return quality_tables(frames)


def flag_rule_text() -> str:
    """The flag rule of `evalkit.stats.raters.rater_quality` (its default thresholds) in plain
    words."""
    return (
        "How a rater gets flagged: each human rater is compared with the other raters of the "
        "same kind of grading and flagged for a second look when any one of four signs is clear "
        "even after allowing for chance (judged on the 95% interval, not on the estimate alone). "
        f"Agreement: how often their grade matches the majority of the other raters on the same "
        f"item is more than {100 * AGREEMENT_MARGIN:.0f} points below the typical (median) "
        "rater's, even at the top of its interval (this needs two other raters on an item, so "
        "it reads — with smaller panels). "
        f"Gold: on planted items that have one clear right answer they are right less than "
        f"{100 * GOLD_FLOOR:.0f}% of the time, even at the top of the interval. "
        "Bias: they lean one way — towards the response shown on the left, towards one model "
        f"more than the other raters on the same item (by more than {SCORE_BIAS_THRESHOLD:g} of "
        "a step on the side-by-side scale), or, when grading one response, towards the top label "
        f"(such as a violation) more often than the others — by more than "
        f"{100 * BIAS_THRESHOLD:.0f} points, with an interval that rules out no lean at all; "
        "the lean to longer responses is shown but never flags, since longer answers are often "
        "better. "
        f"Speed: their median time per grade is under {FAST_RATIO:g} × the typical rater's "
        f"(more than {1 / FAST_RATIO:g} times faster: too fast to have read the responses). "
        f"Leanings and speed are judged only on {MIN_ITEMS} grades or more. A flag is a reason "
        "to read that rater's grades, not a verdict: with many raters a few careful ones are "
        "flagged by chance."
    )


def without_flagged(
    frames: RunFrames, tables: dict[str, pd.DataFrame]
) -> tuple[RunFrames, list[dict[str, Any]]]:
    """The frames without the flagged raters' grades, and one entry per excluded rater and kind
    (kind, rater, grades, reasons) for the notice at the top of the report."""
    filtered, _ = exclude_flagged(frames)  # the same rule and drop as `evalkit gate`'s
    excluded = []
    for name, table in tables.items():
        for row in table[table["flagged"].astype(bool)].itertuples(index=False):
            excluded.append(
                {
                    "kind": get_kind(name).label,
                    "rater": visible(str(row.rater_id)),
                    "grades": int(row.n_grades),
                    "reasons": str(row.reasons),
                }
            )
    return filtered, excluded


def raters_section(
    frames: RunFrames, tables: dict[str, pd.DataFrame], excluding: bool
) -> dict[str, Any]:
    """Per kind, the raters' quality table as text cells (`display_table`), flagged rows marked
    (and marked excluded when `excluding`)."""
    kinds = []
    for name, table in tables.items():
        kind = get_kind(name)
        shown = display_table(kind, table, frames.rubric(name))
        rows = []
        for flagged, cells in zip(
            table["flagged"].astype(bool), shown.to_dict("records"), strict=True
        ):
            if flagged and excluding:
                cells["flag"] = "FLAGGED — excluded"
            rows.append({"cells": list(cells.values()), "flagged": bool(flagged)})
        kinds.append(
            {
                "kind": kind.label,
                "headers": list(shown.columns),
                "rows": rows,
                "n_flagged": int(table["flagged"].astype(bool).sum()),
            }
        )
    return {"kinds": kinds, "rule": flag_rule_text(), "excluding": excluding}
