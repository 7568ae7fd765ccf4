"""Release history: the gates' (or the headline) metrics across release candidates.

Leadership decides across runs, not on one. `history_table` measures, for each gate of a gates
file (without one: each headline metric of the statistics' long table, for the candidates), the
point and 95% interval of every run in the order given, with the gate's threshold, and tests
each change between successive runs:

- the difference is a prompt-level bootstrap (`evalkit.stats.estimate.paired_difference`) on the
  item values behind the two rows (`evalkit.stats.engine.kind_values` + `items_for` for graded
  metrics, `evalkit.stats.measured.measured_items` for program-measured rates): paired on the
  prompts both runs share, unpaired (independent) when they share none — the table says which;
- a change is significant when the 95% interval of the difference excludes 0; each pair is
  tested on its own (no adjustment across pairs or metrics);
- a change is not tested, and says why, when the two runs' rows come from different graders
  (human in one, automatic in the other) or when the statistic has no item-level values
  (latency quantiles, length-controlled and prediction-powered estimates).

The numbers of a run are the gates' own (`evalkit.gates.decide.Evaluator`, same seed and
resamples), so the history's last point and the gate's verdict never disagree.

Rendering: `history_context` (what the template partials `history.html.j2` / `history.md.j2`
read as `history`), `history_html` / `history_markdown` (the section alone), `trend_lines`
(one line per gate for the CI Markdown summary). Charts are inline SVG drawn here: no
JavaScript, every text escaped.

A gate run can also keep its own history without the old run folders: `verdict_records` +
`append_history` append the verdicts to a JSONL file, `read_history` reads it back into the same
table (changes there are unpaired: MOVER on the recorded intervals, conservative when runs
share prompts).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from evalkit.errors import UserError
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, group_rng
from evalkit.stats.table import ALL, format_value, metric, metrics

if TYPE_CHECKING:
    from evalkit.gates.decide import Evaluator, GateReport
    from evalkit.gates.spec import Gate, GatesFile
    from evalkit.stats.frames import RunFrames

NAN = float("nan")
HISTORY_SCHEMA = 1

HISTORY_COLUMNS = [
    "series",  # the line's title: the gate's name, or "<metric description> — <model>"
    "gate",  # the gate's name ("" without a gates file)
    "metric", "description", "scale", "model", "baseline", "group", "graders",
    "run",  # the run's position, 0 = oldest (the order given)
    "run_id",  # the manifest's run_id (made unique: "rc (2)" for a repeat)
    "created_at",  # the manifest's created_at ("" when the manifest does not say)
    "run_dir",
    "estimate", "low", "high", "n",
    "status",  # ok | insufficient (n < the gate's min_n) | missing
    "note",  # why a value is missing or insufficient
    "threshold", "direction", "bound",  # the gate's rule (NaN / "" without one)
    "rule",  # the gate's rule in words
    "previous",  # run_id of the run the change is measured from ("" for the first)
    "change", "change_low", "change_high",  # this run − previous, in the metric's scale
    "p_value",
    "significant",  # True / False; None when not tested
    "better",  # True / False when the change is significant and the direction is known
    "comparison",  # how the change was tested, or why not
]  # fmt: skip


# ---------------------------------------------------------------------------- the table


@dataclass
class _Run:
    path: str
    label: str
    created_at: str
    frames: RunFrames
    evaluator: Evaluator
    values: dict[str, tuple[pd.DataFrame, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Series:
    title: str
    metric: str
    model: str
    baseline: str = ""
    group: str = ALL
    graders: str | None = None  # the gate's `graders` (None: human, else auto as a fallback)
    gate: Gate | None = None
    threshold: float = NAN
    direction: str = ""
    bound: str = ""
    rule: str = ""


@dataclass
class _Point:
    estimate: float = NAN
    low: float = NAN
    high: float = NAN
    n: int = 0
    graders: str = ""
    status: str = "missing"
    note: str = ""


def history_table(
    run_dirs: Sequence[str | os.PathLike[str]],
    gates: GatesFile | None = None,
    *,
    db: str | None = None,
    seed: int | None = None,
    resamples: int | None = None,
) -> pd.DataFrame:
    """One row per (gate or headline metric, run), runs in the order given (oldest first); see
    `HISTORY_COLUMNS`. `seed` / `resamples` default to the gates file's (else evalkit's)."""
    if not run_dirs:
        raise UserError("give at least one run folder for the release history")
    seed = seed if seed is not None else (gates.seed if gates else DEFAULT_SEED)
    resamples = resamples or (gates.resamples if gates else DEFAULT_RESAMPLES)
    runs = _load_runs(run_dirs, db, seed, resamples)
    series = _gate_series(gates) if gates is not None else _headline_series(runs)
    rows: list[dict[str, Any]] = []
    for s in series:
        points = [_measure(run, s) for run in runs]
        rows += _series_rows(s, runs, points, seed, resamples)
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def _load_runs(
    run_dirs: Sequence[str | os.PathLike[str]], db: str | None, seed: int, resamples: int
) -> list[_Run]:
    from evalkit.gates.decide import Evaluator
    from evalkit.rundir import RunDir
    from evalkit.stats.runs import load_run_frames

    runs: list[_Run] = []
    seen: dict[str, int] = {}
    for run_dir in run_dirs:
        rundir = RunDir(run_dir).require()
        manifest = rundir.read_manifest()
        run_id = manifest.run_id if manifest else rundir.path.name
        # a manifest without created_at gets "now" from its model's default: not a run's date
        created = (
            manifest.created_at if manifest and "created_at" in manifest.model_fields_set else ""
        )
        seen[run_id] = seen.get(run_id, 0) + 1
        label = run_id if seen[run_id] == 1 else f"{run_id} ({seen[run_id]})"
        frames = load_run_frames(rundir.path, db)
        evaluator = Evaluator(frames, seed, resamples)
        runs.append(_Run(str(rundir.path), label, created, frames, evaluator))
    return runs


def _gate_series(gates: GatesFile) -> list[_Series]:
    from evalkit.gates.decide import Verdict
    from evalkit.gates.outputs import rule_text

    out = []
    for gate in gates.gates:
        threshold = NAN if gate.threshold is None else float(gate.threshold)
        rule = rule_text(Verdict(gate, "pass", ""))
        if gate.margin is not None:
            rule += " (non-inferiority: no fixed line to draw)"
        out.append(
            _Series(
                title=gate.name, metric=gate.metric, model=gate.model,
                baseline=gate.baseline or "", group=gate.group, graders=gate.graders, gate=gate,
                threshold=threshold, direction=gate.direction or "", bound=gate.bound or "",
                rule=rule,
            )
        )  # fmt: skip
    return out


def _headline_series(runs: list[_Run]) -> list[_Series]:
    """Without a gates file: every headline metric of the long table, group "all", for the
    runs' candidates (every model when no manifest names one), in the table's order."""
    registry = metrics()
    candidates = list(dict.fromkeys(m for run in runs for m in run.frames.candidates()))
    keys: dict[tuple[str, str, str], None] = {}
    for run in reversed(runs):  # the latest run's order first
        table = run.evaluator.table()
        rows = table[(table["group"] == ALL) & (table["n"] > 0)]
        for row in rows.itertuples(index=False):
            info = registry.get(str(row.metric))
            if info is None or not info.headline:
                continue
            if candidates and str(row.model) not in candidates:
                continue
            keys.setdefault((str(row.metric), str(row.model), str(row.baseline or "")), None)
    out = []
    for name, model, baseline in keys:
        info = registry[name]
        target = f"{model} vs {baseline}" if baseline else model
        direction = {True: "at_least", False: "at_most", None: ""}[info.higher_is_better]
        out.append(
            _Series(f"{info.description} — {target}", name, model, baseline, direction=direction)
        )
    return out


def _measure(run: _Run, s: _Series) -> _Point:
    from evalkit.gates.decide import MissingData

    if s.gate is not None:
        try:
            m = run.evaluator.measure(s.gate, s.gate.model)
        except MissingData as exc:
            return _Point(note=str(exc))
        point = _Point(m.value, m.low, m.high, m.n, m.graders, "ok")
        if m.n < s.gate.min_n:
            point.status = "insufficient"
            point.note = f"n={m.n} prompts < min_n={s.gate.min_n}"
        return point
    info = metric(s.metric)
    table = run.evaluator.table()
    rows = table[
        (table["metric"] == s.metric)
        & (table["model"] == s.model)
        & (table["baseline"] == s.baseline)
        & (table["group"] == s.group)
        & (table["n"] > 0)
    ]
    for graders in ["human", "auto"] if info.graded else ["program"]:
        found = rows[rows["graders"] == graders]
        if not found.empty:
            row = found.iloc[0]
            label = graders
            if graders == "auto":
                label = "auto (fallback: no human grades)"
            return _Point(
                float(row["estimate"]), float(row["low"]), float(row["high"]), int(row["n"]),
                label, "ok",
            )  # fmt: skip
    return _Point(note=f"no {info.description} of {s.model} in this run")


def _items(run: _Run, s: _Series, graders: str) -> tuple[pd.DataFrame | None, str]:
    """The item values behind a run's row (prompt_id, value), or None and why not."""
    from evalkit.kinds.base import all_kinds
    from evalkit.stats.engine import items_for, kind_values
    from evalkit.stats.measured import measured_items

    info = metric(s.metric)
    if not info.graded:
        items = measured_items(run.frames, s.metric, s.model)
        if items.empty:
            return None, "no item-level values for this statistic (a quantile)"
        return items, ""
    if graders == "ppi":
        return None, "no item-level values for a prediction-powered estimate"
    if info.family not in {kind.name for kind in all_kinds()}:
        return None, "no item-level values for a model-based estimate"
    if info.family not in run.values:
        run.values[info.family] = kind_values(run.frames, info.family)
    values, groups = run.values[info.family]
    if graders == "any":
        values = values.assign(graders="any")
    return items_for(values, groups, s.metric, s.model, s.baseline, s.group, graders), ""


