"""A gate decides only on enough, defined evidence (issue 20's surviving mutants): the baseline
run a non-inferiority gate compares with must meet min_n too, an undefined difference fails,
and a bound exactly at the threshold passes (the rule is ≥ / ≤, not > / <)."""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.gates import Evaluator, Gate, GatesFile, decide, markdown_summary, run_gates
from evalkit.stats.estimate import Difference
from evalkit.stats.frames import RunFrames
from evalkit.testing.synthetic import write_synthetic_run

NAN = float("nan")
# the module, not the function `evalkit.gates.decide` that the package exports under its name
decide_module = importlib.import_module("evalkit.gates.decide")


def ifeval_frame(model: str, passed: list[bool]) -> pd.DataFrame:
    """One IFEval row per prompt: a prompt passes strictly when all 3 instructions pass."""
    return pd.DataFrame(
        [
            {"run_id": "r", "prompt_id": f"f{i}", "model": model, "sample": 0,
             "prompt_strict": ok, "prompt_loose": ok, "inst_strict_pass": 3 if ok else 1,
             "inst_loose_pass": 3 if ok else 1, "inst_total": 3}
            for i, ok in enumerate(passed)
        ]
    )  # fmt: skip


def frames_of(*parts: pd.DataFrame) -> RunFrames:
    frames = RunFrames()
    frames.ifeval = pd.concat(parts, ignore_index=True)
    return frames


def test_a_baseline_run_with_too_few_prompts_cannot_pass_a_gate(tmp_path: Path) -> None:
    previous = write_synthetic_run(tmp_path / "release-1", prompts_per_category=5)  # 60 prompts
    rng = np.random.default_rng(0)
    current = frames_of(ifeval_frame("smollm2-135m", list(rng.random(100) < 0.9)))
    spec = GatesFile.model_validate(
        {"gates": [{"name": "keeps ifeval", "metric": "ifeval_prompt_loose",
                    "model": "smollm2-135m", "baseline_run": str(previous), "margin": 0.5,
                    "min_n": 80}]}
    )  # fmt: skip
    report = run_gates(spec, current)
    (verdict,) = report.verdicts
    assert verdict.measurement.n == 100  # the current run has enough prompts...
    assert verdict.reference is not None and verdict.reference.n == 60  # ...the baseline not
    assert verdict.status == "insufficient" and not verdict.passed, verdict.reason
    assert "reference smollm2-135m: n=60 prompts < min_n=80" in verdict.reason
    assert verdict.diff is None  # no comparison was made on that little data
    assert report.exit_code == 1
    assert report.summary() == "0 of 1 gates passed, 1 failed (1 on too few prompts)"
    assert markdown_summary(report).startswith("## Not ready to ship")


def test_an_undefined_difference_fails_a_non_inferiority_gate(monkeypatch) -> None:
    frames = frames_of(
        ifeval_frame("cand", [True] * 40 + [False] * 10),
        ifeval_frame("base", [True] * 40 + [False] * 10),
    )
    gate = Gate.model_validate(
        {"name": "g", "metric": "ifeval_prompt_strict", "model": "cand",
         "reference_model": "base", "margin": 0.5, "min_n": 10}
    )  # fmt: skip
    defined = decide(gate, Evaluator(frames, resamples=200))
    assert defined.status == "pass", defined.reason  # equal rates, a generous margin

    def undefined(*args, **kwargs) -> Difference:  # e.g. every resample left a side empty
        return Difference(0.0, NAN, NAN, 0.8, 0.8, 50, 50, 50, NAN, "paired")

    monkeypatch.setattr(decide_module, "paired_difference", undefined)
    result = decide(gate, Evaluator(frames, resamples=200))
    assert result.status == "fail" and not result.passed, result.reason
    assert "undefined" in result.reason
    assert math.isnan(result.diff[1])


@pytest.mark.parametrize("direction", ["at_least", "at_most"])
def test_a_bound_exactly_at_the_threshold_passes(direction: str) -> None:
    frames = frames_of(ifeval_frame("cand", [True, False] * 25))  # exactly 25 of 50
    gate = Gate.model_validate(
        {"name": "g", "metric": "ifeval_prompt_strict", "model": "cand", "threshold": 0.5,
         "bound": "point", "direction": direction, "min_n": 50}
    )  # fmt: skip
    result = decide(gate, Evaluator(frames, resamples=200))
    assert result.measurement.value == 0.5 and result.measurement.n == 50
    assert result.status == "pass", result.reason
