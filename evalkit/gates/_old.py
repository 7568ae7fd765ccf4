"""Release gates as data: `evalkit gate --gates GATES.yaml RUN_DIR...`.

A gate names a metric, the model (and, for side-by-side metrics, the baseline), an optional
filter (category, use case or area), and a rule: a threshold that an interval bound must meet,
or a non-inferiority margin against a reference (a previous release's run and/or another
model). A gate decides on the 95% interval, not on the point estimate, and a gate with fewer
samples than its `min_n` fails and says so.

Which grades a gate reads (`graders`):
- unset (the default): humans' grades; when the run has *no* human grades for the gate's
  model and filter, the automatic grades, and the verdict says "auto (fallback: no human
  grades)". So a demo graded only by a judge still gates, and a real release gates on humans.
- `human` / `auto`: only those, no fallback. `any`: both pooled, labelled "any".
IFEval, latency, tokens/s and error rate are measured by program and take no `graders`.

Exit codes: 0 every gate passes; 1 a gate fails (including too few samples); 2 missing data
(a model, pair or filter with no data at all) or a bad gates file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from evalkit.stats.frames import RunFrames, load_runs
from evalkit.stats.proportions import newcombe_interval
from evalkit.yamlio import load_yaml_model

Direction = Literal["at_least", "at_most"]
Bound = Literal["lower", "upper", "point"]
Graders = Literal["human", "auto", "any"]


@dataclass(frozen=True)
class MetricInfo:
    family: str  # sxs | safety | refusal | ifeval | summarization | latency
    higher_is_better: bool | None  # None: the gate must say which direction it wants
    kind: Literal["rate", "net", "value"]  # rate in [0,1], net in [-1,1], value unbounded
    filters: tuple[str, ...] = ()
    description: str = ""


METRICS: dict[str, MetricInfo] = {
    "sxs_win_rate": MetricInfo("sxs", True, "rate", ("category",), "side-by-side win rate"),
    "sxs_tie_rate": MetricInfo("sxs", None, "rate", ("category",), "side-by-side tie rate"),
    "sxs_loss_rate": MetricInfo("sxs", False, "rate", ("category",), "side-by-side loss rate"),
    "sxs_net_preference": MetricInfo("sxs", True, "net", ("category",), "win rate − loss rate"),
    "violation_rate": MetricInfo("safety", False, "rate", ("area",), "violation rate"),
    "over_refusal_rate": MetricInfo("refusal", False, "rate", ("area",), "benign prompts refused"),
    "ifeval_prompt_strict": MetricInfo("ifeval", True, "rate", (), "IFEval prompt-level strict"),
    "ifeval_prompt_loose": MetricInfo("ifeval", True, "rate", (), "IFEval prompt-level loose"),
    "ifeval_inst_strict": MetricInfo("ifeval", True, "rate", (), "IFEval instruction-level strict"),
    "ifeval_inst_loose": MetricInfo("ifeval", True, "rate", (), "IFEval instruction-level loose"),
    "summarization_good_rate": MetricInfo("summarization", True, "rate", ("use_case",), "good"),
    "summarization_neutral_rate": MetricInfo(
        "summarization", None, "rate", ("use_case",), "neutral"
    ),
    "summarization_poor_rate": MetricInfo("summarization", False, "rate", ("use_case",), "poor"),
    "latency_p50_s": MetricInfo("latency", False, "value", (), "median latency (s)"),
    "latency_p90_s": MetricInfo("latency", False, "value", (), "90th percentile latency (s)"),
    "tokens_per_s": MetricInfo("latency", True, "value", (), "median tokens per second"),
    "error_rate": MetricInfo("latency", False, "rate", (), "failed requests"),
}
GRADED_FAMILIES = ("sxs", "safety", "refusal", "summarization")
DEFAULT_MIN_N = 30


class GateFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    use_case: str | None = None
    area: str | None = None

    def items(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.model_dump().items() if v is not None]


class Gate(BaseModel):
    """One release gate. Rates and margins are fractions (0.02 = 2 points)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    metric: Literal[tuple(METRICS)]  # type: ignore[valid-type]
    model: str = Field(min_length=1)
    baseline: str | None = None
    filter: GateFilter = Field(default_factory=GateFilter)
    threshold: float | None = None
    direction: Direction | None = None
    bound: Bound | None = None
    min_n: int = Field(DEFAULT_MIN_N, ge=1)
    graders: Graders | None = None
    baseline_run: str | None = None
    reference_model: str | None = None
    margin: float | None = Field(None, ge=0)
    description: str | None = None

    @property
    def info(self) -> MetricInfo:
        return METRICS[self.metric]

    @model_validator(mode="after")
    def _consistent(self) -> Gate:
        info = self.info
        if info.family == "sxs" and not self.baseline:
            raise ValueError(f"metric {self.metric} needs `baseline` (the model compared against)")
        if info.family != "sxs" and self.baseline:
            raise ValueError(
                "`baseline` is only for sxs metrics; compare against another model with "
                "`reference_model` and `margin`"
            )
        bad = [k for k, _ in self.filter.items() if k not in info.filters]
        if bad:
            allowed = ", ".join(info.filters) or "no filter"
            raise ValueError(f"filter {', '.join(bad)} does not apply to {self.metric} ({allowed})")
        if (self.threshold is None) == (self.margin is None):
            raise ValueError("give exactly one of `threshold` or `margin` (non-inferiority)")
        if self.margin is not None:
            if info.kind != "rate":
                raise ValueError(f"`margin` applies to rate metrics, not {self.metric}")
            if not (self.baseline_run or self.reference_model):
                raise ValueError("`margin` needs `baseline_run` and/or `reference_model`")
            if self.margin > 1:
                raise ValueError("`margin` is a fraction (0.02 = 2 points)")
        elif self.baseline_run or self.reference_model:
            raise ValueError("`baseline_run` / `reference_model` need a `margin`")
        if self.threshold is not None:
            low, high = {"rate": (0, 1), "net": (-1, 1)}.get(info.kind, (-np.inf, np.inf))
            if not low <= self.threshold <= high:
                raise ValueError(
                    f"threshold {self.threshold} is outside [{low}, {high}] for {self.metric} "
                    "(rates are fractions: 0.5 = 50%)"
                )
        if self.direction is None:
            if info.higher_is_better is None:
                raise ValueError(f"metric {self.metric} needs `direction` (at_least or at_most)")
            self.direction = "at_least" if info.higher_is_better else "at_most"
        if self.bound is None:
            self.bound = "lower" if self.direction == "at_least" else "upper"
        if self.graders is not None and info.family not in GRADED_FAMILIES:
            raise ValueError(f"`graders` does not apply to {self.metric} (measured by program)")
        return self

    def target(self) -> str:
        return f"{self.model} vs {self.baseline}" if self.baseline else self.model

    def filter_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.filter.items()) or "all"

    def rule_text(self) -> str:
        op = "≥" if self.direction == "at_least" else "≤"
        if self.margin is not None:
            ref = self.reference_model or self.model
            where = f" in {self.baseline_run}" if self.baseline_run else ""
            signed = -self.margin if self.direction == "at_least" else self.margin
            return f"{self.bound} bound of Δ vs {ref}{where} {op} {_pts(signed)}"
        return f"{self.bound} bound {op} {_num(self.threshold, self)}"


class GatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    seed: int = DEFAULT_SEED
    resamples: int = Field(DEFAULT_RESAMPLES, ge=100)
    gates: list[Gate] = Field(min_length=1)
    path: str = ""  # where it was read from (set by the loader)

    @model_validator(mode="after")
    def _unique_names(self) -> GatesFile:
        seen: set[str] = set()
        for gate in self.gates:
            if gate.name in seen:
                raise ValueError(f"gate name {gate.name!r} is used twice")
            seen.add(gate.name)
        return self


def load_gates(path: str | os.PathLike[str]) -> GatesFile:
    """Read and validate a gates file; a mistake is a UserError `path:line: key: problem`."""
    gates = load_yaml_model(
        path,
        GatesFile,
        what="gates",
        expect="a mapping with a `gates:` list",
        required_key="gates",
    )
    gates.path = str(Path(path))
    return gates


# ---------------------------------------------------------------- measuring


class MissingData(Exception):
    """The runs hold no data at all for what a gate asks (exit 2, not a failed gate)."""


@dataclass
class Measurement:
    value: float
    low: float
    high: float
    n: int
    k: int | None = None
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

    def value_text(self) -> str:
        m = self.measurement
        if m is None:
            return "—"
        if self.diff is not None:
            return "Δ " + _pts_interval(*self.diff)
        if self.gate.info.kind == "net":
            return _pts_interval(m.value, m.low, m.high)
        return f"{_num(m.value, self.gate)} [{_num(m.low, self.gate)}, {_num(m.high, self.gate)}]"