def _series_rows(
    s: _Series, runs: list[_Run], points: list[_Point], seed: int, resamples: int
) -> list[dict[str, Any]]:
    from evalkit.stats.estimate import paired_difference

    info = metric(s.metric)
    factor = 2.0 if info.scale == "net" else 1.0  # net = 2 × preference − 1
    rows = []
    previous: int | None = None
    for i, (run, point) in enumerate(zip(runs, points, strict=True)):
        row = _row(s, info, run, i, point)
        if point.status != "missing" and previous is not None:
            before, earlier = points[previous], runs[previous]
            row["previous"] = earlier.label
            mine, theirs = point.graders.split(" ")[0], before.graders.split(" ")[0]
            if mine != theirs:
                row["comparison"] = f"not tested: graders differ ({theirs} before, {mine} now)"
            else:
                a, why_a = _items(run, s, mine)
                b, why_b = _items(earlier, s, theirs)
                if a is None or b is None or a.empty or b.empty:
                    row["comparison"] = f"not tested: {why_a or why_b or 'no item values'}"
                else:
                    rng = group_rng(seed, ("history", s.title, s.metric, earlier.label, run.label))
                    d = paired_difference(a, b, resamples=resamples, seed=rng)
                    _set_change(row, factor * d.estimate, factor * d.low, factor * d.high, s)
                    row["p_value"] = d.p_value
                    row["comparison"] = _pairing(d.n_shared, d.n_a, d.n_b, resamples)
        if point.status != "missing":
            previous = i
        rows.append(row)
    return rows


