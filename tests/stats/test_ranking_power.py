"""Bradley–Terry recovers known strengths; sample sizes agree with statsmodels and exact power."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from evalkit.stats.power import (
    decided_items_needed,
    detectable_delta,
    detectable_rate_difference,
    items_needed,
    items_needed_two_rates,
    what_n_buys,
)
from evalkit.stats.ranking import bradley_terry


def battles_from_strengths(strengths: dict[str, float], n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = list(strengths)
    rows = []
    for i in range(n):
        a, b = rng.choice(len(names), size=2, replace=False)
        p = 1 / (1 + math.exp(strengths[names[b]] - strengths[names[a]]))
        score = 2 if rng.random() < p else -2
        rows.append((f"i{i}", f"p{i}", "x", "r1", names[a], names[b], score))
    columns = ["item_id", "prompt_id", "category", "rater_id", "model_a", "model_b", "score"]
    return pd.DataFrame(rows, columns=columns)


def test_bradley_terry_recovers_known_strengths() -> None:
    truth = {"alpha": 1.0, "beta": 0.4, "gamma": 0.0, "delta": -1.4}
    centred = {k: v - np.mean(list(truth.values())) for k, v in truth.items()}
    frame = battles_from_strengths(truth, 4000, seed=1)
    table = bradley_terry(frame, resamples=300, seed=2).set_index("model")
    assert list(table.sort_values("rank").index) == ["alpha", "beta", "gamma", "delta"]
    for model, value in centred.items():
        assert table.loc[model, "strength"] == pytest.approx(value, abs=0.12)
        assert table.loc[model, "low"] <= value <= table.loc[model, "high"]
    assert table["strength"].sum() == pytest.approx(0, abs=1e-6)
    assert (table["elo"] - 1000).to_numpy() == pytest.approx(
        400 / np.log(10) * table["strength"].to_numpy()
    )


def test_bradley_terry_ties_count_half_and_a_perfect_record_stays_finite() -> None:
    frame = battles_from_strengths({"a": 0.0, "b": 0.0}, 10, seed=0)
    frame["score"] = 0  # all ties: equal strengths
    table = bradley_terry(frame, resamples=100, seed=1)
    assert table["strength"].abs().max() < 1e-6
    frame["score"] = 2  # model_a always wins: large but finite thanks to the weak ridge
    table = bradley_terry(frame, resamples=100, seed=1)
    assert np.isfinite(table["strength"]).all()


def test_sample_size_agrees_with_statsmodels_and_exact_sign_test_power() -> None:
    for delta, ties in ((0.10, 0.0), (0.05, 0.2), (0.2, 0.3)):
        q = 0.5 + delta / (2 * (1 - ties))
        reference = NormalIndPower().solve_power(
            effect_size=proportion_effectsize(q, 0.5), alpha=0.05, power=0.8, ratio=0
        )
        ours = decided_items_needed(delta, ties)
        assert ours == pytest.approx(reference, rel=0.03)
        # exact power of the two-sided sign test at our n is close to the target
        n = math.ceil(ours)
        low = binom.ppf(0.025, n, 0.5) - 1
        high = binom.isf(0.025, n, 0.5) + 1
        power = binom.cdf(low, n, q) + binom.sf(high - 1, n, q)
        assert 0.76 <= power <= 0.86
        assert items_needed(delta, ties) == math.ceil(ours / (1 - ties))


def test_what_750_buys_inverts_the_sample_size() -> None:
    delta = detectable_delta(750, tie_rate=0.2)
    assert items_needed(delta, 0.2) == pytest.approx(750, abs=1)
    assert 0.05 < delta < 0.15
    two = items_needed_two_rates(0.05, 0.10)
    reference = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(0.10, 0.05), alpha=0.05, power=0.8, ratio=1
    )
    assert two == pytest.approx(reference, rel=0.05)
    assert items_needed_two_rates(
        0.05, 0.05 + detectable_rate_difference(750, 0.05)
    ) == pytest.approx(750, abs=1)
    table = what_n_buys(750)
    assert len(table) == 5 and table.attrs["n"] == 750
    assert table.iloc[0]["answer"] == "±3.6 points"
