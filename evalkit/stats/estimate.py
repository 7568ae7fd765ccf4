"""Clustered inference: every interval and test resamples (or linearizes over) the prompt.

An evaluation measures items (a response, a comparison, an instruction) but samples prompts:
two samples of one prompt, the five items of an imported grade file, the instructions of one
IFEval prompt move together. Treating them as independent makes intervals too narrow. So every
estimate here is a **ratio estimator over clusters** (prompts): with `y_j` the sum of the item
values of prompt j and `m_j` its number of items, the rate is `Σy / Σm`.

- **Rates** (`clustered_rate`): the cluster-robust (linearization) variance gives a design
  effect; the interval is Wilson's on the effective sample size, with the Korn–Graubard
  degrees-of-freedom correction for few clusters. Wilson keeps its good behaviour near 0 and 1;
  with one item per prompt and one rater it *is* the Wilson interval. The p-value against a
  null rate is the score test on the same effective size, so a test never contradicts the
  interval printed beside it (the interval is exactly the set of nulls the test keeps).
- **Differences** (`paired_difference`): a prompt-level bootstrap, paired on the prompts both
  sides share (a candidate and its baseline, this release and the last), resampling the
  prompts only one side has within that side.
- **Any statistic** (`cluster_bootstrap`): percentile intervals of a statistic of resampled
  prompts (latency quantiles, length-controlled win rates).
- **Raters as a sample** (`two_way_rate`): the two-way cluster-robust variance over prompts and
  raters, for when the raters stand for everyone who could have rated. The default intervals
  are conditional on the raters who graded.

Item values are in [0, 1]: a rate per item, already averaged over its raters (see
`evalkit.stats.engine`), so the estimand does not move with the number of raters per item.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, rng_for

NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A rate with its interval, its evidence and how it was computed."""

    estimate: float
    low: float
    high: float
    k: float  # sum of item values (successes; fractional when raters split)
    n_items: int
    n: int  # independent units: prompts
    method: str
    deff: float = NAN  # design effect (1 = as if items were independent)
    p_value: float = NAN  # against the null given, if any

    @property
    def empty(self) -> bool:
        return self.n == 0


