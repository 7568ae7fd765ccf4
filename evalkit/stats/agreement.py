"""Rater agreement: Krippendorff's alpha, pairwise Cohen's kappa, gold accuracy, judge vs human.

- **Alpha** (`krippendorff` package) over the items with at least two human grades: ordinal on
  the side-by-side scale (−2…2, in model terms) and on summarization ratings (poor < neutral <
  good), nominal for safety violations. Its 95% interval is a bootstrap over items.
- **Cohen's kappa** (`statsmodels`) for each pair of human raters sharing enough items, on the
  label the statistics decide with: the side-by-side *direction* (win / tie / loss; raters may
  fairly differ on "slightly" vs "much"), the violation verdict, the summary's class.
- **Gold accuracy** per human rater: the share of gold items answered as the gold answer says
  (same direction / verdict / class), with a Wilson interval.
- **Judge vs human** on items graded by both: each automatic grader's label against the humans'
  item label (the same aggregation rules as the statistics), agreement rate (Wilson) and kappa.
"""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from evalkit.rubrics import SUMMARY_DIMENSIONS, SummarizationRubric
from evalkit.stats.bootstrap import rng_for
from evalkit.stats.frames import normalize
from evalkit.stats.proportions import rate_row
from evalkit.stats.summarization import grade_classes, summarization_items

SXS_DOMAIN = [-2, -1, 0, 1, 2]
RATING_ORDER = {"poor": 0, "neutral": 1, "good": 2}
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


# ---------------------------------------------------------------- Krippendorff's alpha


def alpha(
    frame: pd.DataFrame,
    value: str,
    level: str,
    domain: list,
    *,
    resamples: int = 500,
    seed: int | np.random.Generator | None = None,
) -> dict[str, float]:
    """Alpha of column `value` over items (rows: one grade each), with a bootstrap interval."""
    counts = pd.crosstab(frame["item_id"], frame[value]).reindex(columns=domain, fill_value=0)
    counts = counts[counts.sum(axis=1) >= 2]
    out = {
        "alpha": float("nan"),
        "low": float("nan"),
        "high": float("nan"),
        "n_items": len(counts),
        "n_raters": int(frame.loc[frame["item_id"].isin(counts.index), "rater_id"].nunique()),
        "n_grades": int(counts.to_numpy().sum()),
    }
    matrix = counts.to_numpy(dtype=float)
    if len(counts) < 2 or (matrix.sum(axis=0) > 0).sum() < 2:
        return out  # alpha is undefined without at least two values in use
    kwargs = {"value_domain": domain, "level_of_measurement": level}
    out["alpha"] = float(krippendorff.alpha(value_counts=matrix, **kwargs))
    if resamples:
        rng = rng_for(seed)
        n = len(matrix)
        draws = []
        for weights in rng.multinomial(n, np.full(n, 1 / n), size=resamples):
            sample = np.repeat(matrix, weights, axis=0)
            if (sample.sum(axis=0) > 0).sum() >= 2:
                draws.append(krippendorff.alpha(value_counts=sample, **kwargs))
        if draws:
            out["low"], out["high"] = (float(v) for v in np.quantile(draws, [0.025, 0.975]))
    return out


def alpha_table(
    sxs: pd.DataFrame | None = None,
    safety: pd.DataFrame | None = None,
    summarization: pd.DataFrame | None = None,
    *,
    resamples: int = 500,
    seed: int | np.random.Generator | None = None,
    rubric: SummarizationRubric | None = None,
) -> pd.DataFrame:
    """Alpha among human raters for each kind of grades given."""
    rng = rng_for(seed)
    rows = []
    if sxs is not None and not sxs.empty:
        humans = _humans(normalize(sxs, "sxs"))
        stats = alpha(humans, "score", "ordinal", SXS_DOMAIN, resamples=resamples, seed=rng)
        rows.append({"kind": "sxs", "measure": "preference scale", "level": "ordinal", **stats})
    if safety is not None and not safety.empty:
        humans = _humans(normalize(safety, "safety"))
        humans = humans.assign(v=humans["violation"].astype(int))
        stats = alpha(humans, "v", "nominal", [0, 1], resamples=resamples, seed=rng)
        rows.append({"kind": "safety", "measure": "violation", "level": "nominal", **stats})
    if summarization is not None and not summarization.empty:
        humans = _humans(grade_classes(summarization, rubric))
        for dim in [*SUMMARY_DIMENSIONS, "class"]:
            coded = humans.assign(v=humans[dim].map(RATING_ORDER))
            stats = alpha(coded, "v", "ordinal", [0, 1, 2], resamples=resamples, seed=rng)
            measure = "overall class" if dim == "class" else dim
            rows.append({"kind": "summarization", "measure": measure, "level": "ordinal", **stats})
    return pd.DataFrame(rows, columns=ALPHA_COLUMNS)


def _humans(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["grader"] == "human") & ~frame["is_gold"]]


# ---------------------------------------------------------------- labels per grade