def _num(value: float | None, gate: Gate) -> str:
    """A value in the metric's units: rates as percent, net preference in signed points."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if gate.info.kind == "net":
        return _pts(value)
    if gate.info.kind == "rate":
        return f"{100 * value:.1f}%"
    return f"{value:.3g}"


def _pts(value: float | None) -> str:
    """A difference of rates in signed percentage points."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{100 * value:+.1f} pts"


def _pts_interval(value: float, low: float, high: float) -> str:
    """'+20.0 pts [+2.1, +36.2]'."""
    bounds = ", ".join("n/a" if np.isnan(v) else f"{100 * v:+.1f}" for v in (low, high))
    return f"{_pts(value)} [{bounds}]"


class Evaluator:
    """Measures gates' metrics on a set of runs, computing each table once."""

    def __init__(
        self, frames: RunFrames, seed: int = DEFAULT_SEED, resamples: int = DEFAULT_RESAMPLES
    ):
        self.frames = frames
        self.seed = seed
        self.resamples = resamples
        self._cache: dict[tuple, pd.DataFrame] = {}

    def _table(self, key: tuple, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def measure(self, gate: Gate, model: str) -> Measurement:
        family = gate.info.family
        if family == "ifeval":
            return self._ifeval(gate, model)
        if family == "latency":
            return self._latency(gate, model)
        return self._graded(gate, model)

    # -- graded metrics: pick humans, fall back to automatic grades, or pool

    def _graded(self, gate: Gate, model: str) -> Measurement:
        pool = gate.graders == "any"
        table = self._graded_table(gate, model, pool)
        choices = {"human": ["human"], "auto": ["auto"], "any": ["any"], None: ["human", "auto"]}
        for graders in choices[gate.graders]:
            rows = table[table["graders"] == graders]
            n_column = "n_items" if "n_items" in rows.columns else "n"
            rows = rows[rows[n_column] > 0]
            if not rows.empty:
                label = graders
                if gate.graders is None and graders == "auto":
                    label = "auto (fallback: no human grades)"
                return self._row_measurement(gate, rows.iloc[0], label)
        raise MissingData(self._missing_reason(gate, model))

    def _graded_table(self, gate: Gate, model: str, pool: bool) -> pd.DataFrame:
        from evalkit.stats import safety, summarization, sxs

        family = gate.info.family
        f = dict(gate.filter.items())
        if family == "sxs":
            pair = sxs.pair_frame(self.frames.sxs, model, gate.baseline or "", f.get("category"))
            key = ("sxs", model, gate.baseline, f.get("category"), pool)
            table = self._table(
                key,
                lambda: sxs.sxs_table(
                    pair, [model], resamples=self.resamples, seed=self.seed, pool_graders=pool
                ),
            )
            category = f.get("category", sxs.ALL)
            return table[(table["candidate"] == model) & (table["category"] == category)]
        if family == "safety":
            table = self._table(
                ("safety", pool), lambda: safety.violation_table(self.frames.safety, pool)
            )
            return table[(table["model"] == model) & (table["area"] == f.get("area", safety.ALL))]
        if family == "refusal":
            table = self._table(
                ("refusal", pool),
                lambda: safety.over_refusal_table(self.frames.safety, self.frames.refusals, pool),
            )
            return table[(table["model"] == model) & (table["area"] == f.get("area", safety.ALL))]
        table = self._table(
            ("summarization", pool),
            lambda: summarization.summarization_table(
                self.frames.summarization, summarization.default_rubric(), pool_graders=pool
            ),
        )
        use_case = f.get("use_case", summarization.ALL)
        return table[(table["model"] == model) & (table["use_case"] == use_case)]

    def _row_measurement(self, gate: Gate, row: pd.Series, graders: str) -> Measurement:
        metric = gate.metric
        if gate.info.family == "sxs":
            name = {"sxs_win_rate": "win", "sxs_tie_rate": "tie", "sxs_loss_rate": "loss"}.get(
                metric
            )
            if name is None:
                return Measurement(
                    row["net"], row["net_low"], row["net_high"], int(row["n_items"]), None, graders
                )
            k = int(row[{"win": "wins", "tie": "ties", "loss": "losses"}[name]])
            return Measurement(
                row[f"{name}_rate"],
                row[f"{name}_low"],
                row[f"{name}_high"],
                int(row["n_items"]),
                k,
                graders,
            )
        if gate.info.family == "summarization":
            name = metric.removeprefix("summarization_").removesuffix("_rate")
            return Measurement(
                row[f"{name}_rate"],
                row[f"{name}_low"],
                row[f"{name}_high"],
                int(row["n_items"]),
                int(row[name]),
                graders,
            )
        return Measurement(
            row["rate"], row["low"], row["high"], int(row["n"]), int(row["k"]), graders
        )

    def _missing_reason(self, gate: Gate, model: str) -> str:
        family = gate.info.family
        where = f" ({gate.filter_text()})" if gate.filter.items() else ""
        wanted = f"{gate.graders} " if gate.graders else ""
        if family == "sxs":
            return (
                f"no {wanted}side-by-side grades of {model} vs {gate.baseline}{where} in the runs"
            )
        what = {
            "safety": "safety grades",
            "refusal": "refusal grades or auto:refusal scores on benign prompts",
            "summarization": "summarization grades",
        }[family]
        return f"no {wanted}{what} of {model}{where} in the runs"

    # -- program-measured metrics

    def _ifeval(self, gate: Gate, model: str) -> Measurement:
        from evalkit.stats.ifeval import ifeval_table

        table = self._table(
            ("ifeval",),
            lambda: ifeval_table(self.frames.ifeval, resamples=self.resamples, seed=self.seed),
        )
        metric = gate.metric.removeprefix("ifeval_")
        rows = table[(table["model"] == model) & (table["metric"] == metric)]
        if rows.empty:
            raise MissingData(f"no IFEval scores of {model} in the runs (run `evalkit score`)")
        row = rows.iloc[0]
        return Measurement(
            row["rate"], row["low"], row["high"], int(row["n"]), int(row["k"]), "program"
        )

    def _latency(self, gate: Gate, model: str) -> Measurement:
        from evalkit.stats.latency import latency_table

        table = self._table(("latency",), lambda: latency_table(self.frames.responses))
        rows = table[table["model"] == model]
        if rows.empty:
            raise MissingData(f"no responses of {model} in the runs")
        row = rows.iloc[0]
        if gate.metric == "error_rate":
            return Measurement(
                row["error_rate"],
                row["error_low"],
                row["error_high"],
                int(row["n"]),
                int(row["errors"]),
                "measured",
            )
        column = gate.metric
        n_ok = int(row["n"] - row["errors"])
        return Measurement(
            row[column],
            row[f"{_base(column)}_low"],
            row[f"{_base(column)}_high"],
            n_ok,
            None,
            "measured",
        )


def _base(column: str) -> str:
    return column.removesuffix("_s") if column.startswith("latency") else column


# ---------------------------------------------------------------- deciding


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
            f"n={measurement.n} < min_n={gate.min_n}: too few samples to decide",
            measurement,
        )
    if gate.margin is not None:
        return _decide_noninferiority(gate, measurement, reference or current)
    value = {"lower": measurement.low, "upper": measurement.high, "point": measurement.value}[
        gate.bound or "point"
    ]
    if value is None or np.isnan(value):
        return Verdict(
            gate, "fail", f"the {gate.bound} bound is undefined at n={measurement.n}", measurement
        )
    ok = value >= gate.threshold if gate.direction == "at_least" else value <= gate.threshold
    op = ("≥" if ok else "<") if gate.direction == "at_least" else ("≤" if ok else ">")
    reason = f"{gate.bound} bound {_num(value, gate)} {op} {_num(gate.threshold, gate)}"
    return Verdict(gate, "pass" if ok else "fail", reason, measurement, decided_by=value)


