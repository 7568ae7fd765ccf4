"""The release history's chart: one series as inline SVG — per run, its point with the 95%
interval as a whisker, the gate's threshold as a dashed line, and above each step the change and
whether it is significant. No JavaScript; every text escaped."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from markupsafe import Markup, escape

from evalkit.report.history_format import (
    _bounds,
    _date,
    _delta,
    _delta_bounds,
    _finite,
    _value,
    _verdict_word,
)

NAN = float("nan")
FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
INK, MUTED, GRID = "#1d1d1f", "#6e6e73", "#e5e5ea"
POINT, THRESHOLD, BETTER, WORSE = "#0a84ff", "#d70015", "#1f8a4c", "#d70015"


def _text(
    x: float, y: float, text: object, size: int = 11, anchor: str = "start",
    fill: str = INK, weight: str = "400", cls: str = "", title: str = "",
) -> str:  # fmt: skip
    """An SVG text element; its text (and tooltip) escaped."""
    klass = f' class="{escape(cls)}"' if cls else ""
    tip = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}"{klass}>{tip}{escape(text)}</text>'
    )


def _step(span: float) -> float:
    raw = span / 5 if span > 0 else 0.1
    exponent = math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * 10**exponent >= raw:
            return step * 10**exponent
    return 10 ** (exponent + 1)


def _axis(values: Iterable[float], scale: str) -> tuple[float, float, list[float]]:
    """(low, high, ticks) of the y axis: the data and the threshold, padded, on round ticks."""
    finite = [float(v) for v in values if _finite(v)]
    limits = {"rate": (0.0, 1.0), "net": (-1.0, 1.0)}.get(scale, (-math.inf, math.inf))
    if not finite:
        low, high = (0.0, 1.0) if scale != "net" else (-1.0, 1.0)
    else:
        low, high = min(finite), max(finite)
        floor = {"rate": 0.02, "net": 0.04}.get(scale, 0.05 * max(abs(high), abs(low), 1e-9))
        pad = max(0.12 * (high - low), floor)
        low, high = low - pad, high + pad
        if scale == "value" and min(finite) >= 0:
            low = max(low, 0.0)
    low, high = max(low, limits[0]), min(high, limits[1])
    step = _step(high - low)
    low = max(math.floor(low / step + 1e-9) * step, limits[0])
    high = min(math.ceil(high / step - 1e-9) * step, limits[1])
    if high <= low:
        high = low + step
    count = int(round((high - low) / step))
    return low, high, [low + i * step for i in range(count + 1)]


def _tick(value: float, scale: str) -> str:
    if scale == "rate":
        return f"{100 * value:.3g}%"
    if scale == "net":
        return "0" if abs(value) < 1e-12 else f"{100 * value:+.3g}"
    return f"{value:.3g}"


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


def history_chart(part: pd.DataFrame, width: int = 760, height: int = 250) -> Markup:
    """One series: per run, its point with the 95% interval as a whisker; the gate's threshold
    as a dashed line; above each step, the change and whether it is significant. Inline SVG."""
    part = part.sort_values("run")
    scale = str(part["scale"].iloc[0])
    threshold = float(part["threshold"].iloc[0]) if _finite(part["threshold"].iloc[0]) else NAN
    present = part[part["status"] != "missing"]
    data = [v for v in (*present["low"], *present["high"], *present["estimate"]) if _finite(v)]
    # a threshold far from every run (10 s against medians near 0.6 s) would flatten the runs
    # into one line: then it is named at the chart's edge instead of drawn
    span = max(data) - min(data) if data else 0.0
    off_chart = bool(
        data and _finite(threshold)
        and not min(data) - 2 * span <= threshold <= max(data) + 2 * span
    )  # fmt: skip
    low, high, ticks = _axis([*data, NAN if off_chart else threshold], scale)
    left, right, top, bottom = 58, 128, 50, height - 46
    plot_w = width - left - right
    slot = plot_w / max(1, len(part))

    def sx(i: int) -> float:
        return left + (i + 0.5) * slot

    def sy(v: float) -> float:
        v = min(max(v, low), high)
        return bottom - (bottom - top) * (v - low) / (high - low)

    body: list[str] = []
    # legend
    body.append(f'<circle cx="{left + 5}" cy="10" r="4.5" fill="{POINT}"/>')
    body.append(_text(left + 14, 14, "estimate", fill=MUTED))
    body.append(
        f'<line x1="{left + 78}" y1="4" x2="{left + 78}" y2="16" stroke="{POINT}" '
        'stroke-width="2"/>'
    )
    body.append(_text(left + 86, 14, "95% interval", fill=MUTED))
    legend_x = left + 172
    if _finite(threshold) and not off_chart:
        body.append(
            f'<line x1="{legend_x}" y1="10" x2="{legend_x + 22}" y2="10" stroke="{THRESHOLD}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        body.append(_text(legend_x + 28, 14, "gate threshold", fill=MUTED))
        legend_x += 118
    body.append(_text(legend_x, 14, "Δ: change since the previous run (● significant)", fill=MUTED))
    # grid and y ticks
    for tick in ticks:
        y = sy(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, _tick(tick, scale), 11, "end", MUTED))
    if scale == "net" and low < 0 < high:
        y = sy(0.0)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{MUTED}"/>'
        )
    # the gate's threshold
    rule = str(part["rule"].iloc[0])
    op = "≥" if part["direction"].iloc[0] == "at_least" else "≤"
    if off_chart:
        above = threshold > high
        body.append(
            _text(left + plot_w + 6, (top + 4) if above else (bottom - 2),
                  f"gate {op} {_value(threshold, scale)} {'↑' if above else '↓'}", 11,
                  fill=THRESHOLD, weight="600", cls="hist-threshold-off",
                  title=f"{rule} (off the chart: {'above' if above else 'below'} every run)")
        )  # fmt: skip
    elif _finite(threshold):
        y = sy(threshold)
        body.append(
            f'<line class="hist-threshold" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
            f'y2="{y:.1f}" stroke="{THRESHOLD}" stroke-width="2" stroke-dasharray="6 4">'
            f"<title>{escape(rule)}</title></line>"
        )
        body.append(
            _text(left + plot_w + 6, y + 4, f"gate {op} {_value(threshold, scale)}", 11,
                  fill=THRESHOLD, weight="600", title=rule)
        )  # fmt: skip
    # the trend: a thin line through the runs that have a value
    coords = [
        f"{sx(int(r['run'])):.1f},{sy(float(r['estimate'])):.1f}"
        for _, r in present.iterrows()
        if _finite(r["estimate"])
    ]
    if len(coords) > 1:
        body.append(
            f'<polyline class="hist-trend" points="{" ".join(coords)}" fill="none" '
            f'stroke="{MUTED}" stroke-width="1.2" opacity="0.6"/>'
        )
    chars = max(6, int(slot / 6.6))
    for _, r in part.iterrows():
        i = int(r["run"])
        x = sx(i)
        run_id, date = str(r["run_id"]), _date(str(r["created_at"]))
        body.append(_text(x, bottom + 18, _clip(run_id, chars), 11, "middle", INK, title=run_id))
        if date:
            body.append(_text(x, bottom + 33, date, 10, "middle", MUTED))
        if r["status"] == "missing" or not _finite(r["estimate"]):
            body.append(
                _text(x, (top + bottom) / 2, "no data", 11, "middle", MUTED, title=str(r["note"]))
            )
            continue
        value = _value(r["estimate"], scale)
        tip = f"{run_id}: {value} {_bounds(r['low'], r['high'], scale)} n={int(r['n'])} prompts"
        if _finite(r["low"]) and _finite(r["high"]):
            y1, y2 = sy(float(r["low"])), sy(float(r["high"]))
            body.append(
                f'<g class="hist-interval"><title>{escape(tip)}</title>'
                f'<line x1="{x:.1f}" y1="{y1:.1f}" x2="{x:.1f}" y2="{y2:.1f}" stroke="{POINT}" '
                'stroke-width="2.5" stroke-linecap="round"/>'
                f'<line x1="{x - 6:.1f}" y1="{y1:.1f}" x2="{x + 6:.1f}" y2="{y1:.1f}" '
                f'stroke="{POINT}" stroke-width="2"/>'
                f'<line x1="{x - 6:.1f}" y1="{y2:.1f}" x2="{x + 6:.1f}" y2="{y2:.1f}" '
                f'stroke="{POINT}" stroke-width="2"/></g>'
            )
        hollow = r["status"] == "insufficient"
        body.append(
            f'<circle class="hist-point" cx="{x:.1f}" cy="{sy(float(r["estimate"])):.1f}" '
            f'r="5" fill="{"#ffffff" if hollow else POINT}" stroke="{POINT}" stroke-width="2">'
            f"<title>{escape(tip + (' — ' + str(r['note']) if hollow else ''))}</title></circle>"
        )
        body.append(_text(x + 9, sy(float(r["estimate"])) + 4, value, 11, fill=INK, weight="600"))
        if r["previous"]:
            previous = part[part["run_id"] == r["previous"]]
            x0 = sx(int(previous["run"].iloc[0])) if not previous.empty else x - slot
            mid = (x0 + x) / 2
            if _finite(r["change"]):
                word = _verdict_word(r)
                significant = bool(r["significant"])
                color = (
                    MUTED if not significant
                    else BETTER if r["better"] is True
                    else WORSE if r["better"] is False
                    else INK
                )  # fmt: skip
                label = f"Δ {_delta(r['change'], scale)}" + (" ●" if significant else " (n.s.)")
                cls = "hist-change sig" if significant else "hist-change ns"
                tip = (
                    f"{r['previous']} → {run_id}: {_delta(r['change'], scale)} "
                    f"{_delta_bounds(r['change_low'], r['change_high'], scale)}, {word}; "
                    f"{r['comparison']}"
                )
                body.append(
                    _text(mid, 36, label, 11, "middle", color,
                          "600" if significant else "400", cls, tip)
                )  # fmt: skip
            else:
                body.append(
                    _text(mid, 36, "Δ not tested", 11, "middle", MUTED, cls="hist-change",
                          title=str(r["comparison"]))
                )  # fmt: skip
    label = f"{part['series'].iloc[0]}: estimate and 95% interval per run"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history-chart" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(label)}" '
        f'font-family="{escape(FONT)}">' + "".join(body) + "</svg>"
    )
