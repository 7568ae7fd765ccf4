"""From grades to the one long table: per-grade values -> per-item values -> clustered rates.

Each grading kind turns its grades into per-grade values in [0, 1], one per metric (a win, a
violation, a good summary). Here they become item values and then rows of the long table
(`evalkit.stats.table`):

1. **Item values are means over the item's raters** (ties in a comparison count as half
   where the metric says so). The estimand — the mean over items of the share of raters who
   see a win, a violation, a good summary — is the same whether an item had 1, 2 or 3 raters;
   only the precision changes. Majority rules (`item_rule`) are kept as secondary views,
   named as such (`sxs_win_rate_majority`, `violation_rate_majority`).
2. **Rates are clustered by prompt** (`evalkit.stats.estimate.clustered_rate`): Wilson on the
   effective sample size. A metric with a null (a preference of 0.5) gets the score-test
   p-value on the same effective size, then Holm across the rows of that metric and graders.
3. **Graders are never mixed**: human and automatic grades make separate rows; `pool=True`
   adds rows pooling both, labelled "any".

Intervals are conditional on the raters who graded; `rater_bootstrap=True` replaces them by a
two-way bootstrap over prompts and raters (for a rater pool that stands for others).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES
from evalkit.stats.estimate import clustered_rate, holm, two_way_rate
from evalkit.stats.table import ALL, COLUMNS, REGISTRY, Metric, group_key

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames

VALUE_COLUMNS = [
    "metric",
    "model",
    "baseline",
    "graders",
    "prompt_id",
    "item_id",
    "rater_id",
    "value",
]
KEY = ["metric", "model", "baseline", "graders"]


def item_values(grade_values: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """One row per (metric, model, baseline, graders, item): the value by the metric's item rule,
    `grades`, the number of grades behind it, and `square`, the mean of their squares (for the
    spread of graded values, see `clustered_rate`)."""
    if grade_values.empty:
        return pd.DataFrame(columns=[*KEY, *groups, "prompt_id", "item_id", "value", "grades"])
    frame = grade_values.assign(square=grade_values["value"].astype(float) ** 2)
    keys = [*KEY, *groups, "prompt_id", "item_id"]
    grouped = frame.groupby(keys, sort=False, observed=True, dropna=False)
    items = grouped.agg(
        value=("value", "mean"), grades=("value", "size"), square=("square", "mean")
    ).reset_index()
    rules = items["metric"].map(
        lambda name: REGISTRY[name].item_rule if name in REGISTRY else "mean"
    )
    positive = rules == "mean_positive"
    items.loc[positive, "value"] = (items.loc[positive, "value"] > 0).astype(float)
    half = rules == "at_least_half"
    items.loc[half, "value"] = (items.loc[half, "value"] >= 0.5).astype(float)
    return items


def rate_rows(
    items: pd.DataFrame,
    groups: Sequence[str],
    *,
    confidence: float = 0.95,
    grade_values: pd.DataFrame | None = None,
    rater_bootstrap: bool = False,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> pd.DataFrame:
    """Long-table rows: every (metric, model, baseline, graders) for group "all" and for each
    value of each group dimension."""
    rows: list[dict] = []
    if items.empty:
        return pd.DataFrame(columns=COLUMNS)
    for dimension in (None, *groups):
        by = KEY if dimension is None else [*KEY, dimension]
        for key, part in items.groupby(by, sort=True, observed=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            name, model, baseline, graders = key[:4]
            value = key[4] if dimension is not None else None
            if dimension is not None and (
                value is None or (isinstance(value, float) and np.isnan(value))
            ):
                continue
            metric = REGISTRY[name]
            group = group_key(dimension, value)
            rows.append(
                _rate_row(
                    metric, model, baseline, group, graders, part, confidence,
                    grade_values, rater_bootstrap, resamples, seed, dimension, value,
                )
            )  # fmt: skip
    table = pd.DataFrame(rows, columns=COLUMNS)
    return _holm(table)


def _rate_row(
    metric: Metric,
    model: str,
    baseline: str,
    group: str,
    graders: str,
    part: pd.DataFrame,
    confidence: float,
    grade_values: pd.DataFrame | None,
    rater_bootstrap: bool,
    resamples: int,
    seed: int | None,
    dimension: str | None,
    value: object,
) -> dict:
    grades = float(part["grades"].sum())
    spread = None
    if metric.item_rule == "mean" and grades:
        p_hat = float((part["value"] * part["grades"]).sum()) / grades
        mean_square = float((part["square"] * part["grades"]).sum()) / grades
        spread = max(0.0, mean_square - p_hat**2)  # mean((v - p)^2) over the grades
    estimate = clustered_rate(
        part["value"].to_numpy(),
        part["prompt_id"].to_numpy(),
        confidence=confidence,
        null=metric.null,
        observations=grades,
        spread=spread,
    )
    low, high, method = estimate.low, estimate.high, estimate.method
    if rater_bootstrap and grade_values is not None and metric.item_rule == "mean":
        mask = (
            (grade_values["metric"] == metric.name)
            & (grade_values["model"] == model)
            & (grade_values["baseline"] == baseline)
            & (grade_values["graders"] == graders)
        )
        if dimension is not None:
            mask &= grade_values[dimension] == value
        two_way = two_way_rate(grade_values[mask], confidence=confidence)
        low, high, method = two_way.low, two_way.high, two_way.method
    point = estimate.estimate
    if metric.scale == "net":  # stored as a preference in [0, 1]; shown as 2p − 1
        point, low, high = 2 * point - 1, 2 * low - 1, 2 * high - 1
    return {
        "metric": metric.name,
        "model": model,
        "baseline": baseline or "",
        "group": group,
        "graders": graders,
        "estimate": point,
        "low": low,
        "high": high,
        "k": estimate.k,
        "n": estimate.n,
        "n_items": estimate.n_items,
        "unit": "prompts",
        "method": method,
        "p_value": estimate.p_value,
    }


def _holm(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Holm-adjusted p-values across the rows of each (metric, graders)."""
    table["p_adjusted"] = np.nan
    if table.empty:
        return table
    for _, index in table.groupby(["metric", "graders"]).groups.items():
        table.loc[index, "p_adjusted"] = holm(table.loc[index, "p_value"].astype(float))
    return table


