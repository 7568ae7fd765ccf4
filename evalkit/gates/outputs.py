"""What a gate run writes for people and CI: the verdict rows (shared by the terminal, the
Markdown summary and the report), JUnit XML, and the Markdown summary for CI step summaries."""

from __future__ import annotations

import html
import math
from xml.etree import ElementTree as ET

from evalkit.gates.decide import GateReport, Verdict, num, pts


def rule_text(verdict: Verdict) -> str:
    gate = verdict.gate
    op = "≥" if gate.direction == "at_least" else "≤"
    if gate.margin is not None:
        ref = gate.reference_model or gate.model
        where = f" in {gate.baseline_run}" if gate.baseline_run else ""
        signed = -gate.margin if gate.direction == "at_least" else gate.margin
        return f"{gate.bound} bound of Δ vs {ref}{where} {op} {pts(signed)}"
    return f"{gate.bound} bound {op} {num(gate.threshold, gate)}"


def value_text(verdict: Verdict) -> str:
    m = verdict.measurement
    if m is None:
        return "—"
    if verdict.diff is not None:
        return "Δ " + _pts_interval(*verdict.diff)
    gate = verdict.gate
    return f"{num(m.value, gate)} [{num(m.low, gate)}, {num(m.high, gate)}]"


def _pts_interval(value: float, low: float, high: float) -> str:
    """'+20.0 pts [+2.1, +36.2]'."""
    bounds = ", ".join("n/a" if math.isnan(v) else f"{100 * v:+.1f}" for v in (low, high))
    return f"{pts(value)} [{bounds}]"


def verdict_rows(report: GateReport) -> list[dict[str, str]]:
    """The verdict table as plain strings."""
    return [
        {
            "gate": v.gate.name,
            "metric": v.gate.metric,
            "model": v.gate.target(),
            "filter": v.gate.filter_text(),
            "graders": v.measurement.graders if v.measurement else (v.gate.graders or "human"),
            "value": value_text(v),
            "n": str(v.measurement.n) if v.measurement else "0",
            "rule": rule_text(v) + f", n ≥ {v.gate.min_n} prompts",
            "verdict": v.label,
            "status": v.status,
            "reason": v.reason,
        }
        for v in report.verdicts
    ]


def junit_xml(report: GateReport) -> str:
    """JUnit XML: one testcase per gate; a failed gate is a <failure>, missing data an <error>."""
    counts = report.counts
    suites = ET.Element("testsuites", name="evalkit gates")
    suite = ET.SubElement(
        suites, "testsuite", name="evalkit.gates", tests=str(len(report.verdicts)),
        failures=str(counts["fail"] + counts["insufficient"]), errors=str(counts["missing"]),
        skipped="0", time="0",
    )  # fmt: skip
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="gates_file", value=report.gates_path)
    ET.SubElement(properties, "property", name="runs", value=" ".join(report.runs))
    for v, row in zip(report.verdicts, verdict_rows(report), strict=True):
        case = ET.SubElement(
            suite, "testcase", classname=f"evalkit.gates.{v.gate.metric}", name=v.gate.name,
            time="0",
        )  # fmt: skip
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
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


ICON = {"pass": "✅", "fail": "❌", "insufficient": "❌", "missing": "⚠️"}


def headline(report: GateReport) -> str:
    """The one-line verdict people read first; it follows the exit code, never the reverse."""
    if report.exit_code == 0:
        return "Ready to ship: every release gate passed"
    if report.exit_code == 2:
        return "Not ready: some release gates have no data"
    return "Not ready to ship: a release gate failed"


def markdown_summary(report: GateReport, trends: dict[str, str] | None = None) -> str:
    """A Markdown summary for CI step summaries (GitHub `$GITHUB_STEP_SUMMARY`); `trends` maps a
    gate name to a one-line history ("48% → 53% [49, 57], +5 pts, significant")."""
    runs = ", ".join(f"`{md_cell(r)}`" for r in report.runs)
    lines = [
        f"## {md_cell(headline(report))} ({md_cell(report.summary())})",
        "",
        f"Gates file `{md_cell(report.gates_path)}`; runs: {runs}.",
        "Values: point estimate [95% interval]; each gate decides on the bound its rule names; "
        "n counts prompts.",
        "",
        "| | Gate | Metric | Model | Filter | Graders | Value [95% CI] | n | Rule | Reason |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in verdict_rows(report):
        cells = [
            f"{ICON[row['status']]} {row['verdict']}", row["gate"], f"`{row['metric']}`",
            row["model"], row["filter"], row["graders"], row["value"], row["n"], row["rule"],
            row["reason"],
        ]  # fmt: skip
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    if trends:
        lines += ["", "Trend over the release history:", ""]
        lines += [f"- {md_cell(name)}: {md_cell(text)}" for name, text in trends.items()]
    return "\n".join(lines) + "\n"