def grade_labels(
    frame: pd.DataFrame, kind: str, rubric: SummarizationRubric | None = None
) -> pd.DataFrame:
    """item_id, rater_id, grader, is_gold, label: the label each grade decides with."""
    if kind == "sxs":
        frame = normalize(frame, "sxs")
        label = np.sign(frame["score"]).astype(int)
    elif kind == "safety":
        frame = normalize(frame, "safety")
        label = frame["violation"].astype(int)
    else:
        frame = grade_classes(frame, rubric)
        label = frame["class"]
    return frame[["item_id", "rater_id", "grader", "is_gold"]].assign(label=label)


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


CATEGORIES = {"sxs": [-1, 0, 1], "safety": [0, 1], "summarization": ["poor", "neutral", "good"]}


def pairwise_kappa(
    frame: pd.DataFrame,
    kind: str,
    min_shared: int = 10,
    rubric: SummarizationRubric | None = None,
) -> pd.DataFrame:
    """Cohen's kappa for every pair of human raters with at least `min_shared` shared items."""
    labels = grade_labels(frame, kind, rubric)
    labels = labels[(labels["grader"] == "human") & ~labels["is_gold"]]
    wide = labels.pivot_table(index="item_id", columns="rater_id", values="label", aggfunc="first")
    rows = []
    for r1, r2 in combinations(sorted(wide.columns), 2):
        both = wide[[r1, r2]].dropna()
        if len(both) < min_shared:
            continue
        stats = kappa(both[r1], both[r2], CATEGORIES[kind])
        rows.append({"kind": kind, "rater_1": r1, "rater_2": r2, "n_shared": len(both), **stats})
    return pd.DataFrame(rows, columns=KAPPA_COLUMNS)


# ---------------------------------------------------------------- gold and judges


def gold_accuracy(
    frame: pd.DataFrame, kind: str, rubric: SummarizationRubric | None = None
) -> pd.DataFrame:
    """Per human rater: gold items answered as the gold answer says, with a Wilson interval."""
    gold_column = {"sxs": "gold_score", "safety": "gold_violation", "summarization": "gold_class"}
    frame = normalize(frame, kind)
    gold = frame[frame["is_gold"] & frame[gold_column[kind]].notna() & (frame["grader"] == "human")]
    if gold.empty:
        return pd.DataFrame(columns=["kind", "rater_id", "k", "n", "rate", "low", "high"])
    labels = grade_labels(gold, kind, rubric)["label"]
    expected = gold[gold_column[kind]]
    if kind == "sxs":
        expected = np.sign(expected.astype(float)).astype(int)
    elif kind == "safety":
        expected = expected.astype(bool).astype(int)
    correct = (labels.to_numpy() == expected.to_numpy()).astype(int)
    rows = []
    for rater, hits in pd.Series(correct, index=gold["rater_id"].to_numpy()).groupby(level=0):
        rows.append({"kind": kind, "rater_id": rater, **rate_row(int(hits.sum()), len(hits))})
    return pd.DataFrame(rows)


def _human_item_labels(
    frame: pd.DataFrame, kind: str, rubric: SummarizationRubric | None
) -> pd.Series:
    """The humans' label per item by the statistics' aggregation rule."""
    if kind == "sxs":
        humans = normalize(frame, "sxs")
        humans = humans[humans["grader"] == "human"]
        return np.sign(humans.groupby("item_id")["score"].mean()).astype(int)
    if kind == "safety":
        humans = normalize(frame, "safety")
        humans = humans[humans["grader"] == "human"]
        return (humans.groupby("item_id")["violation"].mean() >= 0.5).astype(int)
    items = summarization_items(frame, rubric)
    items = items[items["graders"] == "human"]
    return items.set_index("item_id")["class"]


def judge_agreement(
    frame: pd.DataFrame, kind: str, rubric: SummarizationRubric | None = None
) -> pd.DataFrame:
    """Each automatic grader against the humans on the items both graded."""
    labels = grade_labels(frame, kind, rubric)
    human = _human_item_labels(frame, kind, rubric)
    judges = labels[labels["grader"] == "auto"]
    rows = []
    for judge, group in judges.groupby("rater_id"):
        group = group[group["item_id"].isin(human.index)].drop_duplicates("item_id")
        if group.empty:
            continue
        theirs = group.set_index("item_id")["label"]
        ours = human.loc[theirs.index]
        agree = int((theirs.to_numpy() == ours.to_numpy()).sum())
        stats = kappa(theirs, ours, CATEGORIES[kind])
        rows.append(
            {
                "kind": kind,
                "judge": judge,
                **rate_row(agree, len(theirs)),
                "kappa": stats["kappa"],
                "kappa_low": stats["low"],
                "kappa_high": stats["high"],
            }
        )
    columns = ["kind", "judge", "k", "n", "rate", "low", "high", "kappa", "kappa_low", "kappa_high"]
    return pd.DataFrame(rows, columns=columns)
