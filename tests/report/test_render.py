"""The report renders from synthetic runs: sections in order, n and intervals, no network, and
model output escaped in HTML and Markdown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.gates import headline, load_gates, run_gates, verdict_rows
from evalkit.paths import PROJECT_ROOT
from evalkit.report import ReportOptions, md_escape, render_html, render_markdown, write_report
from evalkit.report.build import report_context
from evalkit.report.charts import Point, Segment, StackRow, interval_dots, stacked_bars
from evalkit.stats.frames import RunFrames
from evalkit.stats.runs import load_run_frames
from evalkit.testing.synthetic import write_synthetic_run

PAYLOAD = (
    "<script>window.__xss = 'script'</script>"
    "<img src=x onerror=\"window.__xss = 'img'\">"
    "[markdown link](javascript:window.__xss='md') | pipe"
)
SECTIONS = [
    "gates",
    "sxs",
    "safety",
    "ifeval",
    "summarization",
    "latency",
    "agreement",
    "raters",
    "graders",
    "methodology",
    "examples",
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("report")
    run = write_synthetic_run(root / "run-x", prompts_per_category=25, payload=PAYLOAD, p_win=0.3)
    frames = load_run_frames(run)
    gates = run_gates(load_gates(PROJECT_ROOT / "examples" / "gates.yaml"), frames)
    result = write_report(frames, root / "out", gates, ReportOptions(resamples=500), pdf=False)
    return {"html": result.html.read_text(), "md": result.markdown.read_text(), "result": result}


def test_sections_come_in_order_gates_first(rendered: dict) -> None:
    html = rendered["html"]
    positions = [html.index(f'<section id="{name}"') for name in SECTIONS]
    assert positions == sorted(positions)
    assert html.count("<section") == len(SECTIONS)
    assert "Not ready to ship" in html or "Ready to ship" in html
    md = rendered["md"]
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Release gates"
    assert headings[-1] == "## Examples: where the candidate lost"


def test_rates_carry_n_and_intervals_and_automatic_grades_are_labelled(rendered: dict) -> None:
    html, md = rendered["html"], rendered["md"]
    assert re.search(r"\d+\.\d% \[\d+\.\d, \d+\.\d\]", html)  # rate [low, high]
    assert "n=75" in html  # 3 categories x 25 prompts in the side-by-side chart
    assert "n=25 prompts" in html  # every rate carries its n (prompts)
    assert "automatic graders" in html and "judge:gemma3-270m" in html
    assert "These grades come from automatic graders" in md
    for title in (
        "Violation rate",
        "Over-refusal",
        "Twin over-refusal",
        "IFEval",
        "Krippendorff",
        "What 750 graded items buy",
    ):
        assert title in html
    assert "Wilson, cluster design effect" in html and "Wilson, cluster design effect" in md


def test_sxs_shows_ties_as_half_and_net_preference_and_keeps_majority_views_apart(
    rendered: dict,
) -> None:
    html, md = rendered["html"], rendered["md"]
    # which rate each chart uses is said, and the ties-as-half preference is shown beside it
    assert "The bars show win / tie / loss, ties counted as neither." in html
    assert "Ties as half" in html and "Net preference" in html and "p (Holm)" in html
    assert "Ties as half" in md and "Net preference" in md
    # secondary views (the majority rules) are in a table named as such, after the headline
    secondary = html.index("Secondary views (majority rules)")
    assert html.index("Ties as half") < secondary
    assert "sxs_win_rate_majority" in html[secondary:]
    assert "sxs_win_rate_majority" not in html[: html.index('<section id="sxs"')]
    assert "violation_rate_majority" in html
    assert r"Secondary views \(majority rules\)" in md  # Markdown-escaped


def test_every_rate_of_the_table_is_the_long_table_row(rendered: dict) -> None:
    from evalkit.stats.table import format_row

    context, html = rendered["result"].context, rendered["html"]
    table = context["table"]
    for metric in ("sxs_win_rate", "sxs_preference", "violation_rate", "over_refusal_rate",
                   "summarization_good_rate", "ifeval_inst_loose", "latency_p50_s"):  # fmt: skip
        rows = table[(table["metric"] == metric) & (table["group"] == "all")]
        rows = rows[rows["model"] == "smollm2-135m"]
        assert not rows.empty, metric
        assert format_row(rows.iloc[0]) in html, metric


def test_model_output_is_escaped_in_html(rendered: dict) -> None:
    html = rendered["html"]
    assert "<script" not in html.lower()  # the report has no script at all
    assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert "&lt;script&gt;window.__xss = &#39;script&#39;&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert "Content-Security-Policy" in html


def test_model_output_is_escaped_in_markdown(rendered: dict) -> None:
    md = rendered["md"]
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    assert "](javascript:" not in md  # the link syntax is neutralised
    assert r"\[markdown link\]\(javascript:" in md
    assert r"\| pipe" in md


def test_the_html_needs_no_network(rendered: dict) -> None:
    html = rendered["html"]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert html.count("<svg") >= 6  # charts are inline SVG


def test_chart_labels_are_escaped() -> None:
    svg = stacked_bars(
        [StackRow("<b>cat</b>", {"win": 0.5, "tie": 0.2, "loss": 0.3}, "n=10")],
        [
            Segment("win", "win & more", "#000"),
            Segment("tie", "tie", "#111"),
            Segment("loss", "loss", "#222"),
        ],
        "title <x>",
    )
    assert "<b>" not in svg and "&lt;b&gt;cat&lt;/b&gt;" in svg and "win &amp; more" in svg
    dots = interval_dots([Point("<i>area</i>", "m<1>", 0.1, 0.05, 0.2)], "rates")
    assert "<i>" not in dots and "m&lt;1&gt;" in dots


def test_md_escape_neutralises_markdown_and_html() -> None:
    assert md_escape("*bold* _x_ <b>") == r"\*bold\* \_x\_ &lt;b&gt;"
    assert md_escape(None) == ""


def test_an_empty_run_renders_with_empty_sections(tmp_path: Path) -> None:
    run = tmp_path / "empty"
    run.mkdir()
    context = report_context(load_run_frames(run))
    html, md = render_html(context), render_markdown(context)
    assert "No side-by-side grades in these runs." in html and "No gates file was given" in html
    assert "_No IFEval scores in these runs._" in md
    assert "Ready to ship" not in html and "Not ready" not in html  # no gates, no verdict


def test_report_cli_writes_html_and_markdown_and_warns_loudly_without_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import evalkit.report as report_module

    run = write_synthetic_run(tmp_path / "run", prompts_per_category=6)
    monkeypatch.setattr(report_module, "chromium_path", lambda: None)
    out = tmp_path / "reports" / "demo"
    assert run_cli(["report", str(run), "--out", str(out), "--resamples", "200"]) == 0
    captured = capsys.readouterr()
    assert (out / "index.html").exists() and (out / "report.md").exists()
    assert not (out / "report.pdf").exists()
    assert "PDF SKIPPED — chromium is not installed" in captured.err


def test_gate_verdicts_and_report_tables_show_the_same_numbers(tmp_path: Path) -> None:
    run = write_synthetic_run(tmp_path / "run", prompts_per_category=20)
    frames = load_run_frames(run)
    spec = load_gates(PROJECT_ROOT / "examples" / "gates.yaml")
    gates = run_gates(spec, frames)
    context = report_context(frames, gates, ReportOptions(seed=spec.seed, resamples=spec.resamples))
    table = context["table"]
    verdict = next(v for v in gates.verdicts if v.gate.filter_text() == "category=coding")
    row = table[
        (table["metric"] == verdict.gate.metric)
        & (table["model"] == verdict.gate.model)
        & (table["baseline"] == verdict.gate.baseline)
        & (table["group"] == "category=coding")
        & (table["graders"] == "human")
    ].iloc[0]
    measured = verdict.measurement
    assert (measured.low, measured.high, measured.n) == (row["low"], row["high"], row["n"])
    assert [r["value"] for r in context["gates"]["rows"]] == [
        r["value"] for r in verdict_rows(gates)
    ]


PASSING_GATES = """\
gates:
  - name: summaries are rarely poor
    metric: summarization_poor_rate
    model: smollm2-135m
    threshold: 0.5