def _decide_noninferiority(gate: Gate, measurement: Measurement, reference: Evaluator) -> Verdict:
    ref_model = gate.reference_model or gate.model
    try:
        ref = reference.measure(gate, ref_model)
    except MissingData as exc:
        return Verdict(gate, "missing", f"reference: {exc}", measurement)
    if ref.n < gate.min_n:
        return Verdict(
            gate,
            "insufficient",
            f"reference {ref_model}: n={ref.n} < min_n={gate.min_n}: too few samples to decide",
            measurement,
            ref,
        )
    assert measurement.k is not None and ref.k is not None  # rate metrics only (validated)
    low, high = newcombe_interval(measurement.k, measurement.n, ref.k, ref.n)
    diff = (measurement.value - ref.value, low, high)
    value = {"lower": low, "upper": high, "point": diff[0]}[gate.bound or "point"]
    limit = -gate.margin if gate.direction == "at_least" else gate.margin
    ok = value >= limit if gate.direction == "at_least" else value <= limit
    op = ("≥" if ok else "<") if gate.direction == "at_least" else ("≤" if ok else ">")
    reason = (
        f"Δ vs {ref_model} ({_num(ref.value, gate)}, n={ref.n}): {gate.bound} bound "
        f"{_pts(value)} {op} {_pts(limit)}"
    )
    return Verdict(gate, "pass" if ok else "fail", reason, measurement, ref, diff, value)


