"""The whole loop in one command: a shortened `evalkit demo` on the real embedded models, then
check that the report and the gate outputs exist and agree with the statistics."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evalkit.gates import load_gates, run_gates, value_text
from evalkit.paths import PROJECT_ROOT
from evalkit.records import CATEGORIES
from evalkit.runner import load_responses
from evalkit.stats.runs import load_runs

# the demo alone takes about 4 minutes on 2 quiet cores; unit tests share the cores with it
pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.timeout(1500)]
GATES = PROJECT_ROOT / "examples" / "gates.yaml"


def evalkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=os.environ | (env or {}),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory, embedded_models, data_dir: Path) -> tuple[Path, Path, str]:
    """The demo on the embedded models, reading IFEval from the public data (`data_dir`)."""
    root = tmp_path_factory.mktemp("demo")
    run, report = root / "run", root / "report"
    print("\nevalkit tests: running a shortened demo on the embedded models (a few minutes)")
    sizes = ["--bank", "1", "--summaries", "1", "--ifeval", "4", "--adversarial", "2"]
    sizes += ["--judge-limit", "3"]
    args = ["demo", "-o", str(run), "--report", str(report), *sizes, "--max-tokens", "32"]
    result = evalkit(*args, env={"EVALKIT_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return run, report, result.stdout


def test_demo_writes_every_artifact_and_says_where(demo):
    run, report, stdout = demo
    for name in (
        "responses.jsonl",
        "prompts.jsonl",
        "manifest.json",
        "scores.jsonl",
        "grades.sqlite",
    ):
        assert (run / name).is_file(), name
    for name in ("index.html", "report.md", "gates.junit.xml", "gates.md"):
        assert (report / name).is_file(), name
    if shutil.which("chromium"):
        assert (report / "report.pdf").stat().st_size > 10_000
    assert f"evalkit app {run}" in stdout and str(report / "index.html") in stdout
    for step in (
        "$ evalkit run",
        "$ evalkit plan sxs",
        "$ evalkit score",
        "$ evalkit gate",
        "$ evalkit report",
    ):
        assert step in stdout
    responses = load_responses(run)
    assert {r.model for r in responses} == {"smollm2-135m", "gemma3-270m"}
    prompts = [json.loads(line) for line in (run / "prompts.jsonl").read_text().splitlines()]
    assert {p["suite"] for p in prompts} == {"bank", "summarization", "ifeval", "adversarial"}
    bank = {p["category"] for p in prompts if p["suite"] == "bank"}
    assert bank == set(CATEGORIES)  # every category of the bank


def test_gate_outputs_agree_with_the_statistics(demo):
    run, report, _ = demo
    verdicts = {v.gate.name: v for v in run_gates(load_gates(GATES), load_runs([run])).verdicts}
    junit = ET.parse(report / "gates.junit.xml").getroot()
    cases = {case.get("name"): case for case in junit.iter("testcase")}
    assert set(cases) == set(verdicts)
    for name, verdict in verdicts.items():
        failed = cases[name].find("failure") is not None or cases[name].find("error") is not None
        assert failed == (not verdict.passed), name
    markdown = (report / "gates.md").read_text()
    html = (report / "index.html").read_text()
    for verdict in verdicts.values():
        assert value_text(verdict) in markdown
        assert value_text(verdict).replace("<", "&lt;") in html or verdict.measurement is None

    # IFEval gate value == `evalkit stats ifeval`
    ifeval = json.loads(evalkit("stats", "ifeval", str(run), "--json").stdout)
    strict = next(
        r for r in ifeval if r["model"] == "smollm2-135m" and r["metric"] == "ifeval_prompt_strict"
    )
    gate = next(v for v in verdicts.values() if v.gate.metric == "ifeval_prompt_strict")
    assert gate.measurement.n == strict["n"] == 4
    assert gate.measurement.value == pytest.approx(strict["estimate"])

    # error-rate gate counts every response of the model, clustered by prompt
    errors = next(v for v in verdicts.values() if v.gate.metric == "error_rate")
    n_smol = sum(1 for r in load_responses(run) if r.model == "smollm2-135m")
    assert errors.measurement.n_items == n_smol

    # side-by-side gate value == `evalkit stats sxs` (same graders, all categories)
    sxs = json.loads(
        evalkit("stats", "sxs", str(run), "--candidate", "smollm2-135m", "--json").stdout
    )
    loss = next(
        v for v in verdicts.values() if v.gate.metric == "sxs_loss_rate" and not v.gate.filter
    )
    overall = next(
        r
        for r in sxs
        if r["metric"] == "sxs_loss_rate"
        and r["group"] == "all"
        and r["model"] == "smollm2-135m"
        and r["graders"] == loss.measurement.graders.split(" ")[0]
    )
    assert loss.measurement.n == overall["n"]
    assert loss.measurement.value == pytest.approx(overall["estimate"])
