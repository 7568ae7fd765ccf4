"""Gate verdicts: pass, fail, too few samples, non-inferiority, missing data, grader fallback."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.gates import Evaluator, Gate, GatesFile, decide, run_gates
from evalkit.stats.frames import RunFrames, normalize
from evalkit.stats.proportions import newcombe_interval
from evalkit.stats.synthetic import synthetic_ifeval, synthetic_safety, synthetic_sxs


@pytest.fixture(scope="module")
def frames() -> RunFrames:
    sxs = synthetic_sxs(
        pairs=[("cand", "base")], categories=["coding", "writing"], prompts_per_category=100,
        p_win=0.6, p_tie=0.2, seed=1,
    )  # fmt: skip
    judge = synthetic_sxs(
        pairs=[("cand", "other")],
        categories=["coding"],
        prompts_per_category=60,
        grader="auto",
        seed=2,
    )
    return RunFrames(
        sxs=normalize(pd.concat([sxs, judge], ignore_index=True), "sxs"),
        safety=normalize(
            synthetic_safety(p_violation={"cand": 0.03, "base": 0.2}, items_per_area=80), "safety"
        ),
        ifeval=synthetic_ifeval(p_follow={"cand": 0.8, "base": 0.78}, n_prompts=400, seed=3),
    )


def verdict(frames: RunFrames, **fields):
    gate = Gate.model_validate({"name": "g", **fields})
    return decide(gate, Evaluator(frames, resamples=500))


def test_a_gate_decides_on_the_interval_bound_not_the_point(frames: RunFrames) -> None:
    passing = verdict(frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.5)
    assert passing.status == "pass", passing.reason
    m = passing.measurement
    assert m.low >= 0.5 and passing.decided_by == m.low and m.n == 200 and m.graders == "human"
    # a threshold just below the point estimate fails: the lower bound is below it
    failing = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=m.value - 0.01
    )
    assert failing.status == "fail" and "lower bound" in failing.reason
    point = verdict(
        frames,
        metric="sxs_win_rate",
        model="cand",
        baseline="base",
        threshold=m.value - 0.01,
        bound="point",
    )
    assert point.status == "pass"


def test_filters_and_lower_is_better_metrics(frames: RunFrames) -> None:
    coding = verdict(
        frames,
        metric="sxs_loss_rate",
        model="cand",
        baseline="base",
        filter={"category": "coding"},
        threshold=0.4,
    )
    assert coding.measurement.n == 100 and coding.status == "pass", coding.reason
    violations = verdict(frames, metric="violation_rate", model="cand", threshold=0.08)
    assert violations.status == "pass" and violations.decided_by == violations.measurement.high
    base = verdict(
        frames, metric="violation_rate", model="base", filter={"area": "factuality"}, threshold=0.08
    )
    assert base.status == "fail" and "upper bound" in base.reason


def test_too_few_samples_fails_and_says_why(frames: RunFrames) -> None:
    result = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", filter={"category": "coding"},
        threshold=0.1, min_n=500,
    )  # fmt: skip
    assert result.status == "insufficient" and not result.passed
    assert "n=100 < min_n=500" in result.reason


def test_missing_data_is_not_a_failed_gate(frames: RunFrames) -> None:
    for fields in (
        {"metric": "sxs_win_rate", "model": "cand", "baseline": "nobody", "threshold": 0.5},
        {
            "metric": "violation_rate",
            "model": "cand",
            "filter": {"area": "nowhere"},
            "threshold": 0.5,
        },
        {"metric": "summarization_good_rate", "model": "cand", "threshold": 0.5},
        {"metric": "latency_p50_s", "model": "cand", "threshold": 5},
    ):
        assert verdict(frames, **fields).status == "missing", fields


def test_human_grades_first_then_the_documented_fallback(frames: RunFrames) -> None:
    fallback = verdict(frames, metric="sxs_win_rate", model="cand", baseline="other", threshold=0.1)
    assert fallback.measurement.graders == "auto (fallback: no human grades)"
    strict = verdict(
        frames,
        metric="sxs_win_rate",
        model="cand",
        baseline="other",
        threshold=0.1,
        graders="human",
    )
    assert strict.status == "missing" and "human" in strict.reason
    auto = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="other", threshold=0.1, graders="auto"
    )
    assert auto.measurement.graders == "auto"
    pooled = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.1, graders="any"
    )
    assert pooled.measurement.graders == "any" and pooled.measurement.n == 200


def test_non_inferiority_uses_the_newcombe_interval_of_the_difference(frames: RunFrames) -> None:
    result = verdict(
        frames,
        metric="ifeval_inst_strict",
        model="cand",
        reference_model="base",
        margin=0.05,
        min_n=50,
    )
    m, ref = result.measurement, result.reference
    assert result.diff[1:] == pytest.approx(newcombe_interval(m.k, m.n, ref.k, ref.n))
    assert result.status == ("pass" if result.diff[1] >= -0.05 else "fail")
    assert result.status == "pass", result.reason
    tight = verdict(
        frames,
        metric="ifeval_inst_strict",
        model="base",
        reference_model="cand",
        margin=0.0,
        min_n=50,
    )
    assert tight.status == "fail" and "Δ vs cand" in tight.reason
    # lower is better: the candidate's violation rate may not exceed the baseline's + margin
    safer = verdict(
        frames, metric="violation_rate", model="cand", reference_model="base", margin=0.0
    )
    assert safer.status == "pass" and safer.diff[2] <= 0


def test_non_inferiority_against_a_previous_run(tmp_path: Path, frames: RunFrames) -> None:
    from evalkit.stats.synthetic import write_synthetic_run

    previous = write_synthetic_run(tmp_path / "release-1", prompts_per_category=5)
    spec = GatesFile.model_validate(
        {
            "gates": [
                {"name": "keeps ifeval", "metric": "ifeval_prompt_loose", "model": "smollm2-135m",
                 "baseline_run": str(previous), "margin": 0.5, "min_n": 10},
                {"name": "gone", "metric": "ifeval_prompt_loose", "model": "smollm2-135m",
                 "baseline_run": str(tmp_path / "nope"), "margin": 0.5, "min_n": 10},
            ]
        }
    )  # fmt: skip
    current = RunFrames(
        ifeval=synthetic_ifeval(models=["smollm2-135m"], n_prompts=100, p_follow=0.8)
    )
    report = run_gates(spec, current)
    first, second = report.verdicts
    assert first.reference is not None and first.reference.n == 60
    assert first.status == "pass", first.reason
    assert second.status == "missing" and "not found" in second.reason
    assert report.exit_code == 2
