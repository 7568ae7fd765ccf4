"""Release history (evalkit.report.history): three synthetic release candidates on the same
prompts, the side-by-side win rate flat then jumping; the table, the significance of each step,
the thresholds, the trend lines, the rendering (escaped, no script, readable in chromium) and the
gate's JSONL history file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from evalkit.gates import GateReport, GatesFile, load_gates, run_gates
from evalkit.report.history import (
    HISTORY_COLUMNS,
    append_history,
    history_context,
    history_html,
    history_markdown,
    history_table,
    read_history,
    trend_lines,
    verdict_records,
)
from evalkit.stats.runs import load_runs
from evalkit.testing.synthetic import write_synthetic_run

RESAMPLES = 500
SEED = 7
PAYLOAD = "<script>window.__xss = 'run'</script><img src=x onerror=\"window.__xss = 'img'\">"
GATES = """
version: 1
seed: 7
resamples: 500
gates:
  - name: win rate vs baseline
    metric: sxs_win_rate
    model: smollm2-135m
    baseline: gemma3-270m
    threshold: 0.3
    min_n: 100
  - name: violation rate
    metric: violation_rate
    model: smollm2-135m
    threshold: 0.2
    min_n: 50
  - name: median latency
    metric: latency_p50_s
    model: smollm2-135m
    threshold: 10.0
  - name: IFEval no worse than the baseline
    metric: ifeval_prompt_strict
    model: smollm2-135m
    reference_model: gemma3-270m
    margin: 0.05
    min_n: 50
