"""Charts as inline SVG, built by hand: no JavaScript, no external assets, deterministic output.

Every text that comes from data (model, category and area names) goes through
`markupsafe.escape`, so a name can never inject markup into the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

FONT = "font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\""
INK = "#1d1d1f"
MUTED = "#6e6e73"
GRID = "#e5e5ea"

# win / tie / loss in the spirit of Apple's human-evaluation charts: the candidate's wins in a
# strong blue, ties in grey, losses in a pale tone
WIN, TIE, LOSS = "#0a84ff", "#c7c7cc", "#ff9f0a"
GOOD, NEUTRAL, POOR = "#30a46c", "#c7c7cc", "#e5484d"
SERIES = ("#0a84ff", "#ff9f0a", "#30a46c", "#af52de", "#e5484d", "#5ac8fa", "#8e8e93")


@dataclass
class Segment:
    key: str
    label: str
    color: str


@dataclass
class StackRow:
    label: str
    values: dict[str, float]  # segment key -> fraction of the bar
    note: str = ""  # e.g. "n=120"
    group: str = ""


@dataclass
class Point:
    label: str  # row label (e.g. area)
    series: str  # e.g. model
    value: float
    low: float
    high: float
    note: str = ""


@dataclass
class Chart:
    svg: Markup
    title: str
    caption: str = ""
    alt: str = ""
    extra: dict = field(default_factory=dict)


def _t(
    x: float,
    y: float,
    text: object,
    size: int = 12,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "400",
) -> str:
    """An SVG text element; the text is escaped."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" {FONT}>' + "".join(body) + "</svg>"
    )


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    out = []
    for label, color in items:
        out.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" rx="2" fill="{color}"/>'
        )
        out.append(_t(x + 15, y, label, 12, fill=MUTED))
        x += 22 + 7.2 * len(label)
    return out, x


def stacked_bars(
    rows: Sequence[StackRow], segments: Sequence[Segment], label: str, width: int = 760
) -> Markup:
    """Horizontal 100% bars, one per row, segment shares printed inside when they fit."""
    label_w = min(260, max(90, 7.0 * max((len(r.label) for r in rows), default=8)))
    note_w = 70
    bar_x, bar_w = label_w + 12, width - label_w - 12 - note_w
    row_h, gap = 26, 10
    body, _ = _legend(bar_x, 16, [(s.label, s.color) for s in segments])
    y = 34.0
    last_group = None
    for row in rows:
        if row.group and row.group != last_group:
            if last_group is not None:
                y += 14
            body.append(_t(0, y + 10, row.group, 12, weight="600"))
            y += 18
            last_group = row.group
        body.append(_t(label_w, y + row_h / 2 + 4, row.label, 12, "end"))
        x = bar_x
        for seg in segments:
            share = max(0.0, float(row.values.get(seg.key, 0.0)))
            w = bar_w * share
            if w > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{row_h}" '
                    f'fill="{seg.color}"><title>{escape(seg.label)}: '
                    f"{100 * share:.1f}%</title></rect>"
                )
                if w >= 34:
                    ink = "#ffffff" if seg.color in (WIN, GOOD, POOR, LOSS) else INK
                    body.append(
                        _t(
                            x + w / 2,
                            y + row_h / 2 + 4,
                            f"{100 * share:.0f}%",
                            11,
                            "middle",
                            fill=ink,
                        )
                    )
            x += w
        body.append(_t(bar_x + bar_w + 8, y + row_h / 2 + 4, row.note, 11, fill=MUTED))
        y += row_h + gap
    return _svg(width, int(math.ceil(y)), body, label)


def interval_dots(
    points: Sequence[Point],
    label: str,
    width: int = 760,
    axis_max: float | None = None,
    percent: bool = True,
    unit: str = "",
) -> Markup:
    """Dot-and-whisker rows: one row per label, one dot per series, with the 95% interval."""
    labels = list(dict.fromkeys(p.label for p in points))
    series = list(dict.fromkeys(p.series for p in points))
    colors = {s: SERIES[i % len(SERIES)] for i, s in enumerate(series)}
    finite = [v for p in points for v in (p.value, p.high) if v is not None and not math.isnan(v)]
    top = axis_max if axis_max is not None else _nice_max(max(finite, default=1.0))
    label_w = min(240, max(90, 7.0 * max((len(x) for x in labels), default=8)))
    plot_x, plot_w = label_w + 14, width - label_w - 14 - 90
    row_h = 16 * max(1, len(series)) + 14
    height = 40 + len(labels) * row_h + 26
    body, _ = _legend(plot_x, 16, [(s, colors[s]) for s in series])
    y0 = 32
    for tick in _ticks(top):
        x = plot_x + plot_w * tick / top
        body.append(
            f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{height - 22}" stroke="{GRID}"/>'
        )
        text = f"{100 * tick:.3g}%" if percent else f"{tick:.3g}{unit}"
        body.append(_t(x, height - 8, text, 11, "middle", fill=MUTED))
    for i, row_label in enumerate(labels):
        y = y0 + i * row_h + 8
        if i % 2 == 0:
            body.append(
                f'<rect x="0" y="{y - 6}" width="{width}" height="{row_h}" fill="#f5f5f7"/>'
            )
        body.append(_t(label_w, y + row_h / 2, row_label, 12, "end"))
        for j, s in enumerate(series):
            match = [p for p in points if p.label == row_label and p.series == s]
            if not match:
                continue
            p = match[0]
            cy = y + 8 + j * 16
            if p.value is None or math.isnan(p.value):
                continue

            def sx(v: float) -> float:
                return plot_x + plot_w * min(max(v, 0.0), top) / top

            if not (math.isnan(p.low) or math.isnan(p.high)):
                body.append(
                    f'<line x1="{sx(p.low):.1f}" y1="{cy:.1f}" x2="{sx(p.high):.1f}" y2="{cy:.1f}" '
                    f'stroke="{colors[s]}" stroke-width="2.5" stroke-linecap="round" '
                    'opacity="0.55"/>'
                )
            body.append(
                f'<circle cx="{sx(p.value):.1f}" cy="{cy:.1f}" r="4.5" fill="{colors[s]}">'
                f"<title>{escape(s)} — {escape(row_label)}: {escape(p.note)}</title></circle>"
            )
            text = f"{100 * p.value:.1f}%" if percent else f"{p.value:.3g}{unit}"
            body.append(_t(plot_x + plot_w + 8, cy + 4, text, 11, fill=colors[s]))
    return _svg(width, height, body, label)


def _nice_step(span: float) -> float:
    """A round tick step giving about four to six ticks over `span`."""
    raw = span / 5 if span > 0 else 0.2
    exponent = math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * 10**exponent >= raw:
            return step * 10**exponent
    return 10 ** (exponent + 1)


def _nice_max(value: float) -> float:
    step = _nice_step(value)
    return max(step, math.ceil(value * 1.02 / step) * step)


def _ticks(top: float) -> list[float]:
    step = _nice_step(top)
    count = int(round(top / step))
    return [i * step for i in range(count + 1)]
