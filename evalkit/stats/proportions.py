"""Intervals for proportions: every rate evalkit prints carries its n and a 95% interval."""

from __future__ import annotations

from statsmodels.stats.proportion import proportion_confint


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval; (nan, nan) when n is 0 (there is no evidence to bound)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    return (float(low), float(high))


def format_rate(successes: int, n: int, confidence: float = 0.95) -> str:
    """'41.2% [35.1, 47.5] n=250' — a rate as a person should read it."""
    if n <= 0:
        return "n/a (n=0)"
    low, high = wilson_interval(successes, n, confidence)
    return f"{100 * successes / n:.1f}% [{100 * low:.1f}, {100 * high:.1f}] n={n}"