def one_automatic_grader(values: pd.DataFrame) -> tuple[pd.DataFrame, dict[tuple, str]]:
    """Keep one automatic grader per (metric, model, baseline): an LLM judge (`judge:*`) before
    a rule-based scorer (`auto:*`), so an "auto" row never mixes two graders; returns the kept
    values and, per key, the grader(s) behind its auto row (for the method text)."""
    auto = values["graders"] == "auto"
    if not auto.any():
        return values, {}
    keys = ["metric", "model", "baseline"]
    judged = values[auto & values["rater_id"].astype(str).str.startswith("judge:")]
    judged_keys = set(map(tuple, judged[keys].drop_duplicates().to_numpy()))
    row_keys = list(map(tuple, values[keys].to_numpy()))
    is_judge = values["rater_id"].astype(str).str.startswith("judge:").to_numpy()
    drop = [
        bool(a) and not j and key in judged_keys
        for a, j, key in zip(auto.to_numpy(), is_judge, row_keys, strict=True)
    ]
    kept = values[~np.asarray(drop, dtype=bool)]
    names: dict[tuple, str] = {}
    for key, part in kept[kept["graders"] == "auto"].groupby(keys, sort=False):
        names[tuple(key)] = ", ".join(sorted(part["rater_id"].astype(str).unique()))
    return kept, names


