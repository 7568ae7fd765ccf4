"""Numbers as people read them: rates with intervals, shared by the CLI and the report."""

from __future__ import annotations

import math

GRADER_LABELS = {
    "human": "human raters",
    "auto": "AUTOMATIC graders (judge / auto scorer), not humans",
    "any": "human and automatic grades pooled",
}


GRADER_SHORT = {
    "human": "human raters",
    "auto": "automatic graders",
    "any": "human + automatic",
}


def _bad(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if _bad(value) else f"{100 * float(value):.{digits}f}%"  # type: ignore[arg-type]


def pct_interval(rate: float | None, low: float | None, high: float | None, digits: int = 1) -> str:
    """'41.2% [35.1, 47.5]'."""
    if _bad(rate):
        return "n/a"
    if _bad(low) or _bad(high):
        return f"{pct(rate, digits)} [n/a]"
    return f"{pct(rate, digits)} [{100 * float(low):.{digits}f}, {100 * float(high):.{digits}f}]"  # type: ignore[arg-type]


def signed_pct_interval(value: float | None, low: float | None, high: float | None) -> str:
    """'+7.9 pts [+1.2, +14.7]' for a difference or a net preference."""
    if _bad(value):
        return "n/a"
    return f"{100 * float(value):+.1f} pts [{100 * float(low):+.1f}, {100 * float(high):+.1f}]"  # type: ignore[arg-type]


def num_interval(
    value: float | None, low: float | None, high: float | None, digits: int = 2
) -> str:
    if _bad(value):
        return "n/a"
    lo = "n/a" if _bad(low) else f"{float(low):.{digits}f}"  # type: ignore[arg-type]
    hi = "n/a" if _bad(high) else f"{float(high):.{digits}f}"  # type: ignore[arg-type]
    return f"{float(value):.{digits}f} [{lo}, {hi}]"  # type: ignore[arg-type]


def p_value(p: float | None) -> str:
    if _bad(p):
        return "n/a"
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"  # type: ignore[arg-type]