def _row(s: _Series, info: Any, run: _Run, i: int, point: _Point) -> dict[str, Any]:
    return {
        "series": s.title, "gate": s.gate.name if s.gate is not None else "",
        "metric": s.metric, "description": info.description, "scale": info.scale,
        "model": s.model, "baseline": s.baseline, "group": s.group, "graders": point.graders,
        "run": i, "run_id": run.label, "created_at": run.created_at, "run_dir": run.path,
        "estimate": point.estimate, "low": point.low, "high": point.high, "n": point.n,
        "status": point.status, "note": point.note, "threshold": s.threshold,
        "direction": s.direction, "bound": s.bound, "rule": s.rule, "previous": "",
        "change": NAN, "change_low": NAN, "change_high": NAN, "p_value": NAN,
        "significant": None, "better": None, "comparison": "",
    }  # fmt: skip


def _set_change(row: dict[str, Any], change: float, low: float, high: float, s: _Series) -> None:
    row["change"], row["change_low"], row["change_high"] = change, low, high
    if any(math.isnan(v) for v in (change, low, high)):
        row["significant"] = None
        return
    significant = low > 0 or high < 0
    row["significant"] = significant
    if significant and s.direction:
        row["better"] = (change > 0) == (s.direction == "at_least")


def _pairing(shared: int, n_a: int, n_b: int, resamples: int) -> str:
    boot = f"prompt-level bootstrap, {resamples} resamples"
    if shared == 0:
        return f"unpaired: no shared prompts ({n_b} then {n_a} prompts; {boot})"
    if shared == n_a == n_b:
        return f"paired on {shared} shared prompts ({boot})"
    return (
        f"paired on {shared} shared prompts, {n_b - shared} + {n_a - shared} prompts in one run "
        f"only ({boot})"
    )


