"""Benchmark: bootstrap intervals for side-by-side grades, fast vs naive, in the same run.

    .venv/bin/python bench/stats.py [--grades 100000] [--resamples 2000] [--naive-groups 3]
                                    [--naive-resamples 200] [--full-naive]

Workload: ~100,000 grades (3 raters per item) over 10 model pairs x 11 categories, 2,000
bootstrap resamples per comparison (110 comparisons, plus the 10 "all" rows).

- fast: `evalkit.stats.sxs.sxs_table` — the whole table (aggregation, multinomial bootstrap over
  unique per-prompt outcomes, sign test, Holm).
- naive: a loop of pandas resamples — for each comparison, resample its per-prompt outcome
  DataFrame with replacement (`DataFrame.sample(replace=True)`) and recompute the rates, once
  per resample. The naive loop gets the per-prompt aggregation for free (done once, untimed);
  only its resampling loop is timed. It takes minutes in full, so by default it runs on
  `--naive-groups` comparisons x `--naive-resamples` resamples and its per-resample cost is
  scaled to the full workload (`--full-naive` runs all of it).

Prints the times and the ratio; targets: ratio >= 20x and fast < 5 s.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd

from evalkit.records import CATEGORIES
from evalkit.stats.sxs import ALL, GROUP, item_outcomes, sxs_table
from evalkit.stats.synthetic import synthetic_sxs

MODELS = ("device-a", "device-b", "server-a", "server-b", "server-c")


def workload(grades: int, seed: int = 0) -> pd.DataFrame:
    pairs = list(itertools.combinations(MODELS, 2))  # 10 pairs
    raters = 3
    per_group = grades // (len(pairs) * len(CATEGORIES) * raters)
    return synthetic_sxs(
        pairs=pairs,
        categories=CATEGORIES,
        prompts_per_category=per_group,
        raters_per_item=raters,
        n_raters=40,
        p_win=0.42,
        p_tie=0.2,
        seed=seed,
    )


def per_prompt_outcomes(frame: pd.DataFrame) -> dict[tuple, pd.DataFrame]:
    """(comparison) -> per-prompt win / tie / loss counts: the naive loop's input."""
    items = item_outcomes(frame)
    items = pd.concat([items, items.assign(category=ALL)], ignore_index=True)
    items["win"] = items["outcome"] > 0
    items["tie"] = items["outcome"] == 0
    items["loss"] = items["outcome"] < 0
    clusters = items.groupby([*GROUP, "prompt_id"])[["win", "tie", "loss"]].sum().reset_index()
    return {key: group[["win", "tie", "loss"]] for key, group in clusters.groupby(GROUP)}


def naive_bootstrap(per_prompt: pd.DataFrame, resamples: int, seed: int) -> tuple[float, float]:
    """The loop the fast path replaces: one DataFrame resample per bootstrap draw."""
    rng = np.random.default_rng(seed)
    wins, nets = [], []
    for _ in range(resamples):
        sample = per_prompt.sample(n=len(per_prompt), replace=True, random_state=rng)
        totals = sample.sum()
        n = totals.sum()
        wins.append(totals["win"] / n)
        nets.append((totals["win"] - totals["loss"]) / n)
    low, high = np.quantile(wins, [0.025, 0.975])
    return float(low), float(high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grades", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--naive-groups", type=int, default=6)
    parser.add_argument("--naive-resamples", type=int, default=200)
    parser.add_argument("--full-naive", action="store_true")
    args = parser.parse_args()

    frame = workload(args.grades)
    n_pairs = frame.groupby(["model_a", "model_b"]).ngroups
    print(
        f"workload: {len(frame):,} grades, {frame['item_id'].nunique():,} items, "
        f"{n_pairs} model pairs x {frame['category'].nunique()} categories, "
        f"{args.resamples:,} resamples"
    )

    sxs_table(frame.head(3000), resamples=100)  # warm imports and caches
    start = time.perf_counter()
    table = sxs_table(frame, resamples=args.resamples, seed=1)
    fast_s = time.perf_counter() - start
    comparisons = len(table)
    print(f"fast (multinomial, whole table): {fast_s:.2f} s for {comparisons} comparisons")

    groups = per_prompt_outcomes(frame)
    keys = list(groups)
    step = max(1, len(keys) // max(1, args.naive_groups))  # spread over sizes ("all" is larger)
    chosen = keys if args.full_naive else keys[::step][: args.naive_groups]
    naive_resamples = args.resamples if args.full_naive else args.naive_resamples
    start = time.perf_counter()
    for i, key in enumerate(chosen):
        naive_bootstrap(groups[key], naive_resamples, seed=i)
    measured = time.perf_counter() - start
    per_draw = measured / (len(chosen) * naive_resamples)
    naive_s = per_draw * comparisons * args.resamples
    how = (
        "measured in full"
        if args.full_naive
        else f"measured {measured:.2f} s on {len(chosen)} comparisons x {naive_resamples} "
        f"resamples, {1000 * per_draw:.2f} ms per resample, scaled to "
        f"{comparisons} x {args.resamples}"
    )
    print(f"naive (pandas resampling loop): {naive_s:.1f} s ({how})")

    # both give the same interval (up to Monte Carlo noise) on a checked comparison
    key = chosen[0]
    row = table.set_index(GROUP).loc[key]
    naive_low, naive_high = naive_bootstrap(groups[key], args.resamples, seed=99)
    print(
        f"check {key[1]} vs {key[2]} / {key[3]}: fast win CI [{row['win_low']:.3f}, "
        f"{row['win_high']:.3f}], naive [{naive_low:.3f}, {naive_high:.3f}]"
    )
    ratio = naive_s / fast_s
    print(f"ratio naive / fast: {ratio:.0f}x (target >= 20x); fast {fast_s:.2f} s (target < 5 s)")
    ok = ratio >= 20 and fast_s < 5
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
