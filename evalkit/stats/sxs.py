"""Side-by-side statistics: win / tie / loss per (candidate, baseline, category).

Rules (also printed in the report's methodology):

- **Orientation.** Scores are turned to the candidate's view: positive = the candidate's
  response preferred. With candidates named, a comparison is oriented towards the named model;
  otherwise towards the pair's `model_a` (the planner's candidate), taking for each pair of
  models the one that is `model_a` most often.
- **Raters per item.** An item (one prompt, one response of each model) gets the *mean* of its
  raters' scores; the sign of that mean is the item's outcome: win (> 0), tie (= 0) or loss
  (< 0). A mean, not a majority, because it keeps "much better" stronger than "slightly
  better" and never needs a tie-break between an even split of raters.
- **Gold items** (planted quality checks) are left out of model statistics.
- **Human and automatic grades** are never mixed: every row carries `graders` (human | auto).
- **Intervals.** 95% percentile bootstrap over *prompts* (the sampling unit; several samples of
  one prompt move together), with the multinomial trick of `evalkit.stats.bootstrap`. When a
  fraction is 0 or 1 the bootstrap has no spread, so that fraction gets a Wilson interval.
- **Significance.** Two-sided sign test (`scipy.stats.binomtest`, p = 0.5) on the non-tied
  items, then Holm correction across every row (all pairs and categories, "all" included) of
  one grader kind (`statsmodels` `multipletests`).
- **Net preference** = win rate − loss rate, in [−1, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests

from evalkit.errors import UserError
from evalkit.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    group_rng,
    percentile_interval,
    resampled_sums,
)
from evalkit.stats.frames import graders_first, normalize
from evalkit.stats.proportions import rate_row

ALL = "all"
GROUP = ["graders", "candidate", "baseline", "category"]
SXS_TABLE_COLUMNS = [
    *GROUP,
    "n_items",
    "n_prompts",
    "n_grades",
    "n_raters",
    "wins",
    "ties",
    "losses",
    "win_rate",
    "win_low",
    "win_high",
    "tie_rate",
    "tie_low",
    "tie_high",
    "loss_rate",
    "loss_low",
    "loss_high",
    "net",
    "net_low",
    "net_high",
    "p_value",
    "p_holm",
    "significant",
]


def orient(
    frame: pd.DataFrame, candidates: Sequence[str] | None = None, pool_graders: bool = False
) -> pd.DataFrame:
    """Rows with `candidate`, `baseline` and `pref` (the score from the candidate's view).

    With `candidates`, rows comparing none of them are dropped; a candidate-vs-candidate row is
    oriented towards the one named first.
    """
    frame = normalize(frame, "sxs")
    a, b = frame["model_a"].astype(str), frame["model_b"].astype(str)
    if candidates:
        rank = {name: i for i, name in enumerate(candidates)}
        a_rank = a.map(rank).fillna(np.inf)
        b_rank = b.map(rank).fillna(np.inf)
        keep = (a_rank < np.inf) | (b_rank < np.inf)
        a_first = a_rank <= b_rank
    else:
        keep = pd.Series(True, index=frame.index)
        a_first = _majority_orientation(a, b)
    out = frame.loc[keep].copy()
    a_first = a_first[keep]
    out["candidate"] = np.where(a_first, out["model_a"], out["model_b"])
    out["baseline"] = np.where(a_first, out["model_b"], out["model_a"])
    out["pref"] = np.where(a_first, out["score"], -out["score"])
    out["graders"] = "any" if pool_graders else out["grader"]
    out["category"] = out["category"].fillna("uncategorized").astype(str)
    return out


def _majority_orientation(a: pd.Series, b: pd.Series) -> pd.Series:
    """True where model_a is the pair's usual model_a (ties broken by name)."""
    a_is_low = (a <= b).to_numpy()
    low = np.where(a_is_low, a, b)
    high = np.where(a_is_low, b, a)
    share = pd.Series(a_is_low.astype(float)).groupby([low, high]).transform("mean")
    low_first = share.to_numpy() >= 0.5
    return pd.Series(np.where(low_first, a_is_low, ~a_is_low), index=a.index)


def item_outcomes(
    frame: pd.DataFrame, candidates: Sequence[str] | None = None, pool_graders: bool = False
) -> pd.DataFrame:
    """One row per (graders, item): mean oriented score, its sign (`outcome`), rater count."""
    return _items(orient(frame, candidates, pool_graders))


def _items(oriented: pd.DataFrame) -> pd.DataFrame:
    oriented = oriented[~oriented["is_gold"]]
    keys = [*GROUP, "prompt_id", "item_id"]
    items = (
        oriented.groupby(keys, sort=False, observed=True)
        .agg(mean_score=("pref", "mean"), n_grades=("pref", "size"))
        .reset_index()
    )
    items["outcome"] = np.sign(items["mean_score"]).astype("int64")
    return items


def sxs_table(
    frame: pd.DataFrame,
    candidates: Sequence[str] | None = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
    overall: bool = True,
    pool_graders: bool = False,
) -> pd.DataFrame:
    """Win / tie / loss with intervals, sign test and Holm, per (graders, candidate, baseline,
    category), plus a category "all" row per pair when `overall`.

    Each comparison's bootstrap draws from its own generator (seed + comparison), so its interval
    does not depend on the other rows. `pool_graders` puts humans' and automatic grades in one
    group labelled "any" (only when asked for explicitly).
    """
    oriented = orient(frame, candidates, pool_graders=pool_graders)
    items = _items(oriented)
    if items.empty:
        return pd.DataFrame(columns=SXS_TABLE_COLUMNS)
    if overall:
        items = pd.concat([items, items.assign(category=ALL)], ignore_index=True)
        oriented = pd.concat([oriented, oriented.assign(category=ALL)], ignore_index=True)
    items["win"] = (items["outcome"] > 0).astype("int64")
    items["tie"] = (items["outcome"] == 0).astype("int64")
    items["loss"] = (items["outcome"] < 0).astype("int64")
    clusters = (
        items.groupby([*GROUP, "prompt_id"], sort=True, observed=True)[["win", "tie", "loss"]]
        .sum()
        .reset_index()
    )
    human_counts = (
        oriented[~oriented["is_gold"]]
        .groupby(GROUP, observed=True)
        .agg(n_grades=("pref", "size"), n_raters=("rater_id", "nunique"))
    )
    rows = []
    for key, group in clusters.groupby(GROUP, sort=True, observed=True):
        values = group[["win", "tie", "loss"]].to_numpy()
        row = dict(zip(GROUP, key, strict=True))
        row.update(_group_stats(values, resamples, group_rng(seed, key), confidence))
        row.update(human_counts.loc[key].to_dict())
        rows.append(row)
    table = pd.DataFrame(rows)
    table = _add_holm(table)
    table["category"] = pd.Categorical(
        table["category"], categories=_category_order(table["category"]), ordered=True
    )
    table = table.sort_values(GROUP).reset_index(drop=True)
    table["category"] = table["category"].astype(str)
    return graders_first(table[SXS_TABLE_COLUMNS])


def _category_order(categories: pd.Series) -> list[str]:
    names = sorted(set(categories) - {ALL})
    return [*names, ALL] if ALL in set(categories) else names


def _group_stats(
    values: np.ndarray, resamples: int, rng: np.random.Generator, confidence: float
) -> dict[str, float]:
    """Point estimates and intervals for one comparison from per-prompt (win, tie, loss) sums."""
    totals = values.sum(axis=0)
    n = int(totals.sum())
    wins, ties, losses = (int(v) for v in totals)
    with_n = np.column_stack([values, values.sum(axis=1)])
    sums = resampled_sums(with_n, resamples, rng)
    fractions = sums[:, :3] / sums[:, 3:4]
    net_draws = fractions[:, 0] - fractions[:, 2]
    low, high = percentile_interval(np.column_stack([fractions, net_draws]), confidence)
    out: dict[str, float] = {
        "n_items": n,
        "n_prompts": int(values.shape[0]),
        "wins": wins,
        "ties": ties,
        "losses": losses,
    }
    wilson = []
    for i, (name, k) in enumerate((("win", wins), ("tie", ties), ("loss", losses))):
        out[f"{name}_rate"] = k / n
        wilson_row = rate_row(k, n, confidence)
        w_low, w_high = wilson_row["low"], wilson_row["high"]
        wilson.append((w_low, w_high))
        degenerate = k in (0, n)
        out[f"{name}_low"] = w_low if degenerate else float(low[i])
        out[f"{name}_high"] = w_high if degenerate else float(high[i])
    out["net"] = (wins - losses) / n
    if np.ptp(net_draws) == 0:
        out["net_low"] = wilson[0][0] - wilson[2][1]
        out["net_high"] = wilson[0][1] - wilson[2][0]
    else:
        out["net_low"], out["net_high"] = float(low[3]), float(high[3])
    decided = wins + losses
    out["p_value"] = float(binomtest(wins, decided, 0.5).pvalue) if decided else float("nan")
    return out


def _add_holm(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Holm-adjusted p-values across the rows of each grader kind."""
    table["p_holm"] = np.nan
    for _, index in table.groupby("graders").groups.items():
        p = table.loc[index, "p_value"]
        tested = p.notna()
        if tested.any():
            _, adjusted, _, _ = multipletests(p[tested].to_numpy(), alpha=alpha, method="holm")
            table.loc[p[tested].index, "p_holm"] = adjusted
    table["significant"] = table["p_holm"] < alpha
    return table


def pair_frame(
    frame: pd.DataFrame, candidate: str, baseline: str, category: str | None = None
) -> pd.DataFrame:
    """The grades of one comparison (either orientation), optionally of one category."""
    frame = normalize(frame, "sxs")
    pair = ((frame["model_a"] == candidate) & (frame["model_b"] == baseline)) | (
        (frame["model_a"] == baseline) & (frame["model_b"] == candidate)
    )
    out = frame[pair]
    if category and category != ALL:
        out = out[out["category"] == category]
    return out


def check_candidate(frame: pd.DataFrame, candidate: str) -> None:
    """A named candidate must appear in the grades, or the user mistyped it."""
    models = set(frame["model_a"].astype(str)) | set(frame["model_b"].astype(str))
    if candidate not in models:
        raise UserError(
            f"candidate {candidate!r} is not in the grades (models: {', '.join(sorted(models))})"
        )
