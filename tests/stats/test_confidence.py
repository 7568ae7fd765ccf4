"""Every interval honours its `confidence` (issue 20: a Wilson interval ignoring it survived the
suite): at 90% it is narrower than at 95% and equals the reference computation; and the
clustered rate follows its documented formula (design effect with the n/(n−1) factor, the
Korn–Graubard few-clusters correction), Holm equals statsmodels'."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from evalkit.stats.bootstrap import percentile_interval
from evalkit.stats.estimate import cluster_bootstrap, clustered_rate, holm, paired_difference
from evalkit.stats.proportions import newcombe_interval, wilson_interval


def width(interval) -> float:
    low, high = interval[-2], interval[-1]
    return float(high - low)


def clustered_items(prompts: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three items per prompt whose outcomes share a per-prompt propensity (so deff > 1)."""
    rng = np.random.default_rng(seed)
    propensity = rng.uniform(0.1, 0.9, prompts)
    clusters = np.repeat(np.arange(prompts), 3)
    values = (rng.random(prompts * 3) < propensity[clusters]).astype(float)
    return values, clusters


@pytest.mark.parametrize("k, n", [(81, 263), (5, 10), (37, 750)])
def test_wilson_at_90_is_the_90_interval_and_narrower(k: int, n: int) -> None:
    ninety, ninety_five = wilson_interval(k, n, 0.90), wilson_interval(k, n, 0.95)
    assert ninety == pytest.approx(proportion_confint(k, n, alpha=0.10, method="wilson"))
    assert ninety_five[0] < ninety[0] < k / n < ninety[1] < ninety_five[1]


def test_newcombe_at_90_is_the_90_interval_and_narrower() -> None:
    ninety = newcombe_interval(56, 70, 48, 80, 0.90)
    reference = confint_proportions_2indep(
        56, 70, 48, 80, method="newcomb", compare="diff", alpha=0.10
    )
    assert ninety == pytest.approx(tuple(float(v) for v in reference))
    assert width(ninety) < width(newcombe_interval(56, 70, 48, 80, 0.95))


def test_clustered_rate_at_90_is_narrower() -> None:
    values, clusters = clustered_items()
    ninety = clustered_rate(values, clusters, confidence=0.90)
    ninety_five = clustered_rate(values, clusters, confidence=0.95)
    assert ninety.estimate == ninety_five.estimate
    assert ninety_five.low < ninety.low < ninety.estimate < ninety.high < ninety_five.high


def test_clustered_rate_follows_its_formula() -> None:
    """Wilson on n_eff = (items / deff) · (z / t_{prompts−1})², deff from the cluster-robust
    variance n/(n−1) · Σ(y_j − p·m_j)² / M² over the Bernoulli variance p(1−p)/M."""
    values, clusters = clustered_items(prompts=6, seed=3)
    y = np.bincount(clusters, values)
    m = np.bincount(clusters).astype(float)
    n, total = len(y), m.sum()
    p = y.sum() / total
    variance = n / (n - 1) * np.sum((y - p * m) ** 2) / total**2
    deff = variance / (p * (1 - p) / total)
    for confidence in (0.90, 0.95):
        z = sps.norm.ppf(0.5 + confidence / 2)
        t = sps.t.ppf(0.5 + confidence / 2, n - 1)
        n_eff = min(total, total / deff) * (z / t) ** 2
        centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
        half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2)) / (1 + z * z / n_eff)
        result = clustered_rate(values, clusters, confidence=confidence)
        assert result.deff == pytest.approx(deff)
        assert (result.low, result.high) == pytest.approx((centre - half, centre + half))


def test_paired_difference_at_90_is_narrower_and_sized_right() -> None:
    rng = np.random.default_rng(1)
    ids = [f"p{i}" for i in range(200)]
    a = pd.DataFrame({"prompt_id": ids, "value": (rng.random(200) < 0.6).astype(float)})
    b = pd.DataFrame({"prompt_id": ids, "value": (rng.random(200) < 0.5).astype(float)})
    ninety = paired_difference(a, b, confidence=0.90, resamples=4000, seed=7)
    ninety_five = paired_difference(a, b, confidence=0.95, resamples=4000, seed=7)
    assert ninety.estimate == ninety_five.estimate
    assert ninety_five.low < ninety.low < ninety.estimate < ninety.high < ninety_five.high
    # one item per shared prompt: the difference is the mean of d = a − b, whose bootstrap
    # interval is close to ± z · sd(d) / √n (z = 1.645 at 90%, 1.960 at 95%)
    d = a["value"].to_numpy() - b["value"].to_numpy()
    se = d.std() / math.sqrt(len(d))
    for result, z in ((ninety, 1.645), (ninety_five, 1.960)):
        assert (result.high - result.low) / 2 / se == pytest.approx(z, abs=0.12)


def test_bootstrap_percentile_intervals_at_90_are_narrower() -> None:
    draws = np.random.default_rng(2).normal(size=(5000, 2))
    low90, high90 = percentile_interval(draws, 0.90)
    low95, high95 = percentile_interval(draws, 0.95)
    assert np.all(low95 < low90) and np.all(high90 < high95)
    assert low90 == pytest.approx(np.quantile(draws, 0.05, axis=0))
    frame = pd.DataFrame({"prompt_id": np.repeat(np.arange(30), 2), "x": np.arange(60.0)})
    ninety = cluster_bootstrap(frame, lambda f: f["x"].mean(), confidence=0.90, resamples=300,
                               seed=4)  # fmt: skip
    ninety_five = cluster_bootstrap(frame, lambda f: f["x"].mean(), confidence=0.95,
                                    resamples=300, seed=4)  # fmt: skip
    assert width(ninety) < width(ninety_five)


def test_holm_equals_statsmodels() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.005, np.nan, 0.5])
    tested = ~np.isnan(p)
    expected = multipletests(p[tested], method="holm")[1]
    adjusted = holm(p)
    assert np.isnan(adjusted[5])
    assert adjusted[tested] == pytest.approx(expected)
