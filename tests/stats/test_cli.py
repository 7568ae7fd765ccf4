"""`evalkit stats ...` in-process: the long table's rows of each family with n and intervals,
--json records, clear errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.kinds import get_kind
from evalkit.stats.runs import load_run_frames
from evalkit.stats.table import COLUMNS
from evalkit.testing.synthetic import write_synthetic_run

CANDIDATE, BASELINE = "smollm2-135m", "gemma3-270m"


def sxs_grades(
    categories: Sequence[str], prompts_per_category: int, seed: int, p_win: float = 0.45
) -> pd.DataFrame:
    """One rater per item, each item's outcome drawn win / tie / loss (0.45 / 0.2 / 0.35): the
    draws of the generator the published counts below were first computed with."""
    rng = np.random.default_rng(seed)
    frames = []
    for category in categories:
        outcome = rng.choice([1, 0, -1], size=prompts_per_category, p=[p_win, 0.2, 1 - p_win - 0.2])
        prompt = np.arange(prompts_per_category)
        strength = rng.integers(1, 3, size=prompts_per_category)
        rater = rng.choice(5, size=prompts_per_category)
        frames.append(
            pd.DataFrame(
                {
                    "item_id": [f"{CANDIDATE}|{BASELINE}|{category}|{p * 1000}" for p in prompt],
                    "prompt_id": [f"{category}-{p}" for p in prompt],
                    "category": category,
                    "rater_id": [f"r{r}" for r in rater],
                    "model_a": CANDIDATE,
                    "model_b": BASELINE,
                    "score": outcome * strength,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# wins / ties / losses of the grades above, as first published by `evalkit stats sxs`
PUBLISHED = {
    "category=coding": (14, 6, 10),
    "category=writing": (13, 4, 13),
    "all": (27, 10, 23),
}


@pytest.fixture
def sxs_csv(tmp_path: Path) -> Path:
    path = tmp_path / "grades.csv"
    sxs_grades(["coding", "writing"], 30, seed=1).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_run(tmp_path_factory.mktemp("stats") / "run", prompts_per_category=10)


def test_stats_sxs_prints_the_long_table_rows_with_intervals_and_n(sxs_csv: Path, capsys) -> None:
    assert run_cli(["stats", "sxs", str(sxs_csv), "--candidate", CANDIDATE]) == 0
    out = capsys.readouterr().out
    assert f"{CANDIDATE} side by side — human raters" in out
    assert BASELINE in out and "coding" in out and "all" in out
    assert "sxs_preference" in out and "sxs_net_preference" in out and "p (Holm)" in out
    assert "n=30 prompts" in out and "n=60 prompts" in out  # rates with their n
    assert "% [" in out and "Wilson" in out  # rates with intervals and their method
    assert "secondary views (majority rules)" in out  # the majority rules apart, named


def test_stats_sxs_json_rows_reproduce_the_published_counts(sxs_csv: Path, capsys) -> None:
    assert run_cli(["stats", "sxs", str(sxs_csv), "-c", CANDIDATE, "--json"]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert set(COLUMNS) <= set(rows.columns)  # the long table's rows
    assert set(rows["group"]) == set(PUBLISHED)
    assert (rows["model"] == CANDIDATE).all() and (rows["baseline"] == BASELINE).all()
    assert (rows["graders"] == "human").all() and (rows["unit"] == "prompts").all()
    assert (rows["low"] <= rows["estimate"]).all() and (rows["estimate"] <= rows["high"]).all()
    by = rows.set_index(["metric", "group"])
    for group, (wins, ties, losses) in PUBLISHED.items():
        counts = [
            by.loc[(m, group), "k"] for m in ("sxs_win_rate", "sxs_tie_rate", "sxs_loss_rate")
        ]
        assert counts == [wins, ties, losses], group
        n = by.loc[("sxs_win_rate", group), "n_items"]
        assert n == wins + ties + losses == by.loc[("sxs_win_rate", group), "n"]
        # the ties-as-half rate (AlpacaEval's and Chatbot Arena's win rate)
        half = by.loc[("sxs_preference", group)]
        assert half["k"] == pytest.approx(wins + ties / 2)
        assert half["estimate"] == pytest.approx((wins + ties / 2) / n)
        assert half["p_adjusted"] >= half["p_value"] > 0


def test_stats_errors_are_one_line_and_exit_2(tmp_path: Path, sxs_csv: Path, capsys) -> None:
    assert run_cli(["stats", "sxs", str(sxs_csv), "--candidate", "nobody"]) == 2
    assert "error: candidate 'nobody' is not in the grades" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,prompt_id,category,rater_id,model_a,model_b\n")
    assert run_cli(["stats", "sxs", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}:1: header: missing column(s) score" in err
    assert "Traceback" not in err
    assert run_cli(["stats", "agreement", str(sxs_csv), "--kind", "nope"]) == 2
    assert "error: unknown grading kind 'nope'" in capsys.readouterr().err
    assert run_cli(["stats", "summarization", str(sxs_csv), "--by", "stacked"]) == 2
    assert "error: --by stacked: use one of use_case" in capsys.readouterr().err


def _export(run: Path, kind_name: str) -> pd.DataFrame:
    """A run's grades of one kind as a flat grades export."""
    kind = get_kind(kind_name)
    frame = load_run_frames(run).kind(kind_name)
    return pd.DataFrame([kind.export_row(r) for r in frame.to_dict("records")])


