"""Deciding gates: every number comes from the statistics' long table (`evalkit.stats`), the
same rows the report and `evalkit stats` print.

- A threshold gate reads its row's bound; fewer prompts than `min_n` fails ("insufficient"); an
  undefined bound fails; no data at all is "missing" (exit 2, not a failed gate).
- A non-inferiority gate compares the model with a reference (another model, and/or the same
  model in a baseline run) by a paired prompt-level bootstrap of the difference (prompts both
  sides share move together); the reference needs `min_n` prompts too.

Exit codes: 0 every gate passes; 1 a gate fails (including too few prompts); 2 missing data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from evalkit.gates.spec import Gate, GatesFile
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, group_rng
from evalkit.stats.estimate import paired_difference
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import format_value


class MissingData(Exception):
    """The runs hold no data at all for what a gate asks (exit 2, not a failed gate)."""


@dataclass
class Measurement:
    value: float
    low: float
    high: float
    n: int  # prompts
    k: float | None = None
    n_items: int = 0
    graders: str = ""


@dataclass
class Verdict:
    gate: Gate
    status: Literal["pass", "fail", "insufficient", "missing"]
    reason: str
    measurement: Measurement | None = None
    reference: Measurement | None = None
    diff: tuple[float, float, float] | None = None  # (point, low, high) for non-inferiority
    decided_by: float | None = None

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def label(self) -> str:
        return {"pass": "PASS", "fail": "FAIL", "insufficient": "FAIL (n)", "missing": "MISSING"}[
            self.status
        ]


def num(value: float | None, gate: Gate) -> str:
    """A value in the metric's units: rates as percent, net preference in signed points."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format_value(value, gate.info.scale)


def pts(value: float | None) -> str:
    """A difference of rates in signed percentage points."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{100 * value:+.1f} pts"


class Evaluator:
    """Measures gates' metrics on a set of runs, computing each table once."""

    def __init__(
        self,
        frames: RunFrames,
        seed: int = DEFAULT_SEED,
        resamples: int = DEFAULT_RESAMPLES,
    ) -> None:
        self.frames = frames
        self.seed = seed
        self.resamples = resamples
        self._tables: dict[tuple[bool, bool, bool], pd.DataFrame] = {}
        self._values: dict[str, tuple[pd.DataFrame, tuple[str, ...]]] = {}

    def table(self, pool: bool = False, length: bool = False, ppi: bool = False) -> pd.DataFrame:
        from evalkit.stats.engine import statistics_table

        key = (pool, length, ppi)
        if key not in self._tables:
            self._tables[key] = statistics_table(
                self.frames, pool=pool, resamples=self.resamples, seed=self.seed,
                length_control=length, ppi=ppi,
            )  # fmt: skip
        return self._tables[key]

    def measure(self, gate: Gate, model: str) -> Measurement:
        """The gate's row for `model`: humans first, automatic grades as a labelled fallback."""
        info = gate.info
        table = self.table(
            pool=gate.graders == "any",
            length=info.family == "sxs_lc",
            ppi=gate.graders == "ppi",
        )
        rows = table[
            (table["metric"] == gate.metric)
            & (table["model"] == model)
            & (table["baseline"] == (gate.baseline or ""))
            & (table["group"] == gate.group)
            & (table["n"] > 0)
        ]
        if not info.graded:
            choices = ["program"]
        else:
            choices = {
                "human": ["human"],
                "auto": ["auto"],
                "any": ["any"],
                None: ["human", "auto"],
            }[gate.graders]
        for graders in choices:
            found = rows[rows["graders"] == graders]
            if not found.empty:
                row = found.iloc[0]
                label = graders
                if gate.graders is None and graders == "auto":
                    label = "auto (fallback: no human grades)"
                k = None if pd.isna(row["k"]) else float(row["k"])
                return Measurement(
                    float(row["estimate"]), float(row["low"]), float(row["high"]),
                    int(row["n"]), k, int(row["n_items"]), label,
                )  # fmt: skip
        raise MissingData(self._missing_reason(gate, model))

    def items(self, gate: Gate, model: str, graders: str) -> pd.DataFrame:
        """(prompt_id, value) of the items behind a gate's row: what a paired comparison
        resamples."""
        info = gate.info
        if info.family == "lmeval":
            from evalkit.suites.lmeval import lmeval_items

            return lmeval_items(self.frames, gate.metric, model)
        if not info.graded:
            from evalkit.stats.measured import measured_items

            return measured_items(self.frames, gate.metric, model)
        from evalkit.stats.engine import items_for, kind_values

        if info.family not in self._values:
            self._values[info.family] = kind_values(self.frames, info.family)
        values, groups = self._values[info.family]
        if graders == "any":
            values = values.assign(graders="any")
        return items_for(
            values, groups, gate.metric, model, gate.baseline or "", gate.group, graders
        )

    def _missing_reason(self, gate: Gate, model: str) -> str:
        where = f" ({gate.filter_text()})" if gate.filter else ""
        wanted = f"{gate.graders} " if gate.graders else ""
        if gate.info.comparison:
            pair = f"{model} vs {gate.baseline}"
            return f"no {wanted}{gate.info.description} of {pair}{where} in the runs"
        if not gate.info.graded:
            return f"no {gate.info.description} of {model} in the runs (run `evalkit score`?)"
        return f"no {wanted}grades for {gate.info.description} of {model}{where} in the runs"


