"""Summarization: good / neutral / poor ratios per model and use case, with Wilson intervals.

Rules (also in the report's methodology):

- **One grade → one class** by the rubric's five-dimension rule (`SummarizationRubric.classify`
  from `rubrics/summarization.yaml`): poor when any dimension is poor, good when every dimension
  is good, neutral otherwise.
- **Raters per item.** The item's class is the most common class among its raters; a tie goes
  to the worse class (poor before neutral before good), so doubt never flatters a model.
- **Intervals.** Items are independent draws: Wilson.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from evalkit.errors import UserError
from evalkit.rubrics import SUMMARY_DIMENSIONS, SummarizationRubric
from evalkit.stats.frames import graders_first, normalize
from evalkit.stats.proportions import wilson_interval

ALL = "all"
CLASSES = ("good", "neutral", "poor")
SEVERITY = {"poor": 0, "neutral": 1, "good": 2}  # the worse class wins a tie


def default_rubric() -> SummarizationRubric | None:
    """The project's summarization rubric, or None when `rubrics/summarization.yaml` is absent."""
    from evalkit.paths import RUBRICS_DIR
    from evalkit.rubrics import load_rubric

    if not (RUBRICS_DIR / "summarization.yaml").exists():
        return None
    rubric = load_rubric("summarization")
    assert isinstance(rubric, SummarizationRubric)
    return rubric


def classifier(rubric: SummarizationRubric | None) -> Callable[[dict[str, str]], str]:
    """The rubric's rule; without a rubric file, the same documented rule over the five
    dimensions (so exports can be analysed outside a project)."""
    if rubric is not None:
        return rubric.classify

    def classify(ratings: dict[str, str]) -> str:
        values = [ratings[d] for d in SUMMARY_DIMENSIONS]
        if "poor" in values:
            return "poor"
        return "good" if all(v == "good" for v in values) else "neutral"

    return classify


def grade_classes(frame: pd.DataFrame, rubric: SummarizationRubric | None = None) -> pd.DataFrame:
    """The frame with a `class` column: each grade classified by the rubric's rule."""
    frame = normalize(frame, "summarization")
    classify = classifier(rubric)
    dims = [d.id for d in rubric.dimensions] if rubric else list(SUMMARY_DIMENSIONS)
    missing = [d for d in dims if d not in frame.columns]
    if missing:
        raise UserError(f"summarization grades lack the rubric's dimension(s) {', '.join(missing)}")
    out = frame.copy()
    out["class"] = [
        classify(dict(zip(dims, row, strict=True))) for row in frame[dims].itertuples(False)
    ]
    return out


def _majority(classes: pd.Series) -> str:
    counts = classes.value_counts()
    best = counts[counts == counts.max()].index
    return min(best, key=SEVERITY.__getitem__)


def summarization_items(
    frame: pd.DataFrame, rubric: SummarizationRubric | None = None, pool_graders: bool = False
) -> pd.DataFrame:
    """One row per (graders, item) with its class by the majority rule (ties: the worse)."""
    graded = grade_classes(frame, rubric)
    graded = graded[~graded["is_gold"]]
    graded = graded.assign(graders="any" if pool_graders else graded["grader"])
    graded["use_case"] = graded["use_case"].fillna("unknown").astype(str)
    keys = ["graders", "model", "use_case", "item_id", "prompt_id"]
    return (
        graded.groupby(keys, sort=False, observed=True)
        .agg(**{"class": ("class", _majority), "n_grades": ("class", "size")})
        .reset_index()
    )


def summarization_table(
    frame: pd.DataFrame,
    rubric: SummarizationRubric | None = None,
    by: str = "use_case",
    pool_graders: bool = False,
) -> pd.DataFrame:
    """good / neutral / poor ratios, 95% intervals, per (graders, model, `by`), "all" included."""
    items = summarization_items(frame, rubric, pool_graders)
    if by != "use_case":
        extra = normalize(frame, "summarization").groupby("item_id")[by].first()
        items[by] = items["item_id"].map(extra).fillna("unknown").astype(str)
    items = pd.concat([items, items.assign(**{by: ALL})], ignore_index=True)
    rows = []
    for key, group in items.groupby(["graders", "model", by], sort=True, observed=True):
        n = len(group)
        row = dict(zip(["graders", "model", by], key, strict=True))
        row["n_items"] = n
        for name in CLASSES:
            k = int((group["class"] == name).sum())
            low, high = wilson_interval(k, n)
            row.update({name: k, f"{name}_rate": k / n, f"{name}_low": low, f"{name}_high": high})
        rows.append(row)
    columns = ["graders", "model", by, "n_items"] + [
        f"{c}{s}" for c in CLASSES for s in ("", "_rate", "_low", "_high")
    ]
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    order = {v: i for i, v in enumerate(sorted(set(table[by]) - {ALL}))} | {ALL: 10**6}
    table = table.assign(_o=table[by].map(order)).sort_values(["graders", "model", "_o"])
    return graders_first(table.drop(columns="_o").reset_index(drop=True))
