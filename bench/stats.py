"""Benchmark: the side-by-side long table, evalkit's engine vs a naive pandas loop, same run.

    .venv/bin/python bench/stats.py [--grades 100000] [--naive-rows 20]

Workload: ~100,000 grades (3 raters per item) over 10 model pairs x 14 categories. Both sides
compute the same rows (every sxs metric, both orientations, each category and "all", human
grades): per-item means over raters, then the clustered (by prompt) design-effect Wilson
interval.

- engine: `evalkit.stats.engine.kind_rows` on the kind's per-grade values (the whole table);
- naive: for each row, filter the grade frame with boolean masks, group by item, then by
  prompt, and compute the same interval: what a straightforward pandas script does. It runs on
  `--naive-rows` rows and its per-row time is scaled to the full table.

Prints both times and the ratio (engine faster = ratio > 1); no asserts.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd

from evalkit.kinds import get_kind
from evalkit.records import CATEGORIES
from evalkit.stats.engine import kind_rows
from evalkit.stats.estimate import clustered_rate

MODELS = ("device-a", "device-b", "server-a", "server-b", "server-c")


def workload(grades: int, seed: int = 0) -> pd.DataFrame:
    """An sxs grade frame: each pair and category gets items on their own prompts, 3 raters."""
    rng = np.random.default_rng(seed)
    pairs = list(itertools.combinations(MODELS, 2))
    raters = 3
    per_group = max(1, grades // (len(pairs) * len(CATEGORIES) * raters))
    rows = []
    for (a, b), category in itertools.product(pairs, CATEGORIES):
        for i in range(per_group):
            item = f"{a}|{b}|{category}|{i}"
            prompt = f"{category}-{i // 2}"  # two items per prompt: clustering matters
            for r in range(raters):
                rows.append((item, prompt, f"rater{r}", category, a, b, int(rng.integers(-2, 3))))
    frame = pd.DataFrame(
        rows,
        columns=["item_id", "prompt_id", "rater_id", "category", "model_a", "model_b", "score"],
    )
    return frame.assign(grader="human", is_gold=False, gold_correct=None)


def naive_row(values: pd.DataFrame, metric: str, model: str, baseline: str, category: str | None):
    mask = (values["metric"] == metric) & (values["model"] == model)
    mask &= values["baseline"] == baseline
    if category is not None:
        mask &= values["category"] == category
    part = values[mask]
    items = part.groupby("item_id").agg(value=("value", "mean"), prompt=("prompt_id", "first"))
    return clustered_rate(items["value"].to_numpy(), items["prompt"].to_numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grades", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=20)
    args = parser.parse_args()
    kind = get_kind("sxs")
    grades = workload(args.grades)
    values = kind.grade_values(grades)
    print(f"{len(grades):,} grades, {len(values):,} per-grade values")

    started = time.perf_counter()
    table = kind_rows([(values, kind.groups)])
    engine_s = time.perf_counter() - started
    rows = table[table["graders"] == "human"]
    print(f"engine: {len(rows):,} rows in {engine_s:.2f} s")

    headline = rows[~rows["metric"].str.endswith("_majority")]  # the naive loop has no item rule
    keys = headline[["metric", "model", "baseline", "group"]].drop_duplicates()
    sample = keys.sample(min(args.naive_rows, len(keys)), random_state=0)
    started = time.perf_counter()
    for metric, model, baseline, group in sample.itertuples(index=False):
        category = None if group == "all" else group.split("=", 1)[1]
        naive_row(values, metric, model, baseline, category)
    per_row = (time.perf_counter() - started) / len(sample)
    naive_s = per_row * len(rows)
    print(f"naive: {per_row * 1000:.0f} ms per row x {len(rows):,} rows = {naive_s:.1f} s (scaled)")
    print(f"ratio naive / engine: {naive_s / engine_s:.1f}x")


if __name__ == "__main__":
    main()
