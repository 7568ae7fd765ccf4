"""`evalkit gate`: exit codes 0 / 1 / 2, the verdict table, JUnit XML and Markdown."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from evalkit.cli import run_cli
from evalkit.testing.synthetic import write_synthetic_run


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_run(tmp_path_factory.mktemp("gates") / "run-1", prompts_per_category=30)


def gates_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "gates.yaml"
    path.write_text("resamples: 500\ngates:\n" + body)
    return path


PASSING = """\
  - name: summaries are rarely poor
    metric: summarization_poor_rate
    model: smollm2-135m
    threshold: 0.5
  - name: fast enough
    metric: latency_p50_s
    model: smollm2-135m
    threshold: 30
"""
FAILING = """\
  - name: wins most of the time
    metric: sxs_win_rate
    model: smollm2-135m
    baseline: gemma3-270m
    threshold: 0.9
  - name: needs many samples
    metric: violation_rate
    model: smollm2-135m
    threshold: 0.9
    min_n: 10000
"""
MISSING = """\
  - name: server model
    metric: sxs_win_rate
    model: server-model
    baseline: gemma3-270m
    threshold: 0.4
"""


def test_all_gates_pass_exit_0(tmp_path: Path, run: Path, capsys) -> None:
    markdown = tmp_path / "gates.md"
    path = gates_file(tmp_path, PASSING)
    assert run_cli(["gate", "--gates", str(path), str(run), "--markdown", str(markdown)]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 gates passed" in out and "PASS" in out
    assert "Ready to ship" in out and "Not ready" not in out  # the headline follows exit 0
    md = markdown.read_text()
    assert md.startswith("## Ready to ship: every release gate passed (2 of 2 gates passed)")
    assert "Not ready" not in md


def test_a_failed_gate_exits_1_and_writes_junit_and_markdown(
    tmp_path: Path, run: Path, capsys
) -> None:
    junit, markdown = tmp_path / "ci" / "gates.xml", tmp_path / "ci" / "gates.md"
    path = gates_file(tmp_path, PASSING + FAILING)
    code = run_cli(
        ["gate", "-g", str(path), str(run), "--junit", str(junit), "--markdown", str(markdown)]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "2 of 4 gates passed, 2 failed (1 on too few prompts)" in out
    assert "n=72 prompts < min_n=10000" in out
    assert "Not ready to ship" in out and "Ready to ship" not in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "0")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["summaries are rarely poor"].find("failure") is None
    failure = cases["needs many samples"].find("failure")
    assert failure is not None and "min_n=10000" in failure.get("message", "")
    md = markdown.read_text()
    assert md.startswith("## Not ready to ship: a release gate failed (2 of 4 gates passed")
    assert "Ready to ship" not in md  # the headline follows exit 1
    assert "| ❌ FAIL | wins most of the time |" in md and "✅ PASS" in md


def test_missing_data_exits_2_with_an_error_case(tmp_path: Path, run: Path, capsys) -> None:
    junit = tmp_path / "gates.xml"
    path = gates_file(tmp_path, PASSING + MISSING)
    assert run_cli(["gate", "-g", str(path), str(run), "--junit", str(junit)]) == 2
    captured = capsys.readouterr()
    assert "MISSING" in captured.out and "of server-model vs gemma3-270m" in captured.out
    assert "Not ready" in captured.out and "Ready to ship" not in captured.out
    assert "error: missing data" in captured.err
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1"


def test_a_bad_gates_file_exits_2_naming_file_line_and_key(
    tmp_path: Path, run: Path, capsys
) -> None:
    path = gates_file(
        tmp_path,
        "  - name: x\n    metric: sxs_win_rate\n    model: m\n    baseline: b\n    threshhold: 1\n",
    )
    assert run_cli(["gate", "-g", str(path), str(run)]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}:7: gates.0.threshhold: unknown key 'threshhold'" in err
    assert "Traceback" not in err


def test_a_missing_run_folder_exits_2(tmp_path: Path, capsys) -> None:
    path = gates_file(tmp_path, PASSING)
    assert run_cli(["gate", "-g", str(path), str(tmp_path / "no-run")]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'no-run'}: " in err and "run folder" in err


def test_github_step_summary_is_appended_without_markdown_option(
    tmp_path: Path, run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run_cli(["gate", "-g", str(gates_file(tmp_path, PASSING)), str(run)]) == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n## Ready to ship: every release gate passed (2 of 2")


def test_an_unwritable_output_exits_2(tmp_path: Path, run: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    path = gates_file(tmp_path, PASSING)
    for option in ("--junit", "--markdown"):
        target = blocker / "gates.out"
        assert run_cli(["gate", "-g", str(path), str(run), option, str(target)]) == 2
        err = capsys.readouterr().err
        assert f"error: {target}: cannot write" in err and "Traceback" not in err
    folder = tmp_path / "a-folder"
    folder.mkdir()
    junit = tmp_path / "gates.xml"
    code = run_cli(
        ["gate", "-g", str(path), str(run), "--junit", str(junit), "--markdown", str(folder)]
    )
    assert code == 2
    assert "is a folder" in capsys.readouterr().err
    assert not junit.exists()  # all or nothing: no JUnit file without its summary


def test_the_example_gates_run_on_a_demo_like_run(run: Path, capsys) -> None:
    from evalkit.paths import PROJECT_ROOT

    code = run_cli(["gate", "-g", str(PROJECT_ROOT / "examples" / "gates.yaml"), str(run)])
    assert code in (0, 1)  # every gate finds its data in a run with the demo's models
    assert "MISSING" not in capsys.readouterr().out
