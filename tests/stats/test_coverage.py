"""Coverage of the headline intervals on simulated rating designs with a known estimand
(`evalkit.testing.simulate`): prompts with several items, biased and noisy raters drawn from a
pool, several raters per item, ties. Each test is built to fail when the statistics break:
estimates that move with the number of raters, intervals that ignore the prompt, a gate that
passes at its boundary, a p-value that contradicts its interval.

`bench/coverage.py` runs the full grid (1,000 replications per cell)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from evalkit.stats.estimate import clustered_rate
from evalkit.testing.simulate import (
    Design,
    calibrate,
    coverage_grid,
    coverage_rows,
    draw_raters,
    paired_differences,
    simulate,
    simulate_paired,
    truth,
)

HEADLINE = {"safety": ("violation_rate",), "sxs": ("sxs_preference", "sxs_win_rate")}
MAJORITY = {"safety": ("violation_rate_majority",), "sxs": ("sxs_win_rate_majority",)}


def binomial_slack(rate: float, replications: int, sds: float = 2.5) -> float:
    """How far a Monte Carlo rate may stray from `rate` by chance."""
    return sds * math.sqrt(rate * (1 - rate) / replications)


def test_the_simulators_truth_is_what_its_grades_average_to() -> None:
    """The estimand comes from the parameters, not the data: check it against a large sample
    of the simulator's own grades (mean over items of the share of raters), both kinds."""
    design = Design(prompts=3000, items_per_prompt=2, raters_per_item=3)
    safety = simulate("safety", design, 0.12, 4, seed=1)
    items = safety.grades.groupby("item_id")["violation"].mean()
    assert items.mean() == pytest.approx(safety.truth["violation_rate"], abs=0.006)
    sxs = simulate("sxs", design, 0.35, 4, seed=2)
    score = sxs.grades["score"]
    shares = sxs.grades.assign(
        sxs_win_rate=(score > 0).astype(float),
        sxs_tie_rate=(score == 0).astype(float),
        sxs_preference=(score > 0) + (score == 0) / 2,
    )
    means = shares.groupby("item_id")[["sxs_win_rate", "sxs_tie_rate", "sxs_preference"]]
    for metric, value in means.mean().mean().items():
        assert value == pytest.approx(sxs.truth[metric], abs=0.006), metric
    # the redrawn pool's estimand (the rater population's) is a very large fixed pool's
    crowd = draw_raters(design.with_(pool_size=40_000), np.random.default_rng(3))
    for kind, target in (("safety", 0.12), ("sxs", 0.35)):
        location = calibrate(kind, design, target)
        population, large = (
            truth(kind, design, location, None),
            truth(kind, design, location, crowd),
        )
        for metric, value in population.items():
            assert large[metric] == pytest.approx(value, abs=0.004), (kind, metric)


def test_estimates_do_not_move_with_raters_per_item_but_majority_views_do() -> None:
    """1, 2 or 3 raters per item: the headline estimates agree in expectation (within Monte
    Carlo error) and sit on the truth; the majority views move. The same seed gives the same
    prompts and items for every number of raters, so the comparison is paired. (Side by side
    at a preference of 0.15: where more raters break ties, the sign of their mean moves.)"""
    replications, design = 80, Design(prompts=100, items_per_prompt=2)
    for kind, target in (("safety", 0.3), ("sxs", 0.15)):
        metrics = (*HEADLINE[kind], *MAJORITY[kind])
        runs = {
            k: coverage_rows(
                kind,
                design.with_(raters_per_item=k),
                target,
                replications,
                seed=21,
                metrics=metrics,
            ).pivot(index="model", columns="metric", values="estimate")
            for k in (1, 2, 3)
        }
        estimand = coverage_rows(kind, design, target, 1, seed=21).set_index("metric")["truth"]
        for k in (2, 3):
            shift = runs[k] - runs[1]
            mean, se = shift.mean(), shift.std() / math.sqrt(replications)
            for metric in HEADLINE[kind]:
                assert abs(mean[metric]) <= 4 * se[metric], (kind, k, metric, mean[metric])
                estimates = runs[k][metric]
                error = estimates.std() / math.sqrt(replications)
                assert abs(estimates.mean() - estimand[metric]) <= 4 * error, (kind, k, metric)
            for metric in MAJORITY[kind]:
                assert abs(mean[metric]) >= max(6 * se[metric], 0.01), (kind, k, metric)


@pytest.mark.slow
def test_headline_intervals_cover_across_rating_designs() -> None:
    """A grid of designs (prompts, rate, raters per item, items per prompt): every headline
    interval of the engine covers the estimand in at least 90% of 150 replications per cell,
    and 93–97% over the whole grid."""
    cells = [
        (kind, Design(prompts=n, items_per_prompt=m, raters_per_item=k), p)
        for kind in ("safety", "sxs")
        for n, p, k, m in itertools.product((50, 200), (0.05, 0.3), (1, 3), (1, 5))
    ]
    rows = coverage_grid(cells, 150, seed=1000, workers=2)
    keys = ["metric", "prompts", "target", "raters", "items"]
    coverage = rows.groupby(keys)["covered"].mean()
    print(coverage.unstack("metric").to_string())
    assert len(coverage) == 48
    low = coverage[coverage < 0.90]
    assert low.empty, low
    assert 0.93 <= rows["covered"].mean() <= 0.97


