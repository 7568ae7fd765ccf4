"""How the release history's numbers read, in its tables, trend lines and charts alike: a value
in its metric's scale, an interval, a signed change in points, a date, the verdict on a change.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from evalkit.stats.table import format_value


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _value(value: float, scale: str) -> str:
    return format_value(value, scale) if _finite(value) else "n/a"  # type: ignore[arg-type]  # scale: a history column's str


def _bounds(low: float, high: float, scale: str) -> str:
    def one(v: float) -> str:
        if not _finite(v):
            return "n/a"
        if scale == "rate":
            return f"{100 * v:.1f}"
        if scale == "net":
            return f"{100 * v:+.1f}"
        return f"{v:.3g}"

    return f"[{one(low)}, {one(high)}]"


def _delta(value: float, scale: str, unit: bool = True) -> str:
    """A change: rates and net preference in signed points, other values as signed numbers."""
    if not _finite(value):
        return "n/a"
    if scale in ("rate", "net"):
        return f"{100 * value:+.1f}" + (" pts" if unit else "")
    return f"{value:+.3g}"


def _delta_bounds(low: float, high: float, scale: str) -> str:
    return f"[{_delta(low, scale, False)}, {_delta(high, scale, False)}]"


def _date(created_at: str, full: bool = False) -> str:
    if not created_at:
        return ""
    try:
        stamp = datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
    except ValueError:
        return str(created_at)[:19]
    return stamp.strftime("%Y-%m-%d %H:%M" if full else "%Y-%m-%d")


def _verdict_word(row: Any) -> str:
    if row["significant"] is None or (isinstance(row["significant"], float)):
        return ""
    if not row["significant"]:
        return "not significant"
    if row["better"] is True:
        return "significant, better"
    if row["better"] is False:
        return "significant, worse"
    return "significant"
