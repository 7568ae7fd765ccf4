"""The report in a real browser (Debian chromium via playwright): it renders, nothing in it
runs (a `<script>` payload in quoted model output stays text), it loads nothing from the
network, and chromium prints it to PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.gates import load_gates, run_gates
from evalkit.paths import PROJECT_ROOT
from evalkit.report import ReportOptions, chromium_path, print_pdf, write_report
from evalkit.stats.runs import load_run_frames
from evalkit.testing.synthetic import write_synthetic_run
from tests.fixtures.parts import missing_part

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAYLOAD = (
    "<script>window.__xss = 'script'</script>"
    "<img src=x onerror=\"window.__xss = 'img'\">"
    "<svg onload=\"window.__xss = 'svg'\"></svg>"
)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-browser")
    run = write_synthetic_run(
        root / "demo-run", prompts_per_category=30, payload=PAYLOAD, p_win=0.35
    )
    frames = load_run_frames(run)
    gates = run_gates(load_gates(PROJECT_ROOT / "examples" / "gates.yaml"), frames)
    result = write_report(frames, root / "report", gates, ReportOptions(resamples=500), pdf=False)
    return result.html


def test_report_renders_and_nothing_runs(
    chromium_browser, report_html: Path, tmp_path: Path
) -> None:
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(report_html.as_uri(), wait_until="load")
        page.wait_for_timeout(300)  # give any injected handler (onerror, onload) the chance to fire
        assert page.evaluate("typeof window.__xss") == "undefined"
        body = page.inner_text("body")
        assert "<script>window.__xss = 'script'</script>" in body  # shown as text, not run
        assert "Release gates" in body and "Side by side" in body
        assert page.locator("section").count() == 11  # raters and automatic graders included
        assert "Raters" in body and "Automatic graders" in body
        charts = page.locator("figure svg")
        assert charts.count() >= 6
        box = charts.first.bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 40
        assert all(url.startswith(("file://", "data:")) for url in requests), requests
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\n[browser] report screenshot: {shot}")
        png = shot.read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 50_000
    finally:
        page.close()


def test_chromium_prints_the_report_to_pdf(report_html: Path, tmp_path: Path) -> None:
    if chromium_path() is None:
        missing_part(
            "Chromium",
            "evalkit finds no chromium to print with; run `bash scripts/test-parts.sh` "
            "(installs Debian's chromium)",
        )
    print("\n[browser] printing the report to PDF with headless chromium")
    pdf, skipped = print_pdf(report_html, tmp_path / "report.pdf")
    assert skipped is None and pdf is not None
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