def kind_rows(
    kind_values: Iterable[tuple[pd.DataFrame, Sequence[str]]],
    *,
    pool: bool = False,
    confidence: float = 0.95,
    rater_bootstrap: bool = False,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> pd.DataFrame:
    """The long table of every kind: `kind_values` yields (per-grade values, group dims)."""
    parts = []
    for values, groups in kind_values:
        if values.empty:
            continue
        values, auto_names = one_automatic_grader(values)
        if pool:
            values = pd.concat([values, values.assign(graders="any")], ignore_index=True)
        items = item_values(values, groups)
        rows = rate_rows(
            items, groups, confidence=confidence, grade_values=values,
            rater_bootstrap=rater_bootstrap, resamples=resamples, seed=seed,
        )  # fmt: skip
        if auto_names and not rows.empty:
            for index in rows.index[rows["graders"] == "auto"]:
                key = (
                    rows.at[index, "metric"],
                    rows.at[index, "model"],
                    rows.at[index, "baseline"],
                )
                if key in auto_names:
                    rows.at[index, "method"] += f"; automatic grader: {auto_names[key]}"
        parts.append(rows)
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[*COLUMNS, "p_adjusted"])
    return pd.concat(parts, ignore_index=True)


def items_for(
    values: pd.DataFrame,
    groups: Sequence[str],
    metric: str,
    model: str,
    baseline: str = "",
    group: str = ALL,
    graders: str = "human",
) -> pd.DataFrame:
    """The item values (prompt_id, value) of one row of the table: what a paired comparison
    of two rows resamples."""
    items = item_values(values[values["metric"] == metric], groups)
    mask = (
        (items["model"] == model)
        & (items["baseline"] == (baseline or ""))
        & (items["graders"] == graders)
    )
    if group != ALL:
        dimension, _, value = group.partition("=")
        mask &= items[dimension].astype(str) == value
    return items.loc[mask, ["prompt_id", "item_id", "value"]]


def statistics_table(
    frames: RunFrames,
    *,
    pool: bool = False,
    confidence: float = 0.95,
    rater_bootstrap: bool = False,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
    length_control: bool = False,
    ppi: bool = False,
) -> pd.DataFrame:
    """The whole long table of a set of runs: every kind's graded metrics (human and automatic
    grades apart; pooled rows too with `pool`) and the program-measured ones; with
    `length_control` the length-controlled win rates (a GLM per pair, bootstrapped: slower),
    with `ppi` the prediction-powered estimates where judge and human grades overlap."""
    from evalkit.kinds.base import all_kinds
    from evalkit.stats.frames import graders_first
    from evalkit.stats.measured import measured_table

    values = (
        (kind.grade_values(frames.kind(kind.name), frames), kind.groups) for kind in all_kinds()
    )
    graded = kind_rows(
        values, pool=pool, confidence=confidence, rater_bootstrap=rater_bootstrap,
        resamples=resamples, seed=seed,
    )  # fmt: skip
    measured = measured_table(frames, confidence=confidence, seed=seed, resamples=resamples)
    parts = [graded, measured]
    if getattr(frames, "run_dirs", None):
        from evalkit.suites.lmeval import lmeval_rows  # any lm-eval task scored in the runs

        parts.append(lmeval_rows(frames, confidence=confidence, resamples=resamples, seed=seed))
    if length_control:
        from evalkit.stats.length import length_controlled_rows

        parts.append(
            length_controlled_rows(frames, confidence=confidence, resamples=resamples, seed=seed)
        )
    if ppi:
        from evalkit.stats.ppi import ppi_rows

        parts.append(ppi_rows(frames, confidence=confidence))
    parts = [
        p[[c for c in p.columns if c in (*COLUMNS, "p_adjusted")]] for p in parts if not p.empty
    ]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return graders_first(pd.concat(parts, ignore_index=True))


def kind_values(frames: RunFrames, kind_name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """(per-grade values, group dims) of one kind: what `items_for` and paired comparisons read."""
    from evalkit.kinds.base import get_kind

    kind = get_kind(kind_name)
    return kind.grade_values(frames.kind(kind.name), frames), kind.groups