@dataclass
class GateReport:
    verdicts: list[Verdict]
    runs: list[str] = field(default_factory=list)
    gates_path: str = ""

    @property
    def exit_code(self) -> int:
        if any(v.status == "missing" for v in self.verdicts):
            return 2
        return 0 if all(v.passed for v in self.verdicts) else 1

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
                text += f" ({c['insufficient']} on too few samples)"
        if c["missing"]:
            text += f", {c['missing']} missing data"
        return text


def run_gates(
    gates: GatesFile, frames: RunFrames, db: str | None = None, run_dirs: list[str] | None = None
) -> GateReport:
    """Decide every gate on `frames`; non-inferiority gates load their baseline runs."""
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
                references[str(run_path)] = Evaluator(
                    load_runs([run_path], db), gates.seed, gates.resamples
                )
            reference = references[str(run_path)]
        verdicts.append(decide(gate, current, reference))
    return GateReport(verdicts, list(run_dirs or frames.run_dirs), gates.path)


def resolve_run(path: str, gates_path: str) -> Path | None:
    """A baseline run relative to the current folder, else to the gates file's folder."""
    for candidate in (Path(path), Path(gates_path).parent / path):
        if candidate.is_dir():
            return candidate
    return None


# ---------------------------------------------------------------- outputs


