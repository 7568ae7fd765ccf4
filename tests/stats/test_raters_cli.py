"""Rater quality where people act on it: `evalkit stats raters` (the table per kind, FLAGGED with
the reasons, the flag rule, exit 2 without human grades) and `--exclude-flagged` of `evalkit
stats sxs|violations` and `evalkit gate` (the flagged rater's grades dropped before the
statistic, and the rater named with why).

The run is `write_synthetic_run` (humans alice and bob on every side-by-side item) plus a third
rater, eve, who always prefers the response shown on the left: on every item alice and bob
graded, and alone on 20 more prompts, so dropping her changes n from 80 prompts to 60."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.records import Grade
from evalkit.store import GradeStore
from evalkit.testing.synthetic import write_synthetic_run

BIASED = "eve"
N_PROMPTS, N_EXTRA = 60, 20  # the synthetic run's side-by-side prompts; eve's own prompts
CANDIDATE = "smollm2-135m"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = write_synthetic_run(tmp_path_factory.mktemp("raters") / "run", prompts_per_category=20)
    with GradeStore(run / "grades.sqlite", create=False) as store:
        shared = [item for item in store.items("sxs") if not item.is_gold]
        extra = [
            shared[0].model_copy(update={"id": f"sxs-extra-{i}", "prompt_id": f"extra-{i:03d}"})
            for i in range(N_EXTRA)
        ]
        store.add_items(extra)
        for item in [*shared, *extra]:  # choice −2: "the left response is much better"
            store.save_grade(Grade(item_id=item.id, rater_id=BIASED, choice=-2, seconds=40.0))
    return run


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def win_rate_n(rows: list[dict]) -> int:
    (row,) = [
        r
        for r in rows
        if r["metric"] == "sxs_win_rate" and r["group"] == "all" and r["graders"] == "human"
    ]
    return int(row["n"])


# --------------------------------------------------------------------------- evalkit stats raters


def test_table_flags_the_left_leaning_rater_with_its_reason_and_states_the_rule(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(["stats", "raters", run, "--kind", "sxs"], capsys)
    assert code == 0
    assert "Side by side: rater quality (human raters) — 1 of 3 flagged" in out
    for column in (
        "rater",
        "grades",
        "agreement",
        "left bias",
        "candidate bias",
        "gold",
        "s/grade",
    ):
        assert column in out, column
    (row,) = [line for line in out.splitlines() if line.startswith(f"│ {BIASED} ")]
    assert "FLAGGED" in row and "+0.50 [" in row  # her left bias, with its interval
    assert all("FLAGGED" not in line for line in out.splitlines() if line.startswith("│ alice"))
    (reason,) = [line for line in out.splitlines() if line.startswith("FLAGGED ")]
    assert reason.startswith(f"FLAGGED {BIASED}: left bias +0.50 [")
    assert "exceeds ±0.15" in reason
    assert "Flagged when any holds: leave-one-out agreement" in out  # the rule, one line
    assert "Summarization" not in out  # --kind: that kind only


def test_every_kind_with_human_grades_and_json(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(["stats", "raters", run], capsys)
    assert code == 0
    assert "Safety: rater quality" in out and "Summarization: rater quality" in out
    code, out, _ = cli(["stats", "raters", run, "--json"], capsys)
    tables = json.loads(out)
    assert code == 0 and set(tables) == {"sxs", "safety", "summarization"}
    rows = {row["rater_id"]: row for row in tables["sxs"]}
    assert set(rows) == {"alice", "bob", BIASED}
    assert [r for r, row in rows.items() if row["flagged"]] == [BIASED]
    eve = rows[BIASED]
    assert eve["left_bias"] == pytest.approx(0.5) and eve["left_bias_n"] == N_PROMPTS + N_EXTRA
    assert eve["reasons"].startswith("left bias +0.50")
    assert eve["median_seconds"] == 40.0  # seconds come from the grade store
    assert abs(rows["alice"]["left_bias"]) < 0.15 and rows["alice"]["n_items_shared"] == N_PROMPTS


def test_no_human_grades_is_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "judge.csv"
    path.write_text(
        "item_id,prompt_id,rater_id,model_a,model_b,score\n"
        f"i1,p1,judge:gemma,{CANDIDATE},base,1\ni2,p2,judge:gemma,{CANDIDATE},base,-1\n"
    )
    code, _, err = cli(["stats", "raters", path, "--kind", "sxs"], capsys)
    assert code == 2 and "no human sxs grades" in err
    code, _, err = cli(["stats", "raters", path], capsys)
    assert code == 2 and "needs --kind" in err


# --------------------------------------------------------------------------- --exclude-flagged


def test_stats_sxs_exclude_flagged_drops_the_rater_changes_n_and_says_so(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(["stats", "sxs", run, "--json"], capsys)
    assert code == 0 and win_rate_n(json.loads(out)) == N_PROMPTS + N_EXTRA
    code, out, err = cli(["stats", "sxs", run, "--json", "--exclude-flagged"], capsys)
    assert code == 0 and win_rate_n(json.loads(out)) == N_PROMPTS  # JSON alone on stdout
    (line,) = err.splitlines()
    assert line.startswith(f"--exclude-flagged: sxs: excluded rater {BIASED} (")
    assert "left bias +0.50" in line
    code, out, _ = cli(["stats", "sxs", run, "--exclude-flagged"], capsys)
    assert code == 0 and out.startswith(f"--exclude-flagged: sxs: excluded rater {BIASED}")


def test_exclude_flagged_with_nobody_flagged_says_so(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(["stats", "violations", run, "--exclude-flagged"], capsys)
    assert code == 0
    assert out.startswith("--exclude-flagged: no rater is flagged; no grade excluded")


def test_gate_exclude_flagged(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = tmp_path / "gates.yaml"
    gates.write_text(
        "resamples: 500\ngates:\n  - name: wins\n    metric: sxs_win_rate\n"
        f"    model: {CANDIDATE}\n    baseline: gemma3-270m\n    threshold: 0.2\n"
    )

    def n_shown(out: str) -> str:
        (row,) = [line for line in out.splitlines() if "sxs_win_rate" in line]
        return row.split("│")[7].strip()  # the n column of the verdict table

    code, out, _ = cli(["gate", "-g", gates, run], capsys)
    assert code == 0 and n_shown(out) == str(N_PROMPTS + N_EXTRA)
    assert "--exclude-flagged" not in out
    code, out, _ = cli(["gate", "-g", gates, run, "--exclude-flagged"], capsys)
    assert code == 0 and n_shown(out) == str(N_PROMPTS)
    (line,) = [line for line in out.splitlines() if line.startswith("--exclude-flagged")]
    assert f"sxs: excluded rater {BIASED}" in line and "left bias" in line
