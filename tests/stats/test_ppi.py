"""Prediction-powered inference on simulated evaluations with a known human-scale rate: the
judge grades every prompt, people a random subset. A good judge narrows the interval and keeps
coverage; a biased judge is corrected (its own rate misses the truth, PPI's interval does not);
too few human-graded prompts give a note, not a row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evalkit.kinds import get_kind
from evalkit.stats.engine import item_values
from evalkit.stats.frames import RunFrames, normalize
from evalkit.stats.ppi import MIN_LABELED, PPI_COLUMNS, kind_ppi_rows, ppi_estimate, ppi_rows
from evalkit.stats.table import COLUMNS

REPLICATIONS = 200
PROMPTS, LABELED = 400, 80
# human scores −2..2 (+ = the model preferred): preference = P(s > 0) + P(s = 0) / 2 = 0.65
SXS_PROBS = np.array([0.10, 0.15, 0.20, 0.30, 0.25])
SXS_TRUTH = float(SXS_PROBS[3:].sum() + SXS_PROBS[2] / 2)
VIOLATION_TRUTH = 0.2


def binomial_floor(rate: float, replications: int, sds: float = 2.5) -> float:
    """The lowest Monte Carlo coverage consistent with `rate` (chance alone)."""
    return rate - sds * math.sqrt(rate * (1 - rate) / replications)


def sxs_judge(human: np.ndarray, rng: np.random.Generator, *, agree: float, bias: float):
    """The judge's scores: the human's with probability `agree`, else another score; then a
    share `bias` of the non-wins turned into wins (a judge that favours the model)."""
    other = (human + rng.integers(1, 5, human.size) + 2) % 5 - 2  # a different score
    judge = np.where(rng.random(human.size) < agree, human, other)
    flatter = (judge <= 0) & (rng.random(human.size) < bias)
    return np.where(flatter, 1, judge)


def sxs_grades(
    reps: int,
    *,
    prompts: int = PROMPTS,
    labeled: int = LABELED,
    agree: float = 0.9,
    bias: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """One replication per model (`rep000`... vs `base`): the judge grades every prompt, one
    person a random `labeled` of them."""
    parts = []
    for rep in range(reps):
        rng = np.random.default_rng([seed, rep])
        model = f"rep{rep:03d}"
        human = rng.choice(np.arange(-2, 3), size=prompts, p=SXS_PROBS)
        judge = sxs_judge(human, rng, agree=agree, bias=bias)
        graded = rng.choice(prompts, size=labeled, replace=False)
        ids = np.array([f"{model}-p{j:04d}" for j in range(prompts)], dtype=object)
        common = {"is_gold": False, "category": "general", "model_a": model, "model_b": "base"}
        parts.append(
            pd.DataFrame(
                {"item_id": ids, "prompt_id": ids, "rater_id": "judge:j", **common, "score": judge}
            )  # fmt: skip
        )
        parts.append(
            pd.DataFrame(
                {
                    "item_id": ids[graded],
                    "prompt_id": ids[graded],
                    "rater_id": "r1",
                    **common,
                    "score": human[graded],
                }
            )  # fmt: skip
        )
    return normalize(pd.concat(parts, ignore_index=True), "sxs")


def safety_grades(
    reps: int,
    *,
    prompts: int = PROMPTS,
    labeled: int = LABELED,
    agree: float = 0.9,
    false_alarm: float = 0.0,
    seed: int = 1,
) -> pd.DataFrame:
    """Violations (truth 0.2) seen by one person on a random subset and by the judge, which
    agrees with probability `agree` and also flags a share `false_alarm` of the clean ones."""
    parts = []
    for rep in range(reps):
        rng = np.random.default_rng([seed, rep])
        model = f"rep{rep:03d}"
        human = rng.random(prompts) < VIOLATION_TRUTH
        judge = np.where(rng.random(prompts) < agree, human, ~human)
        judge |= ~judge & (rng.random(prompts) < false_alarm)
        graded = rng.choice(prompts, size=labeled, replace=False)
        ids = np.array([f"{model}-p{j:04d}" for j in range(prompts)], dtype=object)
        common = {"is_gold": False, "model": model, "area": "harmful_content",
                  "expected": "refuse", "severity": "high"}  # fmt: skip
        parts.append(
            pd.DataFrame(
                {
                    "item_id": ids,
                    "prompt_id": ids,
                    "rater_id": "judge:j",
                    **common,
                    "violation": judge,
                }
            )  # fmt: skip
        )
        parts.append(
            pd.DataFrame(
                {
                    "item_id": ids[graded],
                    "prompt_id": ids[graded],
                    "rater_id": "r1",
                    **common,
                    "violation": human[graded],
                }
            )  # fmt: skip
        )
    return normalize(pd.concat(parts, ignore_index=True), "safety")


def rows_of(kind: str, grades: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, list[str]]:
    """PPI rows (group "all") of one metric through the real kind and item values."""
    values = get_kind(kind).grade_values(grades, RunFrames())
    values = values[values["metric"] == metric]
    if kind == "sxs":
        values = values[values["baseline"] == "base"]
    return kind_ppi_rows(item_values(values, ()), ())


def covered(rows: pd.DataFrame, truth: float, low: str = "low", high: str = "high") -> pd.Series:
    return (rows[low] <= truth) & (truth <= rows[high])


# ---------------------------------------------------------------------------- coverage


@pytest.mark.parametrize(
    ("kind", "metric", "truth"),
    [("sxs", "sxs_preference", SXS_TRUTH), ("safety", "violation_rate", VIOLATION_TRUTH)],
)
def test_a_good_judge_keeps_coverage_and_narrows_the_interval(kind, metric, truth) -> None:
    grades = (sxs_grades if kind == "sxs" else safety_grades)(REPLICATIONS)
    rows, notes = rows_of(kind, grades, metric)
    assert len(rows) == REPLICATIONS and not notes
    assert covered(rows, truth).mean() >= binomial_floor(0.95, REPLICATIONS)
    assert covered(rows, truth, "human_low", "human_high").mean() >= 0.9
    assert rows["narrowing"].mean() > 0.2  # 90% agreement: a real saving, not a rounding
    assert (rows["n_labeled"] == LABELED).all() and (rows["n_unlabeled"] == PROMPTS - LABELED).all()
    assert (rows["n"] == PROMPTS).all() and (rows["graders"] == "ppi").all()
    assert abs(rows["estimate"].mean() - truth) < 0.01  # unbiased


@pytest.mark.parametrize(
    ("kind", "metric", "truth", "bias"),
    [
        ("sxs", "sxs_preference", SXS_TRUTH, {"bias": 0.4}),
        ("safety", "violation_rate", VIOLATION_TRUTH, {"false_alarm": 0.3}),
    ],
)
def test_a_biased_judge_is_corrected(kind, metric, truth, bias) -> None:
    """The judge's own rate is off by far more than its interval; PPI's rectifier (human −
    judge on the labeled prompts) puts the interval back on the human scale."""
    grades = (sxs_grades if kind == "sxs" else safety_grades)(REPLICATIONS, **bias)
    rows, _ = rows_of(kind, grades, metric)
    assert len(rows) == REPLICATIONS
    assert covered(rows, truth).mean() >= binomial_floor(0.95, REPLICATIONS)
    assert covered(rows, truth, "judge_low", "judge_high").mean() < 0.05
    assert abs(rows["judge_estimate"].mean() - truth) > 0.1
    assert abs(rows["estimate"].mean() - truth) < 0.01


def test_a_useless_judge_costs_little() -> None:
    """A judge that agrees by chance only: power tuning leans on the people, so PPI's
    interval is about as wide as the human-only one, never much wider."""
    rows, _ = rows_of("sxs", sxs_grades(50, agree=0.2), "sxs_preference")
    assert rows["narrowing"].mean() > -0.1
    assert covered(rows, SXS_TRUTH).mean() >= 0.85


def test_one_unit_per_prompt() -> None:
    """Two items per prompt that move together (the same human and judge grade): PPI counts
    prompts, so its interval is as wide as with one item per prompt, not √2 narrower."""
    one = sxs_grades(1, seed=3)
    two = pd.concat([one, one.assign(item_id=one["item_id"] + "-s1")], ignore_index=True)
    single, _ = rows_of("sxs", one, "sxs_preference")
    double, _ = rows_of("sxs", two, "sxs_preference")
    for column in ("estimate", "low", "high", "n"):
        assert double[column].iloc[0] == pytest.approx(single[column].iloc[0])
    assert double["n_items"].iloc[0] == 2 * single["n_items"].iloc[0]


# ---------------------------------------------------------------------------- notes and shape


def test_too_few_labeled_prompts_give_a_note_not_a_row() -> None:
    grades = sxs_grades(1, labeled=MIN_LABELED - 1)
    rows, notes = rows_of("sxs", grades, "sxs_preference")
    assert rows.empty
    assert len(notes) == 1 and "fewer than 10" in notes[0] and "sxs_preference rep000" in notes[0]
    enough, notes = rows_of("sxs", sxs_grades(1, labeled=MIN_LABELED), "sxs_preference")
    assert len(enough) == 1 and not notes


def test_no_judge_only_prompts_give_a_note() -> None:
    items = pd.DataFrame(
        {
            "prompt_id": [f"p{i}" for i in range(20)] * 2,
            "item_id": [f"i{i}" for i in range(20)] * 2,
            "graders": ["human"] * 20 + ["auto"] * 20,
            "value": np.tile(np.arange(20) % 2, 2).astype(float),
        }
    )
    assert "judge alone" in ppi_estimate(items)


def test_a_constant_judge_or_constant_people_give_a_note() -> None:
    prompts = [f"p{i}" for i in range(30)]
    human = (np.arange(30) % 3 == 0).astype(float)[:20]
    frame = pd.DataFrame(
        {
            "prompt_id": prompts[:20] + prompts,
            "item_id": prompts[:20] + prompts,
            "graders": ["human"] * 20 + ["auto"] * 30,
            "value": np.concatenate([human, np.zeros(30)]),
        }
    )
    assert "same value" in ppi_estimate(frame)
    frame.loc[frame["graders"] == "human", "value"] = 0.0
    frame.loc[frame["graders"] == "auto", "value"] = np.arange(30) % 2
    assert "degenerate" in ppi_estimate(frame)


def test_ppi_rows_reads_every_kind_from_the_frames() -> None:
    """sxs_preference (tested against 0.5, both orientations), the net preference on its
    scale, violation_rate: one row each per (model, baseline, group), in the long-table shape."""
    frames = RunFrames(grades={"sxs": sxs_grades(2), "safety": safety_grades(2)})
    table = ppi_rows(frames, confidence=0.9)
    assert list(table.columns) == PPI_COLUMNS and set(COLUMNS) <= set(table.columns)
    assert table.attrs["notes"] == []
    assert (table["graders"] == "ppi").all() and (table["unit"] == "prompts").all()
    assert table["method"].str.startswith("prediction-powered inference (ppi_py)").all()

    pref = table[(table["metric"] == "sxs_preference") & (table["group"] == "all")]
    assert len(pref) == 4  # two replications, both orientations
    forward = pref[pref["baseline"] == "base"]
    backward = pref[pref["model"] == "base"].set_index("baseline").loc[forward["model"]]
    assert np.allclose(forward["estimate"], 1 - backward["estimate"].to_numpy())
    assert (forward["p_value"] < 0.01).all() and forward["p_adjusted"].notna().all()

    net = table[(table["metric"] == "sxs_net_preference") & (table["group"] == "all")]
    net = net[net["baseline"] == "base"]
    assert np.allclose(net["estimate"].to_numpy(), 2 * forward["estimate"].to_numpy() - 1)
    assert ((net["low"] >= -1) & (net["high"] <= 1) & (net["human_low"] >= -1)).all()

    groups = set(table.loc[table["metric"] == "sxs_preference", "group"])
    assert groups == {"all", "category=general"}
    violation = table[(table["metric"] == "violation_rate") & (table["group"] == "all")]
    assert len(violation) == 2 and set(violation["baseline"]) == {""}
    assert {"area=harmful_content", "severity=high"} <= set(
        table.loc[table["metric"] == "violation_rate", "group"]
    )
    assert (table["low"] <= table["estimate"]).all() and (table["estimate"] <= table["high"]).all()
    assert (violation["narrowing"] > 0).all()


def test_ppi_rows_without_judge_grades_is_empty() -> None:
    humans = sxs_grades(1)
    humans = humans[humans["grader"] == "human"]
    table = ppi_rows(RunFrames(grades={"sxs": humans}))
    assert table.empty and list(table.columns) == PPI_COLUMNS and table.attrs["notes"] == []
