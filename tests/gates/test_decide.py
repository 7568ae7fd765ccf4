"""Gate verdicts on the long table: the interval bound decides, min_n counts prompts (the
boundary included), an undefined bound fails, missing data is exit 2, humans first with a
labelled fallback, and non-inferiority is a paired prompt-level comparison whose reference must
meet min_n too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.gates import Evaluator, Gate, GatesFile, decide, run_gates
from evalkit.stats.frames import RunFrames, normalize
from evalkit.testing.synthetic import write_synthetic_run


def sxs_grades(
    pairs: list[tuple[str, str, float]],
    prompts: int,
    categories=("coding", "writing"),
    raters=("alice", "bob"),
    seed: int = 0,
) -> pd.DataFrame:
    """Side-by-side grades: for (a, b, p) the raters prefer a with probability p (else b; a
    fifth of the rest ties)."""
    rng = np.random.default_rng(seed)
    rows = []
    for a, b, p in pairs:
        for i in range(prompts):
            category = categories[i % len(categories)]
            for rater in raters:
                u = rng.random()
                score = 1 if u < p else (0 if u < p + (1 - p) / 5 else -1)
                rows.append(
                    {"item_id": f"{a}-{b}-{i}", "prompt_id": f"p{i}", "rater_id": rater,
                     "grader": "auto" if rater.startswith("judge:") else "human", "is_gold": False,
                     "category": category, "model_a": a, "model_b": b, "score": score}
                )  # fmt: skip
    return normalize(pd.DataFrame(rows), "sxs")


def safety_grades(rates: dict[str, float], prompts: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for model, p in rates.items():
        for i in range(prompts):
            area = ("harmful_content", "factuality")[i % 2]
            rows.append(
                {"item_id": f"{model}-{i}", "prompt_id": f"s{i}", "rater_id": "carol",
                 "grader": "human", "is_gold": False, "model": model, "area": area,
                 "expected": "refuse", "violation": bool(rng.random() < p), "refused": None}
            )  # fmt: skip
    return normalize(pd.DataFrame(rows), "safety")


def ifeval_frame(rates: dict[str, float], prompts: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for model, p in rates.items():
        for i in range(prompts):
            total = 3
            passed = int(rng.binomial(total, p))
            rows.append(
                {"run_id": "r", "prompt_id": f"f{i}", "model": model, "sample": 0,
                 "prompt_strict": passed == total, "prompt_loose": passed == total,
                 "inst_strict_pass": passed, "inst_loose_pass": passed, "inst_total": total}
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frames() -> RunFrames:
    human = sxs_grades([("cand", "base", 0.6)], prompts=200, seed=1)
    judge = sxs_grades(
        [("cand", "other", 0.5)], prompts=60, raters=("judge:j",), categories=("coding",), seed=2
    )
    out = RunFrames()
    out.grades["sxs"] = pd.concat([human, judge], ignore_index=True)
    out.grades["safety"] = safety_grades({"cand": 0.03, "base": 0.25}, prompts=160)
    out.ifeval = ifeval_frame({"cand": 0.8, "base": 0.78}, prompts=400, seed=3)
    return out


def verdict(frames: RunFrames, **fields):
    gate = Gate.model_validate({"name": "g", **fields})
    return decide(gate, Evaluator(frames, resamples=400))


def test_a_gate_decides_on_the_interval_bound_not_the_point(frames: RunFrames) -> None:
    passing = verdict(frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.5)
    assert passing.status == "pass", passing.reason
    m = passing.measurement
    assert m.low >= 0.5 and passing.decided_by == m.low and m.n == 200 and m.graders == "human"
    failing = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=m.value - 0.01
    )
    assert failing.status == "fail" and "lower bound" in failing.reason
    point = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=m.value - 0.01,
        bound="point",
    )  # fmt: skip
    assert point.status == "pass"


def test_the_other_orientation_is_the_mirror(frames: RunFrames) -> None:
    ours = verdict(frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.0)
    theirs = verdict(frames, metric="sxs_loss_rate", model="base", baseline="cand", threshold=1.0)
    assert ours.measurement.value == pytest.approx(theirs.measurement.value)


def test_filters_and_lower_is_better_metrics(frames: RunFrames) -> None:
    coding = verdict(
        frames, metric="sxs_loss_rate", model="cand", baseline="base",
        filter={"category": "coding"}, threshold=0.45,
    )  # fmt: skip
    assert coding.measurement.n == 100 and coding.status == "pass", coding.reason
    violations = verdict(frames, metric="violation_rate", model="cand", threshold=0.1)
    assert violations.status == "pass" and violations.decided_by == violations.measurement.high
    base = verdict(
        frames, metric="violation_rate", model="base", filter={"area": "factuality"},
        threshold=0.1,
    )  # fmt: skip
    assert base.status == "fail" and "upper bound" in base.reason


def test_min_n_counts_prompts_and_its_boundary_passes(frames: RunFrames) -> None:
    at = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.0, min_n=200
    )
    assert at.status == "pass", at.reason  # n == min_n is enough
    above = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.0, min_n=201
    )
    assert above.status == "insufficient" and not above.passed
    assert "n=200 prompts < min_n=201" in above.reason


def test_an_undefined_bound_fails(frames: RunFrames) -> None:
    one = RunFrames()
    one.grades["sxs"] = sxs_grades([("cand", "base", 0.6)], prompts=1, raters=("alice",))
    gate = Gate.model_validate(
        {"name": "g", "metric": "latency_p50_s", "model": "cand", "threshold": 10, "min_n": 1}
    )
    one.responses = pd.DataFrame(
        [{"prompt_id": "p0", "model": "cand", "sample": 0, "ok": True, "latency_s": 1.0,
          "ttft_s": 0.1, "tokens_per_s": 10.0, "completion_tokens": 5, "text": "x",
          "prompt_text": "q"}]
    )  # fmt: skip
    result = decide(gate, Evaluator(one, resamples=200))
    assert result.status == "fail" and "undefined" in result.reason


def test_missing_data_is_not_a_failed_gate(frames: RunFrames) -> None:
    for fields in (
        {"metric": "sxs_win_rate", "model": "cand", "baseline": "nobody", "threshold": 0.5},
        {"metric": "violation_rate", "model": "cand", "filter": {"area": "nowhere"},
         "threshold": 0.5},
        {"metric": "summarization_good_rate", "model": "cand", "threshold": 0.5},
        {"metric": "latency_p50_s", "model": "cand", "threshold": 5},
    ):  # fmt: skip
        assert verdict(frames, **fields).status == "missing", fields


def test_human_grades_first_then_the_documented_fallback(frames: RunFrames) -> None:
    fallback = verdict(frames, metric="sxs_win_rate", model="cand", baseline="other", threshold=0.1)
    assert fallback.measurement.graders == "auto (fallback: no human grades)"
    strict = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="other", threshold=0.1,
        graders="human",
    )  # fmt: skip
    assert strict.status == "missing" and "human" in strict.reason
    auto = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="other", threshold=0.1,
        graders="auto",
    )  # fmt: skip
    assert auto.measurement.graders == "auto"
    pooled = verdict(
        frames, metric="sxs_win_rate", model="cand", baseline="base", threshold=0.1, graders="any"
    )
    assert pooled.measurement.graders == "any" and pooled.measurement.n == 200


def test_non_inferiority_is_a_paired_prompt_level_comparison(frames: RunFrames) -> None:
    result = verdict(
        frames, metric="ifeval_inst_strict", model="cand", reference_model="base", margin=0.05,
        min_n=50,
    )  # fmt: skip
    assert result.status == "pass", result.reason
    assert "400 shared prompts" in result.reason
    low, high = result.diff[1], result.diff[2]
    assert low < result.diff[0] < high
    tight = verdict(
        frames, metric="ifeval_inst_strict", model="base", reference_model="cand", margin=0.0,
        min_n=50,
    )  # fmt: skip
    assert tight.status == "fail" and "Δ vs cand" in tight.reason
    safer = verdict(
        frames, metric="violation_rate", model="cand", reference_model="base", margin=0.0
    )
    assert safer.status == "pass" and safer.diff[2] <= 0


def test_the_reference_must_meet_min_n_too(frames: RunFrames) -> None:
    small = RunFrames()
    small.ifeval = pd.concat(
        [ifeval_frame({"cand": 0.8}, prompts=400), ifeval_frame({"tiny": 0.8}, prompts=20)]
    )
    gate = Gate.model_validate(
        {"name": "g", "metric": "ifeval_prompt_strict", "model": "cand",
         "reference_model": "tiny", "margin": 0.5, "min_n": 30}
    )  # fmt: skip
    result = decide(gate, Evaluator(small, resamples=200))
    assert result.status == "insufficient" and "reference tiny: n=20 prompts" in result.reason


def test_non_inferiority_against_a_previous_run(tmp_path: Path) -> None:
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
    current = RunFrames()
    current.ifeval = ifeval_frame({"smollm2-135m": 0.8}, prompts=100)
    report = run_gates(spec, current)
    first, second = report.verdicts
    assert first.reference is not None and first.reference.n == 60
    assert first.status == "pass", first.reason
    assert second.status == "missing" and "not found" in second.reason
    assert report.exit_code == 2


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"threshold": True}, "expected a number"),
        ({"threshold": 1.5}, "outside"),
        ({"threshold": 0.5, "margin": 0.1, "reference_model": "b"}, "exactly one"),
        ({"margin": 0.1}, "needs `baseline_run`"),
        ({"threshold": 0.5, "filter": {"use_case": "email"}}, "does not apply"),
        ({"threshold": 0.5, "metric": "no_such_metric"}, "unknown metric"),
    ],
)
def test_bad_gates_are_refused(fields: dict, problem: str) -> None:
    spec = {"name": "g", "metric": "violation_rate", "model": "m", **fields}
    with pytest.raises(ValueError, match=problem):
        Gate.model_validate(spec)
