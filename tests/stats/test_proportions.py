"""Intervals for proportions: Wilson against statsmodels and the closed form, Newcombe against
the published values of Newcombe (1998, Table II, method 10) and its defining formula."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.proportion import proportion_confint

from evalkit.stats.proportions import format_rate, newcombe_interval, rate_row, wilson_interval


def wilson_closed_form(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (81, 263), (750, 750), (37, 750)])
def test_wilson_matches_statsmodels_and_closed_form(k: int, n: int) -> None:
    low, high = wilson_interval(k, n)
    ref = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(ref, abs=1e-12)
    assert (low, high) == pytest.approx(wilson_closed_form(k, n), abs=1e-9)


def test_wilson_of_nothing_is_undefined() -> None:
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    assert format_rate(0, 0) == "n/a (n=0)"
    assert format_rate(81, 263) == "30.8% [25.5, 36.6] n=263"


@pytest.mark.parametrize(
    "k1,n1,k2,n2,low,high",
    [  # Newcombe (1998), Stat Med 17:873, Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_matches_published_values(k1, n1, k2, n2, low, high) -> None:
    assert newcombe_interval(k1, n1, k2, n2) == pytest.approx((low, high), abs=6e-5)


def test_newcombe_is_the_hybrid_of_two_wilson_intervals() -> None:
    k1, n1, k2, n2 = 56, 70, 48, 80
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    by_hand = (
        p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )
    assert newcombe_interval(k1, n1, k2, n2) == pytest.approx(by_hand, abs=1e-9)
    assert all(math.isnan(v) for v in newcombe_interval(1, 0, 1, 5))


def test_rate_row_clips_float_noise_at_the_ends() -> None:
    assert rate_row(0, 50)["low"] == 0.0
    assert rate_row(50, 50)["high"] == 1.0
    row = rate_row(5, 50)
    assert row["rate"] == 0.1 and row["k"] == 5 and row["n"] == 50
    assert math.isnan(rate_row(0, 0)["rate"])
