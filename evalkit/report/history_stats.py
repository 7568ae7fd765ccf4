"""The release history's statistics: `history_table`, one row per (gate or headline metric,
run) with the run's point and 95% interval and the test of each change between successive runs.

A run's numbers are the gates' own (`evalkit.gates.decide.Evaluator`, same seed and resamples).
A change is a prompt-level bootstrap on the item values behind the two rows (paired on the
prompts both runs share, unpaired when they share none), significant when its 95% interval
excludes 0; it is not tested, and says why, when the graders differ or the statistic has no
item-level values. See `evalkit.report.history` for the whole picture.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.errors import UserError
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, group_rng
from evalkit.stats.table import ALL, metric, metrics

if TYPE_CHECKING:
    from evalkit.gates.decide import Evaluator
    from evalkit.gates.spec import Gate, GatesFile
    from evalkit.stats.frames import RunFrames

NAN = float("nan")

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
        run_id = rundir.run_id
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
