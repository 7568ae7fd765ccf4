"""Coverage by simulation: on grades drawn from a known truth, 95% intervals cover it 93–97%
of the time. Each simulation puts its replications side by side in one table (one replication
per category or model), so a thousand replications cost one call."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from evalkit.stats.ifeval import ifeval_table
from evalkit.stats.proportions import newcombe_interval
from evalkit.stats.sxs import sxs_table
from evalkit.stats.synthetic import synthetic_ifeval, synthetic_sxs

REPS = 1000


def covered(low: pd.Series, high: pd.Series, truth: float) -> float:
    return float(((low <= truth) & (truth <= high)).mean())


def test_sxs_bootstrap_intervals_cover_the_true_rates() -> None:
    p_win, p_tie = 0.45, 0.2
    frame = synthetic_sxs(
        categories=[f"rep{i:04d}" for i in range(REPS)],
        prompts_per_category=100,
        samples=2,  # two items per prompt: the bootstrap resamples prompts, not items
        p_win=p_win,
        p_tie=p_tie,
        seed=11,
    )
    table = sxs_table(frame, ["cand"], resamples=1000, seed=3, overall=False)
    assert len(table) == REPS
    win = covered(table["win_low"], table["win_high"], p_win)
    tie = covered(table["tie_low"], table["tie_high"], p_tie)
    net = covered(table["net_low"], table["net_high"], p_win - (1 - p_win - p_tie))
    print(f"coverage: win {win:.3f}, tie {tie:.3f}, net {net:.3f}")
    for rate in (win, tie, net):
        assert 0.93 <= rate <= 0.97


def test_ifeval_instruction_level_bootstrap_covers_the_true_rate() -> None:
    frame = synthetic_ifeval(
        models=[f"rep{i:04d}" for i in range(600)], n_prompts=100, p_follow=0.7, seed=5
    )
    table = ifeval_table(frame, resamples=1000, seed=9)
    inst = table[table["metric"] == "inst_strict"]
    rate = covered(inst["low"], inst["high"], 0.7)
    print(f"instruction-level coverage {rate:.3f}")
    assert 0.93 <= rate <= 0.97


def test_wilson_and_newcombe_cover_the_true_rates() -> None:
    rng = np.random.default_rng(17)
    n, p1, p2 = 150, 0.08, 0.14
    k1 = rng.binomial(n, p1, size=4000)
    k2 = rng.binomial(n, p2, size=4000)
    low, high = proportion_confint(k1, n, method="wilson")
    wilson = covered(pd.Series(low), pd.Series(high), p1)
    diffs = np.array(
        [newcombe_interval(a, n, b, n) for a, b in zip(k1[:1500], k2[:1500], strict=True)]
    )
    newcombe = covered(pd.Series(diffs[:, 0]), pd.Series(diffs[:, 1]), p1 - p2)
    print(f"coverage: wilson {wilson:.3f}, newcombe {newcombe:.3f}")
    assert 0.93 <= wilson <= 0.97
    assert 0.93 <= newcombe <= 0.97