# ---------------------------------------------------------------------------- formatting


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _value(value: float, scale: str) -> str:
    return format_value(value, scale) if _finite(value) else "n/a"  # type: ignore[arg-type]


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


def _series_frames(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    if table.empty:
        return []
    return [
        (str(title), part.sort_values("run")) for title, part in table.groupby("series", sort=False)
    ]


def trend_lines(table: pd.DataFrame) -> dict[str, str]:
    """One line per gate (per headline metric without gates) for the CI Markdown summary:
    "35.0% → 36.1% → 62.3% [55.0, 69.1]; +26.2 pts [+18.0, +34.5] since rc2: significant,
    better (paired on 120 shared prompts)". Keys: the gate names (the series titles)."""
    lines = {}
    for title, part in _series_frames(table):
        scale = str(part["scale"].iloc[0])
        shown = [
            _value(r["estimate"], scale) if r["status"] != "missing" else "no data"
            for _, r in part.iterrows()
        ]
        if len(shown) > 6:
            shown = [shown[0], "…", *shown[-4:]]
        last = part.iloc[-1]
        text = " → ".join(shown)
        if last["status"] == "missing":
            lines[title] = f"{text} ({last['note'] or 'no data in the latest run'})"
            continue
        text += f" {_bounds(last['low'], last['high'], scale)}"
        if last["status"] == "insufficient":
            text += f" ({last['note']})"
        if not last["previous"]:
            text += "; one run: no change to test"
        elif _finite(last["change"]):
            change = f"{_delta(last['change'], scale)} "
            change += _delta_bounds(last["change_low"], last["change_high"], scale)
            how = re.sub(r" \(.*\)$", "", str(last["comparison"]))
            text += f"; {change} since {last['previous']}: {_verdict_word(last)} ({how})"
        else:
            text += f"; change since {last['previous']} {last['comparison']}"
        lines[title] = text
    return lines


# ---------------------------------------------------------------------------- the chart

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


# ---------------------------------------------------------------------------- the section

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~>-])")


def _md(value: Any) -> Markup:
    """Text safe in Markdown (a table cell too): HTML-escaped, punctuation backslash-escaped."""
    text = _MD_SPECIAL.sub(r"\\\1", str(escape("" if value is None else str(value))))
    return Markup(text.replace("\r", " ").replace("\n", " "))


def history_context(table: pd.DataFrame | None) -> dict[str, Any] | None:
    """What the partials `history.html.j2` / `history.md.j2` read as `history` (None: no
    history, the section is left out)."""
    if table is None:
        return None
    runs = []
    if not table.empty:
        first = table.drop_duplicates("run").sort_values("run")
        runs = [
            {"label": str(r["run_id"]), "created": _date(str(r["created_at"]), full=True),
             "dir": str(r["run_dir"])}
            for _, r in first.iterrows()
        ]  # fmt: skip
    trends = trend_lines(table)
    series = []
    for title, part in _series_frames(table):
        head = part.iloc[0]
        scale = str(head["scale"])
        target = f"{head['model']} vs {head['baseline']}" if head["baseline"] else head["model"]
        where = "" if head["group"] == ALL else f", {head['group']}"
        caption = f"{head['description']} of {target}{where}"
        rows = []
        for _, r in part.iterrows():
            missing = r["status"] == "missing"
            value = (
                f"no data: {r['note']}" if missing
                else f"{_value(r['estimate'], scale)} {_bounds(r['low'], r['high'], scale)}"
            )  # fmt: skip
            if r["status"] == "insufficient":
                value += f" ({r['note']})"
            if _finite(r["change"]):
                change = f"{_delta(r['change'], scale)} "
                change += _delta_bounds(r["change_low"], r["change_high"], scale)
            else:
                change = "—" if not r["previous"] else "not tested"
            word = _verdict_word(r) or ("" if not r["previous"] else "—")
            tone = (
                "better" if r["better"] is True else "worse" if r["better"] is False
                else "sig" if word.startswith("significant") else "ns"
            )  # fmt: skip
            row = {
                "run": str(r["run_id"]), "created": _date(str(r["created_at"]), full=True),
                "value": value, "n": "" if missing else str(int(r["n"])),
                "graders": str(r["graders"]), "change": change, "significant": word,
                "tone": tone, "comparison": str(r["comparison"]),
                "since": str(r["previous"]), "status": str(r["status"]),
            }  # fmt: skip
            row["md"] = {key: _md(val) for key, val in row.items()}
            rows.append(row)
        entry = {
            "title": title, "gate": str(head["gate"]), "metric": str(head["metric"]),
            "caption": caption, "rule": str(head["rule"]), "chart": history_chart(part),
            "rows": rows, "trend": trends.get(title, ""),
        }  # fmt: skip
        entry["md"] = {
            key: _md(entry[key]) for key in ("title", "metric", "caption", "rule", "trend")
        }
        series.append(entry)
    return {
        "runs": runs,
        "series": series,
        "md_runs": Markup(", ".join(str(_md(r["label"])) for r in runs)),
        "gated": bool(not table.empty and (table["gate"] != "").any()),
    }