def test_stats_violations_and_summarization_from_files(tmp_path: Path, run: Path, capsys) -> None:
    safety = tmp_path / "safety.csv"
    _export(run, "safety").to_csv(safety, index=False)
    assert run_cli(["stats", "violations", str(safety), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"violation_rate", "over_refusal_rate"} <= {r["metric"] for r in rows}
    assert all(r["low"] <= r["estimate"] <= r["high"] for r in rows)
    assert all(r["n"] > 0 and r["unit"] == "prompts" for r in rows)
    summ = tmp_path / "summ.jsonl"
    _export(run, "summarization").to_json(summ, orient="records", lines=True)
    assert run_cli(["stats", "summarization", str(summ)]) == 0
    out = capsys.readouterr().out
    assert "Summarization — human raters" in out and "notification" in out
    assert "summarization_good_rate" in out and "content_type" not in out
    assert run_cli(["stats", "summarization", str(summ), "--by", "content_type", "--json"]) == 0
    groups = {r["group"] for r in json.loads(capsys.readouterr().out)}
    assert groups == {"all", "content_type=thread"}


def test_stats_on_a_run_folder(run: Path, capsys) -> None:
    assert run_cli(["stats", "sxs", str(run)]) == 0
    out = capsys.readouterr().out
    assert "human raters" in out and "AUTOMATIC graders" in out
    assert f"{CANDIDATE} side by side" in out and f"{BASELINE} side by side" not in out
    assert run_cli(["stats", "ifeval", str(run)]) == 0
    out = capsys.readouterr().out
    assert "instruction-level loose" in out and "measured by program" in out
    assert run_cli(["stats", "agreement", str(run), "--kind", "sxs"]) == 0
    out = capsys.readouterr().out
    assert "Krippendorff" in out and "alice" in out and "judge:gemma3-270m" in out
    assert run_cli(["stats", "ranking", str(run), "--resamples", "100"]) == 0
    assert "Bradley–Terry" in capsys.readouterr().out
    assert run_cli(["stats", "latency", str(run)]) == 0
    out = capsys.readouterr().out
    assert "tokens/s" in out and "latency_p50_s" in out and "bootstrap" in out
    assert run_cli(["stats", "violations", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Violation rate and over-refusal" in out and "over_refusal_rate" in out
    assert "AUTOMATIC graders" in out  # the automatic refusal scorer's rows, labelled


def test_stats_json_prints_the_same_rows_as_the_long_table(run: Path, capsys) -> None:
    from evalkit.stats.engine import statistics_table

    table = statistics_table(load_run_frames(run))
    assert run_cli(["stats", "ifeval", str(run), "--json"]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out))
    expected = table[table["metric"].str.startswith("ifeval_")]
    assert sorted(zip(rows["metric"], rows["model"], rows["k"], strict=True)) == sorted(
        zip(expected["metric"], expected["model"], expected["k"], strict=True)
    )


def test_stats_sample_size(capsys) -> None:
    assert run_cli(["stats", "sample-size", "--delta", "0.1", "--tie-rate", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "625 graded items" in out and "What 750 items buy" in out
    assert run_cli(["stats", "sample-size", "--delta", "0.9", "--tie-rate", "0.2"]) == 2