"""
WIN = "win rate vs baseline"
# (p_win, seed, created_at): the win rate stays, then jumps; the last run id is HTML
RUNS = [
    ("rc1", 0.30, 1, "2024-01-15T10:00:00+00:00"),
    ("rc2", 0.30, 2, "2024-02-15T10:00:00+00:00"),
    (PAYLOAD, 0.62, 3, "2024-03-15T10:00:00+00:00"),
]


def _set_manifest(run: Path, **fields: str) -> None:
    manifest = json.loads((run / "manifest.json").read_text())
    manifest.update(fields)
    (run / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("history")


@pytest.fixture(scope="module")
def runs(root: Path) -> list[Path]:
    out = []
    for i, (run_id, p_win, seed, created) in enumerate(RUNS, start=1):
        run = write_synthetic_run(root / f"rc{i}", p_win=p_win, seed=seed)
        _set_manifest(run, run_id=run_id, created_at=created)
        out.append(run)
    return out


@pytest.fixture(scope="module")
def gates(root: Path) -> GatesFile:
    path = root / "gates.yaml"
    path.write_text(GATES)
    return load_gates(path)


@pytest.fixture(scope="module")
def table(runs: list[Path], gates: GatesFile) -> pd.DataFrame:
    return history_table(runs, gates, seed=SEED, resamples=RESAMPLES)


@pytest.fixture(scope="module")
def last_report(runs: list[Path], gates: GatesFile) -> GateReport:
    return run_gates(gates, load_runs([runs[-1]]))


def series(table: pd.DataFrame, name: str) -> pd.DataFrame:
    return table[table["series"] == name].sort_values("run").reset_index(drop=True)


# ---------------------------------------------------------------------------- the table


def test_three_points_per_gate_in_run_order(table: pd.DataFrame, gates: GatesFile) -> None:
    assert list(table.columns) == HISTORY_COLUMNS
    assert list(dict.fromkeys(table["series"])) == [g.name for g in gates.gates]
    for name, part in table.groupby("series"):
        assert list(part["run"]) == [0, 1, 2], name
        assert list(part["run_id"]) == [r[0] for r in RUNS]
        assert list(part["created_at"]) == [r[3] for r in RUNS]
        assert (part["status"] == "ok").all(), part[["run_id", "note"]]
        assert part[["estimate", "low", "high"]].notna().all().all()
        assert (part["low"] <= part["estimate"]).all() and (part["estimate"] <= part["high"]).all()


def test_a_significant_change_where_the_win_rate_jumps_and_not_where_it_stays(
    table: pd.DataFrame,
) -> None:
    win = series(table, WIN)
    assert win["graders"].tolist() == ["human"] * 3
    first, flat, jump = win.iloc[0], win.iloc[1], win.iloc[2]
    assert first["previous"] == "" and first["significant"] is None and math.isnan(first["change"])
    assert flat["previous"] == "rc1" and jump["previous"] == "rc2"
    assert flat["significant"] is False and flat["change_low"] < 0 < flat["change_high"]
    assert jump["significant"] is True and jump["better"] is True
    assert jump["change_low"] > 0 and jump["change"] > 0.1
    # the change is the difference of the two runs' estimates, tested on the shared prompts
    assert jump["change"] == pytest.approx(jump["estimate"] - flat["estimate"])
    assert jump["comparison"].startswith("paired on 120 shared prompts")


def test_thresholds_come_from_the_gates(table: pd.DataFrame) -> None:
    assert (series(table, WIN)["threshold"] == 0.3).all()
    assert (series(table, WIN)["direction"] == "at_least").all()
    assert (series(table, "violation rate")["threshold"] == 0.2).all()
    assert (series(table, "violation rate")["direction"] == "at_most").all()
    margin = series(table, "IFEval no worse than the baseline")
    assert margin["threshold"].isna().all() and "non-inferiority" in margin["rule"].iloc[0]
    latency = series(table, "median latency")
    assert latency["comparison"].iloc[1].startswith("not tested: no item-level values")
    assert latency["significant"].iloc[1] is None


def test_the_last_point_is_the_gate_s_own_measurement(
    table: pd.DataFrame, last_report: GateReport
) -> None:
    last = table[table["run"] == 2].set_index("series")
    for verdict in last_report.verdicts:
        m = verdict.measurement
        assert m is not None
        row = last.loc[verdict.gate.name]
        assert (row["estimate"], row["low"], row["high"], row["n"]) == pytest.approx(
            (m.value, m.low, m.high, m.n)
        )


def test_without_gates_the_headline_metrics_of_the_candidates(
    runs: list[Path], table: pd.DataFrame
) -> None:
    headline = history_table(runs, None, seed=SEED, resamples=RESAMPLES)
    assert set(headline["model"]) == {"smollm2-135m"}  # the manifests' candidate
    assert headline.groupby("series").size().eq(3).all()
    assert headline["threshold"].isna().all() and (headline["gate"] == "").all()
    metrics = set(headline["metric"])
    assert {"sxs_win_rate", "violation_rate", "ifeval_prompt_strict", "latency_p50_s"} <= metrics
    assert "sxs_win_rate_majority" not in metrics  # not a headline metric
    win = headline[headline["metric"] == "sxs_win_rate"].sort_values("run")
    mine = series(table, WIN)
    assert win["estimate"].tolist() == pytest.approx(mine["estimate"].tolist())
    assert win["significant"].tolist()[1:] == [False, True]


def test_a_run_without_data_is_a_gap_and_unshared_prompts_are_unpaired(
    root: Path, runs: list[Path], gates: GatesFile
) -> None:
    empty = root / "empty-run"
    empty.mkdir()
    (empty / "manifest.json").write_text(json.dumps({"run_id": "empty"}))
    other = write_synthetic_run(
        root / "other-prompts", categories=("travel", "cooking", "law"), seed=9
    )
    only_win = GatesFile(gates=[gates.gates[0]], seed=SEED, resamples=RESAMPLES)
    table = history_table([runs[0], empty, other], only_win)
    win = series(table, WIN)
    assert win["run_id"].tolist() == ["rc1", "empty", "other-prompts"]
    assert win["status"].tolist() == ["ok", "missing", "ok"]
    assert "no " in win["note"].iloc[1]
    assert win["created_at"].iloc[1] == ""  # no created_at in that manifest: none made up
    last = win.iloc[2]
    assert last["previous"] == "rc1"  # the change skips the gap
    assert last["comparison"].startswith("unpaired: no shared prompts"), last["comparison"]
    assert math.isfinite(last["change_low"]) and math.isfinite(last["change_high"])
    assert "→ no data →" in trend_lines(table)[WIN]
    assert "no data" in history_html(table)


# ---------------------------------------------------------------------------- rendering


def test_trend_lines_for_the_ci_summary(
    table: pd.DataFrame, gates: GatesFile, last_report: GateReport
) -> None:
    from evalkit.gates import markdown_summary

    lines = trend_lines(table)
    assert list(lines) == [g.name for g in gates.gates]
    win = lines[WIN]
    assert win.count("→") == 2 and "%" in win and " pts [" in win
    assert "significant, better (paired on 120 shared prompts)" in win
    assert "not tested" in lines["median latency"]
    summary = markdown_summary(last_report, lines)
    assert "Trend over the release history" in summary and f"- {WIN}: " in summary


def test_html_escapes_the_run_id_and_has_no_script(table: pd.DataFrame) -> None:
    html = history_html(table)
    assert "<script" not in html and "onerror=" not in html.replace("onerror=&#34;", "")
    assert "&lt;script&gt;window.__xss" in html
    assert html.count("<svg") == table["series"].nunique()
    # drawn for the threshold gates near the data; the latency gate's 10 s is named at the
    # edge (it would flatten medians near 0.6 s); none for the non-inferiority gate
    assert html.count('class="hist-threshold"') == 2
    assert html.count('class="hist-threshold-off"') == 1 and "gate ≤ 10 ↑" in html
    assert html.count('class="hist-point"') == 12 and html.count('class="hist-interval"') == 12
    assert 'class="hist-change sig"' in html


def test_markdown_escapes_and_lists_every_run(table: pd.DataFrame) -> None:
    text = history_markdown(table)
    assert text.lstrip().startswith("## Release history")
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    win = text.split("### win rate vs baseline")[1].split("###")[0]
    rows = [line for line in win.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 4  # header + three runs
    assert all(line.count(" | ") == 7 for line in rows), rows  # no cell broken by a pipe


def test_no_table_no_section() -> None:
    assert history_html(None) == "" and history_markdown(None) == ""
    assert history_context(None) is None


@pytest.mark.slow
@pytest.mark.browser
def test_the_section_in_a_real_browser(
    chromium_browser, table: pd.DataFrame, tmp_path: Path
) -> None:
    page_file = tmp_path / "history.html"
    page_file.write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        "<title>history</title></head><body style='max-width:1080px;margin:0 auto'>"
        f"{history_html(table)}</body></html>",
        encoding="utf-8",
    )
    page = chromium_browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_timeout(300)  # let any injected handler fire
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert PAYLOAD in page.inner_text("body")  # the run id, shown as text
        charts = page.locator("svg.history-chart")
        assert charts.count() == table["series"].nunique()
        box = charts.first.bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 150
        whisker = page.locator(".hist-interval").first.bounding_box()
        assert whisker is not None and whisker["height"] > 5
        line = page.locator(".hist-threshold").first.bounding_box()
        assert line is not None and line["width"] > 400
        assert page.locator(".hist-point").count() == 12
        assert page.locator(".hist-change.sig").count() >= 1
        shot = tmp_path / "history.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\n[browser] history screenshot: {shot}")
        png = shot.read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 30_000
    finally:
        page.close()


# ---------------------------------------------------------------------------- history file


def test_a_gate_history_file_reads_back_as_a_history(
    runs: list[Path], gates: GatesFile, tmp_path: Path
) -> None:
    path = tmp_path / "gate-history.jsonl"
    for run in runs:
        report = run_gates(gates, load_runs([run]), run_dirs=[str(run)])
        append_history(path, verdict_records(report))
    append_history(path, verdict_records(report))  # the same run decided twice: last wins
    with path.open("a") as handle:
        handle.write('{"torn": ')  # an interrupted append
    lines = path.read_text().splitlines()
    assert len(lines) == 4 * len(gates.gates) + 1
    assert json.loads(lines[0])["run_id"] == "rc1"
    table = read_history(path)
    assert list(table.columns) == HISTORY_COLUMNS
    assert table.groupby("series").size().eq(3).all()
    win = series(table, WIN)
    assert win["run_id"].tolist() == [r[0] for r in RUNS]
    assert win["significant"].tolist() == [None, False, True]
    assert win["comparison"].iloc[2].startswith("unpaired: MOVER")
    assert (win["threshold"] == 0.3).all()
    assert "significant" in trend_lines(table)[WIN]
    assert "<script" not in history_html(table)
    append_history(path, [])  # repairs the torn tail
    assert path.read_text().endswith("\n") and "torn" not in path.read_text()
