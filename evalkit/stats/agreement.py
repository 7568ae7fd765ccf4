"""Rater agreement, for every grading kind through its `agreement_measures`.

- **Alpha** (`krippendorff`) per measure over the items with at least two human grades, at the
  measure's level (ordinal scale, nominal verdict...), with a bootstrap interval over items.
- **Cohen's kappa** (`statsmodels`) for each pair of human raters sharing enough items, on the
  kind's primary measure (the label the statistics decide with).
- **Gold accuracy** per human rater: the share of gold items answered as the gold answer says
  (the kind's gold rule, `gold_correct` in the grade frame), with a Wilson interval.
- **Judge vs human** on items graded by both: each automatic grader's primary label against the
  humans' most common label on the item (items the humans split evenly are left out).
"""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from evalkit.kinds.base import GradingKind, Measure
from evalkit.stats.bootstrap import rng_for
from evalkit.stats.proportions import rate_row

ALPHA_COLUMNS = [
    "kind",
    "measure",
    "level",
    "alpha",
    "low",
    "high",
    "n_items",
    "n_raters",
    "n_grades",
]
KAPPA_COLUMNS = ["kind", "rater_1", "rater_2", "n_shared", "kappa", "low", "high", "agreement"]
GOLD_COLUMNS = ["kind", "rater_id", "k", "n", "rate", "low", "high"]
JUDGE_COLUMNS = [
    "kind",
    "judge",
    "k",
    "n",
    "rate",
    "low",
    "high",
    "kappa",
    "kappa_low",
    "kappa_high",
]


def alpha(
    coded: pd.DataFrame,
    measure: Measure,
    *,
    resamples: int = 500,
    seed: int | np.random.Generator | None = None,
) -> dict[str, float]:
    """Alpha of the coded `value` over items (rows: one grade each), with a bootstrap interval."""
    domain = list(measure.domain)
    counts = pd.crosstab(coded["item_id"], coded["value"]).reindex(columns=domain, fill_value=0)
    counts = counts[counts.sum(axis=1) >= 2]
    out = {
        "alpha": float("nan"),
        "low": float("nan"),
        "high": float("nan"),
        "n_items": len(counts),
        "n_raters": int(coded.loc[coded["item_id"].isin(counts.index), "rater_id"].nunique()),
        "n_grades": int(counts.to_numpy().sum()),
    }
    matrix = counts.to_numpy(dtype=float)
    if len(counts) < 2 or (matrix.sum(axis=0) > 0).sum() < 2:
        return out  # alpha is undefined without at least two values in use
    level = "interval" if measure.level == "interval" else measure.level

    def alpha(value_counts: np.ndarray) -> float:
        return krippendorff.alpha(
            value_counts=value_counts, value_domain=domain, level_of_measurement=level
        )

    out["alpha"] = float(alpha(matrix))
    if resamples:
        rng = rng_for(seed)
        n = len(matrix)
        draws = []
        for weights in rng.multinomial(n, np.full(n, 1 / n), size=resamples):
            sample = np.repeat(matrix, weights, axis=0)
            if (sample.sum(axis=0) > 0).sum() >= 2:
                draws.append(alpha(sample))
        if draws:
            out["low"], out["high"] = (float(v) for v in np.quantile(draws, [0.025, 0.975]))
    return out


def _humans(coded: pd.DataFrame) -> pd.DataFrame:
    return coded[coded["grader"] == "human"]


