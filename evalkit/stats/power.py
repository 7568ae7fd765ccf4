"""Sample size: how many graded items a side-by-side comparison needs, and what 750 buys.

The side-by-side decision is a sign test on the non-tied items, so a true net preference
`delta` = win rate − loss rate with tie rate `t` means that, among the (1 − t)·n decided items,
the candidate wins with probability q = 1/2 + delta / (2(1 − t)). The number of decided items a
two-sided level-α test needs for power 1 − β is the normal-approximation formula for one
proportion against 1/2 (Fleiss, *Statistical Methods for Rates and Proportions*, §2.5):

    n_decided = ((z₁₋α/₂ · ½ + z₁₋β · √(q(1−q))) / (q − ½))²

and the items to grade are n_decided / (1 − t). For two independent rates (e.g. two models'
violation rates) the same formula's two-sample form is used.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from evalkit.stats.proportions import wilson_interval


def _z(alpha: float, power: float) -> tuple[float, float]:
    return float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))


def decided_items_needed(
    delta: float, tie_rate: float = 0.0, power: float = 0.8, alpha: float = 0.05
) -> float:
    """Non-tied items the sign test needs to detect net preference `delta` (unrounded)."""
    if not 0 < abs(delta) < 1 - tie_rate:
        raise ValueError("need 0 < |delta| < 1 − tie_rate")
    q = 0.5 + abs(delta) / (2 * (1 - tie_rate))
    z_a, z_b = _z(alpha, power)
    return ((z_a * 0.5 + z_b * math.sqrt(q * (1 - q))) / (q - 0.5)) ** 2


def items_needed(
    delta: float, tie_rate: float = 0.0, power: float = 0.8, alpha: float = 0.05
) -> int:
    """Graded items (ties included) to detect a true net preference `delta` (win − loss)."""
    return math.ceil(decided_items_needed(delta, tie_rate, power, alpha) / (1 - tie_rate))


def detectable_delta(
    n: int, tie_rate: float = 0.0, power: float = 0.8, alpha: float = 0.05
) -> float:
    """The smallest net preference `n` graded items detect with the given power."""
    target = n * (1 - tie_rate)
    top = (1 - tie_rate) * (1 - 1e-9)
    if decided_items_needed(top, tie_rate, power, alpha) > target:
        return float("nan")
    return float(
        brentq(lambda d: decided_items_needed(d, tie_rate, power, alpha) - target, 1e-6, top)
    )


def items_needed_two_rates(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05) -> int:
    """Items per model to detect rates p1 vs p2 (two independent samples, equal sizes)."""
    if p1 == p2:
        raise ValueError("p1 and p2 must differ")
    z_a, z_b = _z(alpha, power)
    mean = (p1 + p2) / 2
    top = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil((top / (p1 - p2)) ** 2)


def detectable_rate_difference(n: int, p: float, power: float = 0.8, alpha: float = 0.05) -> float:
    """The smallest increase over rate `p` that `n` items per model detect."""
    top = 1 - p - 1e-9
    if items_needed_two_rates(p, p + top, power, alpha) > n:
        return float("nan")
    return float(
        brentq(lambda d: items_needed_two_rates(p, p + d, power, alpha) - n - 0.5, 1e-6, top)
    )


def what_n_buys(
    n: int = 750, tie_rate: float = 0.2, power: float = 0.8, alpha: float = 0.05
) -> pd.DataFrame:
    """What `n` graded items per comparison (or per model) buy, as a table for the report."""
    half = (wilson_interval(n // 2, n)[1] - wilson_interval(n // 2, n)[0]) / 2
    rows = [
        {
            "question": "95% interval half-width of a rate near 50%",
            "answer": f"±{100 * half:.1f} points",
        },
        {
            "question": f"smallest net preference detected (sign test, {100 * tie_rate:.0f}% ties)",
            "answer": f"{100 * detectable_delta(n, tie_rate, power, alpha):.1f} points",
        },
        {
            "question": "smallest violation-rate increase detected over 5% (two models)",
            "answer": f"{100 * detectable_rate_difference(n, 0.05, power, alpha):.1f} points",
        },
        {
            "question": "items needed for a 5-point net preference",
            "answer": f"{items_needed(0.05, tie_rate, power, alpha):,}",
        },
        {
            "question": "items needed for a 10-point net preference",
            "answer": f"{items_needed(0.10, tie_rate, power, alpha):,}",
        },
    ]
    table = pd.DataFrame(rows)
    table.attrs.update(n=n, tie_rate=tie_rate, power=power, alpha=alpha)
    return table