def verdict_rows(report: GateReport) -> list[dict[str, str]]:
    """The verdict table as plain strings (shared by the terminal, Markdown and the report)."""
    return [
        {
            "gate": v.gate.name,
            "metric": v.gate.metric,
            "model": v.gate.target(),
            "filter": v.gate.filter_text(),
            "graders": v.measurement.graders if v.measurement else (v.gate.graders or "human"),
            "value": v.value_text(),
            "n": str(v.measurement.n) if v.measurement else "0",
            "rule": v.gate.rule_text() + f", n ≥ {v.gate.min_n}",
            "verdict": v.label,
            "status": v.status,
            "reason": v.reason,
        }
        for v in report.verdicts
    ]


def print_verdicts(report: GateReport, console: object | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    if console is None:
        import sys

        console = Console(width=None if sys.stdout.isatty() else 200)
    table = Table(title=f"Release gates — {report.summary()}", show_lines=False)
    for column in (
        "Gate",
        "Metric",
        "Model",
        "Filter",
        "Graders",
        "Value [95% CI]",
        "n",
        "Rule",
        "Verdict",
    ):
        table.add_column(column, overflow="fold")
    style = {"pass": "green", "fail": "red", "insufficient": "red", "missing": "yellow"}
    for row in verdict_rows(report):
        table.add_row(
            row["gate"],
            row["metric"],
            row["model"],
            row["filter"],
            row["graders"],
            row["value"],
            row["n"],
            row["rule"],
            f"[{style[row['status']]}]{row['verdict']}[/]",
            style=None,
        )
    console.print(table)  # type: ignore[attr-defined]
    for v in report.verdicts:
        if not v.passed:
            console.print(
                f"[{style[v.status]}]{v.label}[/] {v.gate.name}: {v.reason}", highlight=False
            )  # type: ignore[attr-defined]


def junit_xml(report: GateReport) -> str:
    """JUnit XML: one testcase per gate; a failed gate is a <failure>, missing data an <error>."""
    counts = report.counts
    suites = ET.Element("testsuites", name="evalkit gates")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="evalkit.gates",
        tests=str(len(report.verdicts)),
        failures=str(counts["fail"] + counts["insufficient"]),
        errors=str(counts["missing"]),
        skipped="0",
        time="0",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="gates_file", value=report.gates_path)
    ET.SubElement(properties, "property", name="runs", value=" ".join(report.runs))
    for v, row in zip(report.verdicts, verdict_rows(report), strict=True):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"evalkit.gates.{v.gate.metric}",
            name=v.gate.name,
            time="0",
        )
        detail = (
            f"{row['model']} ({row['filter']}, graders: {row['graders']}): "
            f"{row['value']} n={row['n']}; rule: {row['rule']}"
        )
        if v.status in ("fail", "insufficient"):
            ET.SubElement(case, "failure", message=v.reason, type=v.status).text = detail
        elif v.status == "missing":
            ET.SubElement(case, "error", message=v.reason, type="missing_data").text = detail
        ET.SubElement(case, "system-out").text = f"{detail}; {v.label}: {v.reason}"
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def md_cell(text: object) -> str:
    """Text safe in a Markdown table cell: HTML escaped, pipes and newlines neutralised."""
    import html

    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: GateReport) -> str:
    """A Markdown summary for CI step summaries (GitHub `$GITHUB_STEP_SUMMARY`)."""
    icon = {"pass": "✅", "fail": "❌", "insufficient": "❌", "missing": "⚠️"}
    runs = ", ".join(f"`{md_cell(r)}`" for r in report.runs)
    lines = [
        f"## Release gates: {md_cell(report.summary())}",
        "",
        f"Gates file `{md_cell(report.gates_path)}`; runs: {runs}.",
        "Values: point estimate [95% interval]; each gate decides on the bound its rule names.",
        "",
        "| | Gate | Metric | Model | Filter | Graders | Value [95% CI] | n | Rule | Reason |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in verdict_rows(report):
        cells = [
            f"{icon[row['status']]} {row['verdict']}",
            row["gate"],
            f"`{row['metric']}`",
            row["model"],
            row["filter"],
            row["graders"],
            row["value"],
            row["n"],
            row["rule"],
            row["reason"],
        ]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