def alpha_table(
    kind: GradingKind,
    grades: pd.DataFrame,
    rubric: object,
    *,
    resamples: int = 500,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Alpha among human raters for every measure of a kind."""
    rng = rng_for(seed)
    rows = []
    if not grades.empty:
        for measure, coded in kind.agreement_measures(grades, rubric):
            stats = alpha(_humans(coded), measure, resamples=resamples, seed=rng)
            rows.append(
                {"kind": kind.name, "measure": measure.name, "level": measure.level, **stats}
            )
    return pd.DataFrame(rows, columns=ALPHA_COLUMNS)


def primary(
    kind: GradingKind, grades: pd.DataFrame, rubric: object
) -> tuple[Measure, pd.DataFrame]:
    """The kind's primary measure and its coded grades."""
    for measure, coded in kind.agreement_measures(grades, rubric):
        if measure.primary:
            return measure, coded
    raise ValueError(f"kind {kind.name} has no primary agreement measure")


def kappa(labels_1: pd.Series, labels_2: pd.Series, categories: list) -> dict[str, float]:
    """Cohen's kappa of two aligned label series, with its asymptotic 95% interval."""
    table = pd.crosstab(labels_1, labels_2).reindex(
        index=categories, columns=categories, fill_value=0
    )
    n = int(table.to_numpy().sum())
    agreement = float(np.trace(table.to_numpy()) / n) if n else float("nan")
    out = {"kappa": float("nan"), "low": float("nan"), "high": float("nan"), "agreement": agreement}
    marginal_1, marginal_2 = table.sum(axis=1), table.sum(axis=0)
    expected = float((marginal_1 * marginal_2).sum()) / n**2 if n else 1.0
    if n and expected < 1:
        with np.errstate(invalid="ignore", divide="ignore"):  # z-value of a tiny table
            result = cohens_kappa(table.to_numpy())
        out.update(
            kappa=float(result.kappa), low=float(result.kappa_low), high=float(result.kappa_upp)
        )
    return out


def pairwise_kappa(
    kind: GradingKind, grades: pd.DataFrame, rubric: object, min_shared: int = 10
) -> pd.DataFrame:
    """Cohen's kappa for every pair of human raters with at least `min_shared` shared items."""
    if grades.empty:
        return pd.DataFrame(columns=KAPPA_COLUMNS)
    measure, coded = primary(kind, grades, rubric)
    coded = _humans(coded)
    wide = coded.pivot_table(index="item_id", columns="rater_id", values="value", aggfunc="first")
    rows = []
    for r1, r2 in combinations(sorted(wide.columns), 2):
        both = wide[[r1, r2]].dropna()
        if len(both) < min_shared:
            continue
        stats = kappa(both[r1], both[r2], list(measure.domain))
        rows.append(
            {"kind": kind.name, "rater_1": r1, "rater_2": r2, "n_shared": len(both), **stats}
        )
    return pd.DataFrame(rows, columns=KAPPA_COLUMNS)


def gold_accuracy(kind: GradingKind, grades: pd.DataFrame) -> pd.DataFrame:
    """Per human rater: gold items answered as the gold answer says, with a Wilson interval."""
    if grades.empty:
        return pd.DataFrame(columns=GOLD_COLUMNS)
    gold = grades[grades["is_gold"].astype(bool) & grades["gold_correct"].notna()]
    gold = gold[gold["grader"] == "human"]
    rows = []
    for rater, hits in gold.groupby("rater_id")["gold_correct"]:
        correct = hits.astype(bool)
        rows.append(
            {"kind": kind.name, "rater_id": rater, **rate_row(int(correct.sum()), len(correct))}
        )
    return pd.DataFrame(rows, columns=GOLD_COLUMNS)


def human_item_labels(coded: pd.DataFrame) -> pd.Series:
    """The humans' most common label per item; items they split evenly are left out."""
    humans = _humans(coded)
    labels = {}
    for item, values in humans.groupby("item_id")["value"]:
        counts = values.value_counts()
        if len(counts) == 1 or counts.iloc[0] > counts.iloc[1]:
            labels[item] = counts.index[0]
    return pd.Series(labels, dtype=object)


def judge_agreement(kind: GradingKind, grades: pd.DataFrame, rubric: object) -> pd.DataFrame:
    """Each automatic grader against the humans on the items both graded."""
    if grades.empty:
        return pd.DataFrame(columns=JUDGE_COLUMNS)
    measure, coded = primary(kind, grades, rubric)
    human = human_item_labels(coded)
    rows = []
    for judge, group in coded[coded["grader"] == "auto"].groupby("rater_id"):
        group = group[group["item_id"].isin(human.index)].drop_duplicates("item_id")
        if group.empty:
            continue
        theirs = group.set_index("item_id")["value"]
        ours = human.loc[theirs.index]
        agree = int((theirs.to_numpy() == ours.to_numpy()).sum())
        stats = kappa(theirs, ours, list(measure.domain))
        rows.append(
            {
                "kind": kind.name, "judge": judge, **rate_row(agree, len(theirs)),
                "kappa": stats["kappa"], "kappa_low": stats["low"], "kappa_high": stats["high"],
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=JUDGE_COLUMNS)
