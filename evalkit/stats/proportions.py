"""Intervals for proportions: every rate evalkit prints carries its n and a 95% interval."""

from __future__ import annotations


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval; (nan, nan) when n is 0 (there is no evidence to bound)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    # imported here: statsmodels takes most of a second to import, and every command would pay
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    return (float(low), float(high))


def format_rate(successes: int, n: int, confidence: float = 0.95) -> str:
    """'41.2% [35.1, 47.5] n=250' — a rate as a person should read it."""
    if n <= 0:
        return "n/a (n=0)"
    low, high = wilson_interval(successes, n, confidence)
    return f"{100 * successes / n:.1f}% [{100 * low:.1f}, {100 * high:.1f}] n={n}"


def newcombe_interval(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p2 of two independent proportions.

    Built from the two Wilson intervals (Newcombe 1998, method 10), so it behaves near 0 and 1
    where the Wald difference interval fails; (nan, nan) when either n is 0.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    if n1 <= 0 or n2 <= 0:
        return (float("nan"), float("nan"))
    low, high = confint_proportions_2indep(
        k1, n1, k2, n2, method="newcomb", compare="diff", alpha=1 - confidence
    )
    return (float(low), float(high))


def rate_row(k: int, n: int, confidence: float = 0.95) -> dict[str, float]:
    """{k, n, rate, low, high}: a rate as a table row (rate and bounds are NaN when n is 0)."""
    low, high = wilson_interval(k, n, confidence)
    if n:  # clip float noise (a bound of 3e-18 for k = 0) to the exact ends
        low, high = (0.0 if k == 0 else low), (1.0 if k == n else high)
    return {
        "k": int(k),
        "n": int(n),
        "rate": k / n if n else float("nan"),
        "low": low,
        "high": high,
    }