def cluster_sums(
    values: Sequence[float], clusters: Sequence[object]
) -> tuple[np.ndarray, np.ndarray]:
    """(y, m): per cluster, the sum of item values and the number of items."""
    codes, _ = pd.factorize(np.asarray(clusters, dtype=object))
    n = int(codes.max()) + 1 if len(codes) else 0
    weights = np.asarray(values, dtype=float)
    return np.bincount(codes, weights, n), np.bincount(codes, None, n).astype(float)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN); equal to statsmodels' `multipletests
    (method="holm")`, without its cost on every table."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    q = p[tested]
    if q.size:
        order = np.argsort(q, kind="stable")
        scaled = (q.size - np.arange(q.size)) * q[order]
        adjusted = np.minimum(1.0, np.maximum.accumulate(scaled))
        result = np.empty_like(q)
        result[order] = adjusted
        out[tested] = result
    return out


def _z(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2))


def wilson(p: float, n_eff: float, z: float) -> tuple[float, float]:
    """Wilson's score interval for a proportion `p` observed on `n_eff` (possibly fractional)."""
    if n_eff <= 0 or math.isnan(p):
        return NAN, NAN
    denominator = 1 + z * z / n_eff
    centre = (p + z * z / (2 * n_eff)) / denominator
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / denominator
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return (0.0 if p <= 0 else low), (1.0 if p >= 1 else high)


def clustered_rate(
    values: Sequence[float],
    clusters: Sequence[object],
    *,
    confidence: float = 0.95,
    null: float | None = None,
    observations: float | None = None,
    spread: float | None = None,
) -> Estimate:
    """The rate of item values clustered by prompt, with a design-effect Wilson interval.

    `observations` caps the effective size at what the grades behind the items carry: their
    number for yes/no grades; for graded values (a tie counted as half) their number times
    p(1−p) / mean((v − p)²), so a half-point grade is not treated as a coin flip (pass
    `observations` and `spread`, the mean of (v − p)² over the grades). The p-value, when `null`
    is given, is the two-sided score test on the same effective size.
    """
    y, m = cluster_sums(values, clusters)
    n, total = len(y), float(m.sum())
    if n == 0 or total == 0:
        return Estimate(NAN, NAN, NAN, 0.0, 0, 0, "no data")
    k = float(y.sum())
    p = k / total
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"item values must be rates in [0, 1], their mean is {p:.3f}")
    cap = float(observations) if observations else total
    if observations and spread is not None and spread > 0 and 0 < k / total < 1:
        p_hat = k / total
        cap = float(observations) * p_hat * (1 - p_hat) / spread
    bernoulli = p * (1 - p) / total
    if n >= 2 and 0 < p < 1:
        variance = n / (n - 1) * float(np.sum((y - p * m) ** 2)) / total**2
        deff = variance / bernoulli if bernoulli > 0 else 1.0
        n_eff = min(cap, total / deff) if deff > 0 else cap
        t = float(sps.t.ppf(0.5 + confidence / 2, n - 1))
        n_eff *= (_z(confidence) / t) ** 2  # Korn–Graubard: few clusters, wider interval
        method = "Wilson, cluster design effect (Korn–Graubard)"
    else:
        deff, n_eff = 1.0, total
        method = "Wilson" if n >= 2 else "Wilson (one prompt)"
    z = _z(confidence)
    low, high = wilson(p, n_eff, z)
    p_value = score_test(p, n_eff, null) if null is not None else NAN
    return Estimate(p, low, high, k, int(total), n, method, float(deff), p_value)


def score_test(p: float, n_eff: float, null: float) -> float:
    """Two-sided p-value of the score test of `p` against `null` on `n_eff` (the dual of the
    Wilson interval: the interval holds exactly the nulls with p-value above 1 − confidence)."""
    if n_eff <= 0 or not 0 < null < 1 or math.isnan(p):
        return NAN
    z = (p - null) / math.sqrt(null * (1 - null) / n_eff)
    return float(2 * sps.norm.sf(abs(z)))


def rate_p_value(estimate: Estimate, null: float, confidence: float = 0.95) -> float:
    """The score-test p-value of an Estimate against `null`, consistent with its interval."""
    if estimate.empty or math.isnan(estimate.low):
        return NAN
    z = _z(confidence)
    p = estimate.estimate
    n_eff: float
    if not 0 < p < 1:  # recover n_eff from the interval's width (Wilson at p on the boundary)
        n_eff = estimate.n_items
    else:
        n_eff = _n_eff_from_interval(p, estimate.low, estimate.high, z)
    return score_test(p, n_eff, null)


def _n_eff_from_interval(p: float, low: float, high: float, z: float) -> float:
    """The n_eff whose Wilson interval at p has this width (solved by bisection)."""
    width = high - low
    lo, hi = 1e-6, 1e9
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        a, b = wilson(p, mid, z)
        if b - a > width:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


# ---------------------------------------------------------------- bootstrap


def _weights(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """B×n multinomial counts: how often each cluster is drawn in each resample."""
    if n == 0:
        return np.zeros((resamples, 0))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(float)


def _ratio(weights: np.ndarray, y: np.ndarray, m: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ y) / (weights @ m)


@dataclass(frozen=True)
class Difference:
    """Rate A − rate B, with a paired prompt-level bootstrap interval."""

    estimate: float
    low: float
    high: float
    a: float
    b: float
    n_a: int
    n_b: int
    n_shared: int
    p_value: float
    method: str


def paired_difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = None,
) -> Difference:
    """Rate(a) − rate(b) from two item frames with columns `prompt_id` and `value`.

    Prompts in both frames are resampled together (paired); prompts in only one are resampled
    within their own side, so two runs on different prompts are compared as independent."""
    ya, ma = _sums_by_prompt(a)
    yb, mb = _sums_by_prompt(b)
    if ya.empty or yb.empty:
        return Difference(NAN, NAN, NAN, NAN, NAN, len(ya), len(yb), 0, NAN, "no data")
    rate_a, rate_b = ya.sum() / ma.sum(), yb.sum() / mb.sum()
    shared = ya.index.intersection(yb.index)
    only_a, only_b = ya.index.difference(shared), yb.index.difference(shared)
    rng = rng_for(seed)
    w_shared = _weights(len(shared), resamples, rng)
    w_a, w_b = _weights(len(only_a), resamples, rng), _weights(len(only_b), resamples, rng)
    draws_a = _ratio(
        np.hstack([w_shared, w_a]),
        np.concatenate([ya[shared].to_numpy(), ya[only_a].to_numpy()]),
        np.concatenate([ma[shared].to_numpy(), ma[only_a].to_numpy()]),
    )
    draws_b = _ratio(
        np.hstack([w_shared, w_b]),
        np.concatenate([yb[shared].to_numpy(), yb[only_b].to_numpy()]),
        np.concatenate([mb[shared].to_numpy(), mb[only_b].to_numpy()]),
    )
    diffs = draws_a - draws_b
    diffs = diffs[~np.isnan(diffs)]
    alpha = (1 - confidence) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha]) if diffs.size else (NAN, NAN)
    below, above = float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0))
    p_value = min(1.0, 2 * min(below, above)) if diffs.size else NAN
    kind = "paired" if len(shared) else "independent"
    return Difference(
        float(rate_a - rate_b), float(low), float(high), float(rate_a), float(rate_b),
        len(ya), len(yb), len(shared), p_value,
        f"{kind} prompt-level bootstrap ({resamples} resamples)",
    )  # fmt: skip


def _sums_by_prompt(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    grouped = frame.groupby("prompt_id", sort=True)["value"]
    return grouped.sum().astype(float), grouped.size().astype(float)


def cluster_bootstrap(
    frame: pd.DataFrame,
    statistic: Callable[[pd.DataFrame], float],
    *,
    cluster: str = "prompt_id",
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = None,
) -> tuple[float, float, float]:
    """(point, low, high): a percentile interval of `statistic` over resampled clusters."""
    point = statistic(frame)
    ids = frame[cluster].unique()
    if len(ids) < 2:
        return point, NAN, NAN
    groups = {key: part for key, part in frame.groupby(cluster, sort=False)}
    rng = rng_for(seed)
    draws = []
    for _ in range(resamples):
        chosen = rng.choice(len(ids), size=len(ids), replace=True)
        sample = pd.concat([groups[ids[i]] for i in chosen], ignore_index=True)
        value = statistic(sample)
        if not math.isnan(value):
            draws.append(value)
    if not draws:
        return point, NAN, NAN
    alpha = (1 - confidence) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return point, float(low), float(high)


def two_way_rate(grades: pd.DataFrame, *, confidence: float = 0.95) -> Estimate:
    """The mean item value with an interval that treats prompts AND raters as samples: the
    two-way cluster-robust variance of Cameron, Gelbach and Miller (2011) of the same
    estimator, then Wilson on its effective size with the small-sample factor of
    `clustered_rate`, degrees of freedom min(prompts, raters) − 1.

    `grades`: one row per grade with `prompt_id`, `item_id`, `rater_id`, `value`. Each grade
    weighs 1 / (items · its item's grades), so the point is the mean over items of the item
    means. Why not a two-way bootstrap: with few raters it behaves like a bootstrap over a
    dozen clusters (too narrow), and with one grade per item it counts rater noise twice (too
    wide); the variance formula measured 91.5–98.5% coverage where the bootstrap gave 69–100%
    (`bench/coverage.py`)."""
    if grades.empty:
        return Estimate(NAN, NAN, NAN, 0.0, 0, 0, "no data")
    items, item_codes = np.unique(grades["item_id"].astype(str), return_inverse=True)
    per_item = np.bincount(item_codes).astype(float)
    values = grades["value"].to_numpy(dtype=float)
    weights = 1.0 / (len(items) * per_item[item_codes])
    point = float(np.sum(weights * values))
    residual = weights * (values - point)

    def part(labels: pd.Series) -> tuple[float, int]:
        codes, uniques = pd.factorize(labels)
        g = len(uniques)
        sums = np.bincount(codes, residual, g)
        return (g / (g - 1) * float(np.sum(sums**2)) if g > 1 else NAN), g

    v_prompt, n_prompts = part(grades["prompt_id"].astype(str))
    v_rater, n_raters = part(grades["rater_id"].astype(str))
    v_both, _ = part(grades["prompt_id"].astype(str) + "\x1f" + grades["rater_id"].astype(str))
    variance = v_prompt + v_rater - v_both
    if not variance > 0:
        variance = max(v_prompt, v_rater)
    method = "Wilson, two-way cluster-robust variance (prompts and raters; Cameron–Gelbach–Miller)"
    k = float(np.sum(values * weights) * len(items))
    if not 0 < point < 1 or not variance > 0 or min(n_prompts, n_raters) < 2:
        base = clustered_rate(
            grades.groupby("item_id")["value"].mean().to_numpy(),
            grades.groupby("item_id")["prompt_id"].first().to_numpy(),
            confidence=confidence,
        )
        return Estimate(
            base.estimate, base.low, base.high, base.k, base.n_items, base.n,
            base.method + " (too few raters for the two-way variance)",
        )  # fmt: skip
    df = min(n_prompts, n_raters) - 1
    n_eff = (
        point
        * (1 - point)
        / variance
        * (_z(confidence) / float(sps.t.ppf(0.5 + confidence / 2, df))) ** 2
    )
    low, high = wilson(point, n_eff, _z(confidence))
    deff = variance / (point * (1 - point) / len(items))
    return Estimate(point, low, high, k, len(items), n_prompts, method, float(deff))