def decide(gate: Gate, current: Evaluator, reference: Evaluator | None = None) -> Verdict:
    """The verdict of one gate."""
    try:
        measurement = current.measure(gate, gate.model)
    except MissingData as exc:
        return Verdict(gate, "missing", str(exc))
    if measurement.n < gate.min_n:
        return Verdict(
            gate,
            "insufficient",
            f"n={measurement.n} prompts < min_n={gate.min_n}: too few to decide",
            measurement,
        )
    if gate.margin is not None:
        return _decide_noninferiority(gate, measurement, current, reference or current)
    value = {"lower": measurement.low, "upper": measurement.high, "point": measurement.value}[
        gate.bound or "point"
    ]
    if value is None or math.isnan(value):
        return Verdict(
            gate, "fail", f"the {gate.bound} bound is undefined at n={measurement.n}", measurement
        )
    assert gate.threshold is not None
    ok = value >= gate.threshold if gate.direction == "at_least" else value <= gate.threshold
    op = ("≥" if ok else "<") if gate.direction == "at_least" else ("≤" if ok else ">")
    reason = f"{gate.bound} bound {num(value, gate)} {op} {num(gate.threshold, gate)}"
    return Verdict(gate, "pass" if ok else "fail", reason, measurement, decided_by=value)


def _decide_noninferiority(
    gate: Gate, measurement: Measurement, current: Evaluator, reference: Evaluator
) -> Verdict:
    ref_model = gate.reference_model or gate.model
    try:
        ref = reference.measure(gate, ref_model)
    except MissingData as exc:
        return Verdict(gate, "missing", f"reference: {exc}", measurement)
    if ref.n < gate.min_n:
        return Verdict(
            gate,
            "insufficient",
            f"reference {ref_model}: n={ref.n} prompts < min_n={gate.min_n}: too few to decide",
            measurement,
            ref,
        )
    graders = measurement.graders.split(" ")[0]
    ref_graders = ref.graders.split(" ")[0]
    mine = current.items(gate, gate.model, graders)
    theirs = reference.items(gate, ref_model, ref_graders)
    rng = group_rng(current.seed, ("noninferiority", gate.name))
    difference = paired_difference(mine, theirs, resamples=current.resamples, seed=rng)
    diff = (difference.estimate, difference.low, difference.high)
    value = {"lower": diff[1], "upper": diff[2], "point": diff[0]}[gate.bound or "point"]
    assert gate.margin is not None
    limit = -gate.margin if gate.direction == "at_least" else gate.margin
    if value is None or math.isnan(value):
        return Verdict(gate, "fail", "the difference's bound is undefined", measurement, ref, diff)
    ok = value >= limit if gate.direction == "at_least" else value <= limit
    op = ("≥" if ok else "<") if gate.direction == "at_least" else ("≤" if ok else ">")
    paired = f"{difference.n_shared} shared prompts" if difference.n_shared else "no shared prompts"
    reason = (
        f"Δ vs {ref_model} ({num(ref.value, gate)}, n={ref.n}; {paired}): {gate.bound} bound "
        f"{pts(value)} {op} {pts(limit)}"
    )
    return Verdict(gate, "pass" if ok else "fail", reason, measurement, ref, diff, value)


@dataclass
class GateReport:
    verdicts: list[Verdict]
    runs: list[str] = field(default_factory=list)
    gates_path: str = ""
    excluded: list[str] = field(default_factory=list)  # --exclude-flagged: who, and why

    @property
    def exit_code(self) -> int:
        if any(v.status == "missing" for v in self.verdicts):
            return 2
        return 0 if all(v.passed for v in self.verdicts) else 1

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    @property
    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "insufficient": 0, "missing": 0}
        for v in self.verdicts:
            out[v.status] += 1
        return out

    def summary(self) -> str:
        c = self.counts
        failed = c["fail"] + c["insufficient"]
        text = f"{c['pass']} of {len(self.verdicts)} gates passed"
        if failed:
            text += f", {failed} failed"
            if c["insufficient"]:
                text += f" ({c['insufficient']} on too few prompts)"
        if c["missing"]:
            text += f", {c['missing']} missing data"
        return text


def run_gates(
    gates: GatesFile,
    frames: RunFrames,
    db: str | None = None,
    run_dirs: list[str] | None = None,
    exclude_flagged: bool = False,
) -> GateReport:
    """Decide every gate on `frames`; non-inferiority gates load their baseline runs. With
    `exclude_flagged`, the grades of the raters `evalkit.stats.raters` flags are dropped from
    the runs and the baseline runs first (`GateReport.excluded` says who and why)."""
    from evalkit.stats.raters import exclude_flagged as drop_flagged
    from evalkit.stats.runs import load_runs

    excluded: list[str] = []
    if exclude_flagged:
        frames, excluded = drop_flagged(frames)
    current = Evaluator(frames, gates.seed, gates.resamples)
    references: dict[str, Evaluator] = {}
    verdicts = []
    for gate in gates.gates:
        reference = None
        if gate.baseline_run:
            run_path = resolve_run(gate.baseline_run, gates.path)
            if run_path is None:
                verdicts.append(
                    Verdict(gate, "missing", f"baseline_run {gate.baseline_run}: not found")
                )
                continue
            if str(run_path) not in references:
                baseline = load_runs([run_path], db)
                if exclude_flagged:
                    baseline, lines = drop_flagged(baseline)
                    excluded += [f"baseline run {run_path}: {line}" for line in lines]
                references[str(run_path)] = Evaluator(baseline, gates.seed, gates.resamples)
            reference = references[str(run_path)]
        verdicts.append(decide(gate, current, reference))
    return GateReport(verdicts, list(run_dirs or frames.run_dirs), gates.path, excluded)


def resolve_run(path: str, gates_path: str) -> Path | None:
    """A baseline run relative to the current folder, else to the gates file's folder."""
    for candidate in (Path(path), Path(gates_path).parent / path):
        if candidate.is_dir():
            return candidate
    return None


__all__ = [
    "Evaluator",
    "GateReport",
    "Measurement",
    "MissingData",
    "Verdict",
    "decide",
    "run_gates",
]
