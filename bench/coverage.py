"""Benchmark: coverage of the headline intervals over the full grid of rating designs.

    .venv/bin/python bench/coverage.py [--replications 1000] [--quick] [--workers N]
                                       [--two-way-replications 200] [--two-way-resamples 500]

Designs (`evalkit.testing.simulate`): n = 50, 200, 750 prompts; a headline rate p = 0.05, 0.1,
0.3, 0.5 (the violation rate; the side-by-side preference, ties as half); 1, 2, 3 raters per
item from a pool of 12 biased, noisy raters; 1 and 5 items per prompt; a fixed pool (the same
raters every replication: the estimand is conditional on them) and a redrawn pool (new raters
every replication: the estimand is the rater population's).

Prints, per cell, the share of replications whose 95% interval from `evalkit.stats.engine`
covers the estimand: violation_rate, sxs_preference, sxs_win_rate; in redrawn-pool cells also
the two-way bootstrap over prompts and raters (`rater_bootstrap=True`), with fewer replications
and resamples (it is a Python loop per row). Then the false-pass rate of a non-inferiority gate
at its boundary. `*` marks a coverage outside 93–97%; `!` one outside that band by more than
two Monte Carlo standard errors (evidence of a real miss, not chance). Rates only; no asserts.
"""

from __future__ import annotations

import argparse
import itertools
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from evalkit.testing.simulate import (
    Design,
    coverage_grid,
    paired_differences,
    simulate_paired,
    sxs_truth,
)

METRICS = ("violation_rate", "sxs_preference", "sxs_win_rate")
BAND = (0.93, 0.97)


def grid(quick: bool) -> list[Design]:
    prompts = (50, 200) if quick else (50, 200, 750)
    raters = (1, 3) if quick else (1, 2, 3)
    return [
        Design(prompts=n, items_per_prompt=m, raters_per_item=k, pool=pool)
        for pool, n, k, m in itertools.product(("fixed", "redrawn"), prompts, raters, (1, 5))
    ]


def cost(design: Design) -> int:
    return design.prompts * design.items_per_prompt * design.raters_per_item


def coverage(
    designs: list[Design],
    targets: tuple[float, ...],
    replications: int,
    workers: int,
    *,
    two_way: bool = False,
    resamples: int = 2000,
) -> pd.DataFrame:
    """Coverage per (pool, prompts, items, raters, target, metric) and its replications."""
    cells = [
        (kind, design, target)
        for design in designs
        for target in targets
        for kind in ("safety", "sxs")
    ]
    cells.sort(key=lambda cell: -cost(cell[1]))  # the long cells first: the pool stays busy
    rows = coverage_grid(
        cells, replications, seed=20_240_601, workers=workers, rater_bootstrap=two_way,
        resamples=resamples,
    )  # fmt: skip
    keys = ["pool", "prompts", "items", "raters", "target", "metric"]
    return rows.groupby(keys)["covered"].agg(["mean", "size"]).reset_index()


def mark(rate: float, replications: int) -> str:
    if math.isnan(rate):
        return ""
    se = math.sqrt(0.95 * 0.05 / replications)
    if rate < BAND[0] - 2 * se or rate > BAND[1] + 2 * se:
        return "!"
    return "*" if not BAND[0] <= rate <= BAND[1] else ""


def noninferiority(args: tuple[Design, float, float, int, int, int]) -> dict[str, float]:
    """False-pass rate of a gate at its boundary: the candidate's violation rate is worse than
    the baseline's by exactly the margin; pass when the upper bound of candidate − baseline is
    ≤ margin (`evalkit.gates.decide`, direction at_most)."""
    design, baseline, margin, replications, resamples, seed = args
    sim = simulate_paired(design, baseline, margin, replications, seed)
    diffs = paired_differences(sim, resamples=resamples, seed=seed)
    truth = sim.truth["difference"]
    return {
        "prompts": design.prompts,
        "items": design.items_per_prompt,
        "raters": design.raters_per_item,
        "false_pass": float((diffs["high"] <= margin).mean()),
        "covers_difference": float(((diffs["low"] <= truth) & (truth <= diffs["high"])).mean()),
        "replications": replications,
    }


def print_table(default: pd.DataFrame, two_way: pd.DataFrame | None, reps: int, tw: int) -> None:
    table = default.pivot_table(
        index=["pool", "prompts", "items", "raters", "target"], columns="metric", values="mean"
    )
    if two_way is not None and not two_way.empty:
        extra = two_way.pivot_table(
            index=["pool", "prompts", "items", "raters", "target"], columns="metric", values="mean"
        )
        table = table.join(extra.add_prefix("2way:"), how="left")
    head = f"{'pool':8} {'n':>4} {'items':>5} {'raters':>6} {'p':>5} {'win*':>6}"
    columns = list(METRICS) + [f"2way:{m}" for m in METRICS if two_way is not None]
    for column in columns:
        head += f" {column.replace('sxs_', '').replace('_rate', ''):>14}"
    print(head)
    print("-" * len(head))
    for key, row in table.iterrows():
        pool, n, items, raters, p = key  # type: ignore[misc]
        design = Design(prompts=n, items_per_prompt=items, raters_per_item=raters, pool=pool)
        win = _win_truth(design, p)
        line = f"{pool:8} {n:>4} {items:>5} {raters:>6} {p:>5.2f} {win:>6.3f}"
        for column in columns:
            rate = row.get(column, float("nan"))
            count = tw if column.startswith("2way") else reps
            text = "" if math.isnan(rate) else f"{100 * rate:.1f}{mark(rate, count)}"
            line += f" {text:>14}"
        print(line)


