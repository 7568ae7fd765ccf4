"""Length-controlled win rate: simulated raters who like long answers, with a known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.stats.frames import RunFrames, normalize
from evalkit.stats.length import lc_fit, length_bias, length_controlled_rows, length_items
from evalkit.stats.table import COLUMNS, metric, select

CAND, BASE = "cand", "base"
RESAMPLES = 200


def simulate(
    *,
    quality: float = 0.0,
    length_effect: float = 0.0,
    ratio: float = 1.6,
    prompts: int = 400,
    raters: int = 2,
    seed: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(grades, responses): `cand` answers `ratio` times longer on average; a rater prefers
    cand when quality + length_effect·tanh(Δ/sd) + logistic noise clears a tie band."""
    rng = np.random.default_rng(seed)
    len_a = np.round(rng.lognormal(np.log(800 * ratio), 0.5, prompts)).astype(int) + 1
    len_b = np.round(rng.lognormal(np.log(800), 0.5, prompts)).astype(int) + 1
    diff = len_a - len_b
    x = np.tanh(diff / diff.std(ddof=1))
    rows = []
    for p in range(prompts):
        for r in range(raters):
            z = quality + length_effect * x[p] + rng.logistic()
            score = int(np.digitize(z, [-1.5, -0.4, 0.4, 1.5])) - 2
            rows.append(
                {
                    "item_id": f"i{p}", "prompt_id": f"p{p}", "rater_id": f"r{r}",
                    "category": ("coding", "writing")[p % 2], "model_a": CAND, "model_b": BASE,
                    "score": score,
                }
            )  # fmt: skip
    responses = pd.DataFrame(
        [
            {"prompt_id": f"p{p}", "model": model, "sample": 0, "ok": True, "text": "x" * n}
            for p in range(prompts)
            for model, n in ((CAND, len_a[p]), (BASE, len_b[p]))
        ]
    )
    return normalize(pd.DataFrame(rows), "sxs"), responses


def frames_of(grades: pd.DataFrame, responses: pd.DataFrame | None = None) -> RunFrames:
    out = RunFrames(grades={"sxs": grades})
    if responses is not None:
        out.responses = responses
    return out


def raw_preference(frames: RunFrames, model: str = CAND) -> float:
    items = length_items(frames)
    return float(items.loc[items["model"] == model, "value"].mean())


def row(table: pd.DataFrame, model: str = CAND, baseline: str = BASE, graders: str = "human"):
    found = select(table, "sxs_lc_preference", model, baseline, graders=graders)
    assert len(found) == 1
    return found.iloc[0]


def test_length_bias_alone_is_removed() -> None:
    frames = frames_of(*simulate(length_effect=2.0))
    raw = raw_preference(frames)
    lc = row(length_controlled_rows(frames, resamples=RESAMPLES, seed=3))
    assert raw > 0.62  # raters reward the longer answer: the raw rate is far from 0.5
    assert abs(lc["estimate"] - 0.5) < 0.05
    assert lc["low"] <= 0.5 <= lc["high"]
    assert lc["n"] == 400 and lc["n_items"] == 400 and lc["unit"] == "prompts"
    assert "GLM" in lc["method"] and "bootstrap" in lc["method"]


def test_without_a_length_effect_lc_is_the_raw_rate() -> None:
    frames = frames_of(*simulate(quality=0.5, length_effect=0.0))
    lc = row(length_controlled_rows(frames, resamples=RESAMPLES, seed=3))
    assert lc["estimate"] == pytest.approx(raw_preference(frames), abs=0.03)


def test_a_better_model_keeps_its_advantage_at_equal_length() -> None:
    frames = frames_of(*simulate(quality=1.0, length_effect=1.5))
    raw = raw_preference(frames)
    lc = row(length_controlled_rows(frames, resamples=RESAMPLES, seed=3))
    assert lc["estimate"] < raw  # the length bonus is taken away...
    assert lc["estimate"] > 0.62 and lc["low"] > 0.5  # ...the quality is not