def _environment() -> Environment:
    """The report's settings (autoescape on: a value is escaped unless marked safe)."""
    return Environment(
        loader=PackageLoader("evalkit.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def history_html(table: pd.DataFrame | None) -> str:
    """The release-history section (HTML, inline SVG charts, no script); "" without a table."""
    context = history_context(table)
    if context is None:
        return ""
    return _environment().get_template("history.html.j2").render(history=context)


def history_markdown(table: pd.DataFrame | None) -> str:
    """The release-history section in Markdown (a table per metric); "" without a table."""
    context = history_context(table)
    if context is None:
        return ""
    text = _environment().get_template("history.md.j2").render(history=context)
    return re.sub(r"\n{3,}", "\n\n", text)


# ---------------------------------------------------------------------------- a history file


def verdict_records(
    report: GateReport, run_id: str | None = None, created_at: str | None = None
) -> list[dict[str, Any]]:
    """One JSON-ready record per verdict of a gate run (what `append_history` appends); the run
    is named by `run_id` (default: the manifests' run_ids of the report's runs, joined by +)."""
    from evalkit.records import utc_now
    from evalkit.rundir import RunDir

    if run_id is None or created_at is None:
        ids, dates = [], []
        for path in report.runs:
            try:
                manifest = RunDir(path).read_manifest()
            except Exception:  # a history record must not fail the gate run
                manifest = None
            ids.append(manifest.run_id if manifest else Path(path).name)
            if manifest and "created_at" in manifest.model_fields_set:
                dates.append(manifest.created_at)
        run_id = run_id or "+".join(ids) or "run"
        created_at = created_at if created_at is not None else max(dates, default="")
    recorded = utc_now()

    def number(value: Any) -> float | None:
        return float(value) if _finite(value) else None

    out = []
    for v in report.verdicts:
        gate, m = v.gate, v.measurement
        out.append(
            {
                "schema": HISTORY_SCHEMA, "recorded_at": recorded, "run_id": run_id,
                "created_at": created_at, "runs": list(report.runs), "gate": gate.name,
                "metric": gate.metric, "model": gate.model, "baseline": gate.baseline or "",
                "group": gate.group, "graders": m.graders if m else "",
                "estimate": number(m.value) if m else None,
                "low": number(m.low) if m else None, "high": number(m.high) if m else None,
                "n": m.n if m else 0, "threshold": number(gate.threshold),
                "direction": gate.direction or "", "bound": gate.bound or "",
                "rule": _gate_rule(v), "status": v.status, "reason": v.reason,
            }
        )  # fmt: skip
    return out


def _gate_rule(verdict: Any) -> str:
    from evalkit.gates.outputs import rule_text

    return rule_text(verdict)


def append_history(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> None:
    """Append verdict records to a JSONL history file (created when missing; a torn last line
    from an interrupted write is cut first)."""
    from evalkit.jsonio import AppendWriter

    try:
        with AppendWriter(path) as writer:
            for record in records:
                writer.write(record)
    except OSError as exc:
        raise UserError(f"{path}: cannot append the gate history: {exc.strerror or exc}") from None


def read_history(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A history file as a history table (runs in the order first recorded; a gate decided
    twice on one run keeps its last record). Changes are unpaired — MOVER on the recorded
    intervals (no item values are kept), conservative when runs share prompts."""
    from evalkit.jsonio import iter_json_lines

    records: dict[tuple[str, str], dict[str, Any]] = {}
    order: dict[str, int] = {}
    for _, record in iter_json_lines(path, allow_torn_tail=True):
        run_id, gate = str(record.get("run_id") or ""), str(record.get("gate") or "")
        if not run_id or not gate or str(record.get("metric")) not in metrics():
            continue
        order.setdefault(run_id, len(order))
        records.pop((run_id, gate), None)  # the last record wins, in its gate order
        records[(run_id, gate)] = record
    gates = list(dict.fromkeys(gate for _, gate in records))
    rows = []
    for gate in gates:
        previous: dict[str, Any] | None = None
        for run_id, i in order.items():
            record = records.get((run_id, gate))
            rows.append(_file_row(gate, run_id, i, record, previous))
            if rows[-1]["status"] != "missing":
                previous = rows[-1]
    table = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    # a run that did not record a gate: fill its descriptive columns from the gate's records
    for column in ("metric", "description", "scale", "model", "baseline", "group", "rule"):
        table[column] = table.groupby("series")[column].transform(
            lambda s: s.replace("", pd.NA).ffill().bfill().fillna("")
        )
    table["threshold"] = table.groupby("series")["threshold"].transform(lambda s: s.ffill().bfill())
    return table


def _file_row(
    gate: str, run_id: str, i: int, record: dict[str, Any] | None, previous: dict | None
) -> dict[str, Any]:
    def number(key: str) -> float:
        value = (record or {}).get(key)
        return float(value) if _finite(value) else NAN

    name = str((record or {}).get("metric") or "")
    info = metric(name) if name else None
    direction = str((record or {}).get("direction") or "")
    row = {
        "series": gate, "gate": gate, "metric": name,
        "description": info.description if info else "", "scale": info.scale if info else "",
        "model": str((record or {}).get("model") or ""),
        "baseline": str((record or {}).get("baseline") or ""),
        "group": str((record or {}).get("group") or ALL),
        "graders": str((record or {}).get("graders") or ""), "run": i, "run_id": run_id,
        "created_at": str((record or {}).get("created_at") or ""), "run_dir": "",
        "estimate": number("estimate"), "low": number("low"), "high": number("high"),
        "n": int((record or {}).get("n") or 0), "status": "ok", "note": "",
        "threshold": number("threshold"), "direction": direction,
        "bound": str((record or {}).get("bound") or ""),
        "rule": str((record or {}).get("rule") or ""), "previous": "", "change": NAN,
        "change_low": NAN, "change_high": NAN, "p_value": NAN, "significant": None,
        "better": None, "comparison": "",
    }  # fmt: skip
    status = str((record or {}).get("status") or "missing")
    if record is None or status == "missing" or not _finite(row["estimate"]):
        row["status"] = "missing"
        row["note"] = str((record or {}).get("reason") or "not recorded for this run")
        return row
    if status == "insufficient":
        row["status"], row["note"] = "insufficient", str(record.get("reason") or "")
    if previous is None:
        return row
    row["previous"] = previous["run_id"]
    mine, theirs = row["graders"].split(" ")[:1], str(previous["graders"]).split(" ")[:1]
    if mine != theirs:
        row["comparison"] = f"not tested: graders differ ({theirs[0]} before, {mine[0]} now)"
        return row
    low, high = _mover(row, previous)
    if math.isnan(low) or math.isnan(high):
        row["comparison"] = "not tested: a recorded interval is undefined"
        return row
    series = _Series(gate, name, row["model"], direction=direction)
    _set_change(row, row["estimate"] - previous["estimate"], low, high, series)
    row["comparison"] = (
        "unpaired: MOVER on the recorded 95% intervals (conservative when the runs share prompts)"
    )
    return row


def _mover(a: dict[str, Any], b: dict[str, Any]) -> tuple[float, float]:
    """The 95% interval of a − b from two independent intervals (Zou & Donner's MOVER)."""
    pa, la, ua = a["estimate"], a["low"], a["high"]
    pb, lb, ub = b["estimate"], b["low"], b["high"]
    if any(not _finite(v) for v in (pa, la, ua, pb, lb, ub)):
        return NAN, NAN
    d = pa - pb
    return d - math.hypot(pa - la, ub - pb), d + math.hypot(ua - pa, pb - lb)


__all__ = [
    "HISTORY_COLUMNS",
    "append_history",
    "history_chart",
    "history_context",
    "history_html",
    "history_markdown",
    "history_table",
    "read_history",
    "trend_lines",
    "verdict_records",
]
