"""`evalkit stats ...` in-process: tables with n and intervals, --json rows, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.stats.synthetic import (
    synthetic_safety,
    synthetic_summarization,
    synthetic_sxs,
    write_synthetic_run,
)


@pytest.fixture
def sxs_csv(tmp_path: Path) -> Path:
    frame = synthetic_sxs(
        pairs=[("smollm2-135m", "gemma3-270m")],
        categories=["coding", "writing"],
        prompts_per_category=30,
        seed=1,
    )
    path = tmp_path / "grades.csv"
    frame.drop(columns=["grader", "is_gold"]).to_csv(path, index=False)
    return path


def test_stats_sxs_prints_win_tie_loss_with_intervals_and_n(sxs_csv: Path, capsys) -> None:
    assert (
        run_cli(["stats", "sxs", str(sxs_csv), "--candidate", "smollm2-135m", "--resamples", "300"])
        == 0
    )
    out = capsys.readouterr().out
    assert "smollm2-135m side by side — human raters" in out
    assert "gemma3-270m" in out and "coding" in out and "all" in out
    assert "[" in out and "%" in out  # rates with intervals


def test_stats_sxs_json_rows(sxs_csv: Path, capsys) -> None:
    assert (
        run_cli(
            ["stats", "sxs", str(sxs_csv), "-c", "smollm2-135m", "--json", "--resamples", "300"]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["category"] for r in rows} == {"coding", "writing", "all"}
    for row in rows:
        assert row["candidate"] == "smollm2-135m" and row["baseline"] == "gemma3-270m"
        assert row["win_low"] <= row["win_rate"] <= row["win_high"]
        assert row["n_items"] == row["wins"] + row["ties"] + row["losses"]


def test_stats_errors_are_one_line_and_exit_2(tmp_path: Path, sxs_csv: Path, capsys) -> None:
    assert run_cli(["stats", "sxs", str(sxs_csv), "--candidate", "nobody"]) == 2
    assert "error: candidate 'nobody' is not in the grades" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,prompt_id,category,rater_id,model_a,model_b\n")
    assert run_cli(["stats", "sxs", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}:1: header: missing column(s) score" in err
    assert "Traceback" not in err


def test_stats_violations_and_summarization_from_files(tmp_path: Path, capsys) -> None:
    safety = tmp_path / "safety.csv"
    synthetic_safety(items_per_area=40).to_csv(safety, index=False)
    assert run_cli(["stats", "violations", str(safety), "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    assert {"violation_rate", "differences", "over_refusal"} <= set(tables)
    assert all(r["low"] <= r["rate"] <= r["high"] for r in tables["violation_rate"])
    summ = tmp_path / "summ.jsonl"
    synthetic_summarization(items_per_use_case=20).to_json(summ, orient="records", lines=True)
    assert run_cli(["stats", "summarization", str(summ)]) == 0
    out = capsys.readouterr().out
    assert "Summarization — human raters" in out and "notification" in out


def test_stats_on_a_run_folder(tmp_path: Path, capsys) -> None:
    run = write_synthetic_run(tmp_path / "run", prompts_per_category=10)
    assert run_cli(["stats", "sxs", str(run), "--resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert "human raters" in out and "AUTOMATIC graders" in out
    assert run_cli(["stats", "ifeval", str(run)]) == 0
    assert "instruction-level loose" in capsys.readouterr().out
    assert run_cli(["stats", "agreement", str(run), "--kind", "sxs"]) == 0
    out = capsys.readouterr().out
    assert "Krippendorff" in out and "alice" in out and "judge:gemma3-270m" in out
    assert run_cli(["stats", "ranking", str(run), "--resamples", "100"]) == 0
    assert "Bradley–Terry" in capsys.readouterr().out
    assert run_cli(["stats", "latency", str(run)]) == 0
    assert "tokens/s" in capsys.readouterr().out
    assert run_cli(["stats", "violations", str(run)]) == 0
    assert "Over-refusal" in capsys.readouterr().out


def test_stats_sample_size(capsys) -> None:
    assert run_cli(["stats", "sample-size", "--delta", "0.1", "--tie-rate", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "625 graded items" in out and "What 750 items buy" in out
    assert run_cli(["stats", "sample-size", "--delta", "0.9", "--tie-rate", "0.2"]) == 2