def test_ignoring_the_prompt_under_covers_and_our_interval_does_not() -> None:
    """Five items per prompt and strong prompt effects: Wilson on items as if independent
    (statsmodels) under-covers visibly; the engine's clustered interval does not. This is the
    failure the suite exists to see."""
    design = Design(prompts=100, items_per_prompt=5, raters_per_item=1, prompt_sd=3.0, item_sd=0.3)
    replications, rate = 200, 0.3
    ours = coverage_rows("safety", design, rate, replications, seed=5)
    grades = simulate("safety", design, rate, replications, seed=5).grades
    counts = grades.groupby("model")["violation"].agg(["sum", "size"])
    low, high = proportion_confint(counts["sum"], counts["size"], method="wilson")
    naive = float(((low <= rate) & (rate <= high)).mean())
    print(f"clustered {ours['covered'].mean():.3f}, naive per-item Wilson {naive:.3f}")
    assert naive <= 0.85
    assert ours["covered"].mean() >= 0.92


def test_a_redrawn_rater_pool_needs_the_two_way_interval() -> None:
    """New raters every replication, with a strong rater bias: the default intervals
    (conditional on the raters who graded) under-cover the population estimand; the two-way
    interval over prompts and raters covers it."""
    design = Design(prompts=200, raters_per_item=1, pool="redrawn", pool_size=12, bias_sd=1.0)
    default = coverage_rows("safety", design, 0.3, 100, seed=7)
    two_way = coverage_rows(
        "safety", design, 0.3, 100, seed=7, rater_bootstrap=True, resamples=400,
        batch_grades=20_000,
    )  # fmt: skip
    print(f"default {default['covered'].mean():.3f}, two-way {two_way['covered'].mean():.3f}")
    assert default["covered"].mean() <= 0.85
    assert two_way["covered"].mean() >= 0.90


def test_a_noninferiority_gate_at_its_boundary_rarely_passes() -> None:
    """Candidate and baseline on the same prompts, correlated through the prompt; the
    candidate's violation rate is worse by exactly the margin. The gate (`at_most`: pass when
    the 95% interval's upper bound of candidate − baseline is ≤ the margin, as
    `evalkit.gates.decide` rules) must false-pass at most 5% (+ Monte Carlo slack); pairing
    must narrow the interval."""
    margin, replications = 0.05, 250
    design = Design(prompts=100, items_per_prompt=2, prompt_sd=1.5)
    sim = simulate_paired(design, 0.15, margin, replications, seed=3)
    assert sim.truth["difference"] == pytest.approx(margin, abs=1e-9)
    diffs = paired_differences(sim, resamples=1000, seed=1)
    assert (diffs["shared"] == design.prompts).all()
    false_pass = float((diffs["high"] <= margin).mean())
    print(f"false pass at the boundary {false_pass:.3f}")
    assert false_pass <= 0.05 + binomial_slack(0.05, replications)
    assert diffs["estimate"].mean() == pytest.approx(margin, abs=0.01)
    first = simulate_paired(design, 0.15, margin, 40, seed=3)
    unpaired = paired_differences(first, paired=False, resamples=1000, seed=1)
    width = (diffs["high"] - diffs["low"]).iloc[:40].to_numpy()
    assert np.mean(width / (unpaired["high"] - unpaired["low"]).to_numpy()) < 0.95


def _random_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Item values clustered by prompt: 1 or many prompts, 1–6 items each, 1–3 raters per
    item (fractional values), rates from 0 to 1 (boundaries included)."""
    prompts = int(rng.choice([1, 2, 3, 5, 10, 30, 100, 400]))
    sizes = rng.integers(1, 7, prompts) if rng.random() < 0.7 else np.ones(prompts, dtype=int)
    clusters = np.repeat(np.arange(prompts), sizes)
    rate = float(rng.choice([0.0, 1.0, rng.uniform(0.3, 0.7), rng.uniform(0, 1)]))
    shift = rng.normal(0, rng.uniform(0, 2), prompts)[clusters]
    p = 1 / (1 + np.exp(-(np.log((rate + 1e-9) / (1 - rate + 1e-9)) + shift)))
    raters = int(rng.integers(1, 4))
    values = rng.binomial(raters, p) / raters
    return values, clusters, float(raters * len(values))


def test_the_score_test_and_the_interval_agree() -> None:
    """p < 0.05 exactly when the null is outside the 95% interval (clustered_rate), for the
    null 0.5 and a random null, over many random designs; both answers occur often, so the
    check is not vacuous."""
    rng = np.random.default_rng(2024)
    outside = inside = 0
    for _ in range(500):
        values, clusters, observations = _random_case(rng)
        for null in (0.5, float(rng.uniform(0.02, 0.98))):
            estimate = clustered_rate(values, clusters, null=null, observations=observations)
            if math.isnan(estimate.p_value) or abs(estimate.p_value - 0.05) < 1e-9:
                continue
            excluded = not estimate.low <= null <= estimate.high
            assert (estimate.p_value < 0.05) == excluded, (null, estimate)
            outside += excluded
            inside += not excluded
    assert outside >= 200 and inside >= 200, (outside, inside)
