"""What the report shows about its graders (issues 14 and 15): the raters section (a flagged
rater with its reasons; `exclude_flagged` takes their grades out of every number and says so at
the top), the automatic graders' measured error beside their rates, and the LLM judge's
position bias. Built from a synthetic run with human, judge and gold grades, plus a careless
rater and the judge's order-swap record."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.records import Grade, Score
from evalkit.report import ReportOptions, render_html, render_markdown
from evalkit.report.build import report_context
from evalkit.stats.engine import statistics_table
from evalkit.stats.raters import exclude_flagged
from evalkit.stats.runs import load_run_frames
from evalkit.store import GradeStore
from evalkit.testing.synthetic import write_synthetic_run

CARELESS = "mallory<b>"  # a rater id with markup: escaped wherever it is shown
RESAMPLES = 200
F1_LINE = re.compile(
    r"auto:refusal — F1 \d\.\d\d \[\d\.\d\d, \d\.\d\d\] on \d+ held-out labelled responses "
    r"\(evalkit&#39;s test split, prompts/labelled/refusals/test\.jsonl\)"
)


def add_careless_rater(run: Path) -> None:
    """A rater who always picks the left response, fails every gold item and takes 2 s."""
    store = GradeStore(str(run / "grades.sqlite"))
    try:
        for item in store.items("sxs"):
            choice = 2 if item.is_gold else -2  # gold: the left response is the right one
            store.save_grade(Grade(item_id=item.id, rater_id=CARELESS, choice=choice, seconds=2.0))
    finally:
        store.close()


def add_judge_order_swaps(run: Path) -> tuple[int, int]:
    """The judge's sxs_judge scores, every fourth verdict flipped by the order: (flipped, n)."""
    sxs = load_run_frames(run).kind("sxs")
    judged = sxs[sxs["grader"] == "auto"].drop_duplicates("item_id")
    scores = [
        Score(run_id=run.name, prompt_id=str(row["prompt_id"]), model="a|b",
              scorer=str(row["rater_id"]), metric="sxs_judge", value=1.0,
              details={"item_id": row["item_id"], "consistent": i % 4 != 0, "kind": "sxs"})
        for i, row in enumerate(judged.to_dict("records"))
    ]  # fmt: skip
    with (run / "scores.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(score.model_dump_json() + "\n" for score in scores)
    return sum(not s.details["consistent"] for s in scores), len(scores)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = write_synthetic_run(tmp_path_factory.mktemp("graders") / "run", prompts_per_category=15)
    add_careless_rater(run)
    return run


@pytest.fixture(scope="module")
def swaps(run: Path) -> tuple[int, int]:
    return add_judge_order_swaps(run)


@pytest.fixture(scope="module")
def plain(run: Path, swaps: tuple[int, int]) -> dict:
    context = report_context(load_run_frames(run), options=ReportOptions(resamples=RESAMPLES))
    return {"context": context, "html": render_html(context), "md": render_markdown(context)}


@pytest.fixture(scope="module")
def excluding(run: Path, swaps: tuple[int, int]) -> dict:
    options = ReportOptions(resamples=RESAMPLES, exclude_flagged=True)
    context = report_context(load_run_frames(run), options=options)
    return {"context": context, "html": render_html(context), "md": render_markdown(context)}


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def test_the_raters_section_shows_the_flagged_rater_with_its_reasons(plain: dict) -> None:
    raters = section(plain["html"], "raters")
    assert "mallory&lt;b&gt;" in raters and "mallory<b>" not in plain["html"]
    row = raters[raters.index("mallory&lt;b&gt;") :]
    row = row[: row.index("</tr>")]
    assert "FLAGGED" in row and "excluded" not in row
    assert "left bias +0.50" in row and "gold accuracy 0.00" in row
    # agreement, biases and gold accuracy with their intervals; the flag rule in plain words
    assert re.search(
        r"<td>alice</td><td>\d+</td><td>0\.\d\d \[0\.\d\d, 0\.\d\d\] n=\d+</td>", raters
    )
    assert "How a rater gets flagged" in raters and "not a verdict" in raters
    assert "Every rater's grades, flagged or not, are in the numbers" in raters
    assert plain["context"]["exclusion"] is None and "Flagged raters excluded" not in plain["html"]
    md = plain["md"][plain["md"].index("## Raters") :]
    assert r"mallory&lt;b&gt;" in md and "FLAGGED" in md and r"left bias \+0.50" in md


def test_exclude_flagged_takes_the_rater_out_of_every_number_and_says_so_at_the_top(
    run: Path, plain: dict, excluding: dict
) -> None:
    context, html = excluding["context"], excluding["html"]
    names = [r["rater"] for r in context["exclusion"]["raters"]]
    assert CARELESS in names
    notice = html[html.index('<div class="warnbox exclusion">') : html.index('<section id="gates"')]
    assert "Flagged raters excluded" in notice and "mallory&lt;b&gt;" in notice
    assert "left bias +0.50" in notice and "Side by side" in notice
    assert "**Flagged raters excluded.**" in excluding["md"].split("## Release gates")[0]
    # the numbers are those of the grades without the flagged raters, not of every grade
    frames = load_run_frames(run)
    kept, _ = exclude_flagged(frames)
    assert CARELESS not in set(kept.kind("sxs")["rater_id"])
    expected = statistics_table(kept, resamples=RESAMPLES, seed=context["seed"])

    def human_sxs(table: pd.DataFrame) -> pd.DataFrame:
        rows = table[(table["metric"] == "sxs_win_rate") & (table["graders"] == "human")]
        return rows[["model", "baseline", "group", "estimate", "low", "high", "n"]].reset_index(
            drop=True
        )

    pd.testing.assert_frame_equal(human_sxs(context["table"]), human_sxs(expected))
    assert not human_sxs(plain["context"]["table"]).equals(human_sxs(context["table"]))
    samples = context["samples"]["rows"]
    (sxs_humans,) = [
        r for r in samples if (r["kind"], r["graders"]) == ("Side by side", "human raters")
    ]
    assert sxs_humans["raters"] == 2  # alice and bob; mallory's grades are out
    # the raters section still measures every rater, and marks who was left out
    assert "FLAGGED — excluded" in section(html, "raters")


def test_the_refusal_graders_f1_stands_beside_the_over_refusal_rates(plain: dict) -> None:
    safety = section(plain["html"], "safety")
    auto = safety[safety.index("automatic graders") :]
    assert F1_LINE.search(auto)
    assert auto.index("Grader's measured accuracy") < auto.index("Over-refusal")
    # every automatic block says its grader's measured error, or that none was measured
    sxs = section(plain["html"], "sxs")
    assert re.search(r"judge:gemma3-270m — agreement with the human raters \d+\.\d%", sxs)
    assert "accuracy not measured" in section(plain["html"], "ifeval")
    graders = section(plain["html"], "graders")
    assert F1_LINE.search(graders) and "IFEval&#39;s instruction checker" in graders
    assert re.search(r"auto:refusal — F1 \d\.\d\d \\\[", plain["md"])  # Markdown-escaped


def test_the_judges_position_bias_is_shown_with_n_and_interval(
    plain: dict, swaps: tuple[int, int]
) -> None:
    flipped, n = swaps
    graders = section(plain["html"], "graders")
    assert re.search(
        rf"judge:gemma3-270m</span></td><td>\d+\.\d% \[\d+\.\d, \d+\.\d\] flipped "
        rf"\({flipped} of {n} items\)",
        graders,
    )
    assert "never replace human ones" in graders
    assert f"flipped \\({flipped} of {n} items\\)" in plain["md"]


def test_sections_say_no_data_when_there_is_none(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    context = report_context(load_run_frames(empty), options=ReportOptions(exclude_flagged=True))
    html, md = render_html(context), render_markdown(context)
    assert "No human grades in these runs: no rater to assess." in html
    assert "No automatic or program-scored rates in these runs." in html
    assert "No LLM-judge grades in these runs" in html and "_No LLM-judge grades" in md
    assert "no rater was flagged" in html and "Flagged raters excluded" not in html
    # a judge without an order-swap record: its position bias is said to be unmeasured
    run = write_synthetic_run(tmp_path / "run", prompts_per_category=5)
    context = report_context(load_run_frames(run), options=ReportOptions(resamples=RESAMPLES))
    (judge,) = context["graders"]["judges"]
    assert judge["position"].startswith("not measured")
    assert "not measured: no side-by-side verdict" in render_html(context)


def test_report_cli_exclude_flagged(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["report", str(run), "--out", str(out), "--no-pdf", "--resamples", str(RESAMPLES)]
    assert run_cli([*args, "--exclude-flagged"]) == 0
    html = (out / "index.html").read_text()
    assert "Flagged raters excluded" in html and "mallory&lt;b&gt;" in html