"""
FAILING_GATES = (
    PASSING_GATES
    + """\
  - name: wins most of the time
    metric: sxs_win_rate
    model: smollm2-135m
    baseline: gemma3-270m
    threshold: 0.9
"""
)
MISSING_GATES = (
    PASSING_GATES
    + """\
  - name: server model
    metric: sxs_win_rate
    model: server-model
    baseline: gemma3-270m
    threshold: 0.4
"""
)


@pytest.fixture(scope="module")
def headline_frames(tmp_path_factory: pytest.TempPathFactory) -> RunFrames:
    """One run for the three gate files (the gates differ, the grades do not)."""
    root = tmp_path_factory.mktemp("headline")
    return load_run_frames(write_synthetic_run(root / "run", prompts_per_category=8, judge=False))


@pytest.mark.parametrize(
    "body, exit_code", [(PASSING_GATES, 0), (FAILING_GATES, 1), (MISSING_GATES, 2)]
)
def test_the_report_headline_follows_the_gates_exit_code(
    headline_frames: RunFrames, tmp_path: Path, body: str, exit_code: int
) -> None:
    frames = headline_frames
    path = tmp_path / "gates.yaml"
    path.write_text(body)
    gates = run_gates(load_gates(path), frames)
    assert gates.exit_code == exit_code
    context = report_context(frames, gates, ReportOptions(resamples=200))
    html, md = render_html(context), render_markdown(context)
    assert context["gates"]["headline"] == headline(gates)
    if exit_code == 0:  # ready only when every gate passes
        assert "Ready to ship" in html and "Ready to ship" in md
        assert "Not ready" not in html and "Not ready" not in md
    else:
        assert "Not ready" in html and "Not ready" in md
        assert "Ready to ship" not in html and "Ready to ship" not in md