def _win_truth(design: Design, preference: float) -> float:
    """The sxs_win_rate estimand of a cell whose preference is `preference`."""
    from evalkit.testing.simulate import calibrate, fixed_raters

    raters = fixed_raters(design) if design.pool == "fixed" else None
    return sxs_truth(design, calibrate("sxs", design, preference, raters), raters)["sxs_win_rate"]


def summary(default: pd.DataFrame, two_way: pd.DataFrame | None, reps: int, tw: int) -> None:
    print("\nsummary (share of cells; mean coverage):")
    parts = [("default", default, reps)]
    if two_way is not None:
        parts.append(("two-way", two_way, tw))
    for label, frame, count in parts:
        for (pool, metric), part in frame.groupby(["pool", "metric"]):
            rates = part["mean"]
            outside = ((rates < BAND[0]) | (rates > BAND[1])).mean()
            real = sum(mark(rate, count) == "!" for rate in rates) / len(rates)
            print(
                f"  {label:8} {pool:8} {metric:15} mean {100 * rates.mean():5.1f}%  "
                f"min {100 * rates.min():5.1f}%  outside 93-97: {100 * outside:4.0f}%  "
                f"beyond MC error: {100 * real:4.0f}%"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="a small grid, 100 replications")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--two-way-replications", type=int, default=None)
    parser.add_argument("--two-way-resamples", type=int, default=500)
    parser.add_argument("--noninferiority-replications", type=int, default=None)
    args = parser.parse_args()
    reps = 100 if args.quick and args.replications == 1000 else args.replications
    tw = args.two_way_replications or min(reps, 50 if args.quick else 200)
    ni_reps = args.noninferiority_replications or min(reps, 1000)
    targets = (0.05, 0.3) if args.quick else (0.05, 0.1, 0.3, 0.5)
    designs = grid(args.quick)
    start = time.perf_counter()
    print(
        f"coverage of 95% intervals: {len(designs) * len(targets)} cells x 2 kinds, {reps} "
        f"replications per cell (MC standard error at 95%: "
        f"{100 * math.sqrt(0.0475 / reps):.1f} pts); two-way bootstrap: {tw} replications x "
        f"{args.two_way_resamples} resamples per redrawn-pool cell (a Python loop per row: "
        f"fewer replications, MC error {100 * math.sqrt(0.0475 / tw):.1f} pts); "
        f"{args.workers} workers"
    )
    print(
        "p = the violation rate and the sxs preference of the cell; win* = the sxs_win_rate "
        "estimand. fixed pool: estimand given the pool's raters; redrawn: the population's "
        "(the default intervals are conditional on the raters, so they are expected to "
        "under-cover it).\n"
    )
    default = coverage(designs, targets, reps, args.workers)
    elapsed_default = time.perf_counter() - start
    redrawn = [d for d in designs if d.pool == "redrawn"]
    two_way = coverage(
        redrawn, targets, tw, args.workers, two_way=True, resamples=args.two_way_resamples
    )
    two_way = two_way[two_way["pool"] == "redrawn"]
    elapsed_two_way = time.perf_counter() - start - elapsed_default
    print_table(default, two_way, reps, tw)
    summary(default, two_way, reps, tw)

    margin, baseline, resamples = 0.05, 0.15, 1000
    ni_designs = [
        Design(prompts=n, items_per_prompt=m, raters_per_item=k, prompt_sd=1.5)
        for n, m, k in itertools.product((50, 200, 750), (1, 5), (1, 3))
    ]
    if args.quick:
        ni_designs = [d for d in ni_designs if d.prompts < 750]
    jobs = [(d, baseline, margin, ni_reps, resamples, 7 + i) for i, d in enumerate(ni_designs)]
    ni_start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        results = list(pool.map(noninferiority, jobs))
    print(
        f"\nnon-inferiority gate at its boundary (baseline violation rate {baseline:.2f}, "
        f"candidate worse by exactly the margin {margin:.2f}; paired prompt-level bootstrap, "
        f"{resamples} resamples, pass when the 95% upper bound ≤ margin; {ni_reps} replications; "
        f"a correct gate false-passes ≈ 2.5%, at most 5%):"
    )
    for row in results:
        print(
            f"  n={row['prompts']:>4} items={row['items']} raters={row['raters']}: false pass "
            f"{100 * row['false_pass']:4.1f}%  (interval covers the difference "
            f"{100 * row['covers_difference']:4.1f}%)"
        )
    elapsed = time.perf_counter() - start
    print(
        f"\ntook {elapsed:.0f} s (default intervals {elapsed_default:.0f} s, two-way bootstrap "
        f"{elapsed_two_way:.0f} s, non-inferiority {time.perf_counter() - ni_start:.0f} s)"
    )


if __name__ == "__main__":
    main()