def test_orientations_mirror() -> None:
    frames = frames_of(*simulate(quality=0.3, length_effect=1.0))
    table = length_controlled_rows(frames, resamples=RESAMPLES, seed=3)
    ab, ba = row(table), row(table, BASE, CAND)
    assert ab["estimate"] + ba["estimate"] == pytest.approx(1)
    assert (ab["low"], ab["high"]) == pytest.approx((1 - ba["high"], 1 - ba["low"]))
    # the fit itself is antisymmetric: swapping the models flips y and the length difference
    rng = np.random.default_rng(0)
    y, diff = rng.uniform(size=300), rng.normal(0, 300, 300)
    codes = rng.integers(0, 3, 300)
    rate, beta = lc_fit(y, diff, codes)
    rate_rev, beta_rev = lc_fit(1 - y, -diff, codes)
    assert rate + rate_rev == pytest.approx(1, abs=1e-6)
    assert beta == pytest.approx(beta_rev, abs=1e-6)


def test_rows_are_long_table_rows_and_seeded() -> None:
    frames = frames_of(*simulate(length_effect=1.0, prompts=120))
    first = length_controlled_rows(frames, resamples=50, seed=7)
    again = length_controlled_rows(frames, resamples=50, seed=7)
    assert list(first.columns) == COLUMNS
    pd.testing.assert_frame_equal(first, again)
    assert set(first["group"]) == {"all"}
    info = metric("sxs_lc_preference")
    assert info.family == "sxs_lc" and info.comparison and info.headline


def test_per_category_intercepts() -> None:
    frames = frames_of(*simulate(length_effect=2.0))
    lc = row(length_controlled_rows(frames, resamples=RESAMPLES, seed=3, categories=True))
    assert abs(lc["estimate"] - 0.5) < 0.05
    assert "per-category" in lc["method"]


def test_human_and_auto_grades_apart() -> None:
    grades, responses = simulate(length_effect=2.0, prompts=150, raters=1)
    judged = grades.assign(rater_id="judge:x", score=0)  # a judge that always ties
    frames = frames_of(normalize(pd.concat([grades, judged], ignore_index=True), "sxs"), responses)
    table = length_controlled_rows(frames, resamples=50, seed=3)
    assert list(table["graders"]) == ["human", "human", "auto", "auto"]
    assert row(table, graders="auto")["estimate"] == pytest.approx(0.5)


def test_missing_lengths_give_no_rows() -> None:
    grades, responses = simulate(length_effect=1.0, prompts=50)
    for frames in (
        frames_of(grades),  # no responses at all
        frames_of(grades, responses[responses["model"] == CAND]),  # one side only
        frames_of(normalize(grades.iloc[0:0], "sxs"), responses),  # no grades
        RunFrames(),
    ):
        assert length_controlled_rows(frames, resamples=20).empty
        assert length_bias(frames).empty
    # items missing a length are left out, the rest are fitted
    partial = frames_of(grades, responses[~responses["prompt_id"].isin(["p0", "p1"])])
    assert row(length_controlled_rows(partial, resamples=20))["n"] == 48


def test_lengths_from_grade_file_columns() -> None:
    grades, responses = simulate(length_effect=2.0, prompts=200)
    lengths = responses.assign(length=responses["text"].str.len()).pivot(
        index="prompt_id", columns="model", values="length"
    )
    with_lengths = grades.assign(
        len_a=grades["prompt_id"].map(lengths[CAND]), len_b=grades["prompt_id"].map(lengths[BASE])
    )
    from_file = row(length_controlled_rows(frames_of(with_lengths), resamples=50, seed=3))
    from_run = row(length_controlled_rows(frames_of(grades, responses), resamples=50, seed=3))
    assert from_file["estimate"] == pytest.approx(from_run["estimate"])


def test_length_bias_coefficient() -> None:
    biased = length_bias(frames_of(*simulate(length_effect=2.0)))
    fair = length_bias(frames_of(*simulate(quality=0.5, length_effect=0.0)))
    b = biased[(biased["model"] == CAND) & (biased["graders"] == "human")].iloc[0]
    f = fair[(fair["model"] == CAND) & (fair["graders"] == "human")].iloc[0]
    assert b["coefficient"] > 1 and b["low"] > 0  # longer answers preferred
    assert f["low"] <= 0 <= f["high"]
    assert b["length_sd"] > 0 and b["n"] == 400
    # the same preference for length whichever model is called the candidate
    assert biased["coefficient"].nunique() == 1
