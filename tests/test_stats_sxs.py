"""Side-by-side statistics: orientation, the rater rule, sign test, Holm, the fast bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests

from evalkit.errors import UserError
from evalkit.stats.bootstrap import percentile_interval, resampled_sums
from evalkit.stats.proportions import wilson_interval
from evalkit.stats.sxs import check_candidate, item_outcomes, orient, sxs_table
from evalkit.stats.synthetic import synthetic_sxs


def grades(rows: list[tuple]) -> pd.DataFrame:
    """rows: (item, prompt, category, rater, model_a, model_b, score)."""
    columns = ["item_id", "prompt_id", "category", "rater_id", "model_a", "model_b", "score"]
    return pd.DataFrame(rows, columns=columns)


def test_scores_are_turned_to_the_candidates_view() -> None:
    frame = grades(
        [
            ("i1", "p1", "coding", "r1", "cand", "base", 2),
            ("i2", "p2", "coding", "r1", "base", "cand", 2),  # baseline preferred
            ("i3", "p3", "coding", "r1", "x", "y", 1),  # not the candidate's comparison
        ]
    )
    oriented = orient(frame, ["cand"])
    assert list(oriented["pref"]) == [2, -2]
    assert set(oriented["baseline"]) == {"base"}
    # without candidates, each pair keeps its usual model_a (ties broken by name)
    default = orient(frame)
    assert set(zip(default["candidate"], default["baseline"], strict=True)) == {
        ("base", "cand"),
        ("x", "y"),
    }


def test_item_outcome_is_the_sign_of_the_raters_mean() -> None:
    frame = grades(
        [
            ("i1", "p1", "writing", "r1", "cand", "base", 2),
            ("i1", "p1", "writing", "r2", "cand", "base", -1),  # mean +0.5: win
            ("i2", "p2", "writing", "r1", "cand", "base", 1),
            ("i2", "p2", "writing", "r2", "cand", "base", -1),  # mean 0: tie
            ("i3", "p3", "writing", "r1", "cand", "base", -2),
            ("i3", "p3", "writing", "r2", "cand", "base", 1),  # mean −0.5: loss
        ]
    )
    outcomes = item_outcomes(frame, ["cand"]).set_index("item_id")["outcome"]
    assert outcomes.to_dict() == {"i1": 1, "i2": 0, "i3": -1}


def test_gold_items_are_left_out_and_automatic_grades_kept_apart() -> None:
    frame = grades(
        [
            ("i1", "p1", "coding", "alice", "cand", "base", 2),
            ("i1", "p1", "coding", "judge:big", "cand", "base", -2),
            ("g1", "g", "coding", "alice", "cand", "base", 2),
        ]
    )
    frame["is_gold"] = [False, False, True]
    table = sxs_table(frame, ["cand"], resamples=200)
    coding = table[table["category"] == "coding"].set_index("graders")
    assert coding.loc["human", "wins"] == 1 and coding.loc["human", "n_items"] == 1
    assert coding.loc["auto", "losses"] == 1 and coding.loc["auto", "n_items"] == 1
    assert list(table["graders"])[0] == "human"  # humans' rows come first


def test_counts_sign_test_and_holm_match_scipy_and_statsmodels() -> None:
    frame = synthetic_sxs(
        pairs=[("cand", "base"), ("cand", "other")],
        categories=["coding", "writing", "open_qa"],
        prompts_per_category=60,
        raters_per_item=3,
        p_win=0.55,
        p_tie=0.15,
        seed=4,
    )
    table = sxs_table(frame, ["cand"], resamples=300, seed=1)
    assert len(table) == 2 * 4  # 3 categories + "all", per baseline
    for row in table.itertuples():
        assert row.wins + row.ties + row.losses == row.n_items
        assert row.n_grades == 3 * row.n_items
        assert row.p_value == pytest.approx(binomtest(row.wins, row.wins + row.losses).pvalue)
        assert row.net == pytest.approx(row.win_rate - row.loss_rate)
        for name in ("win", "tie", "loss", "net"):
            value = getattr(row, "net" if name == "net" else f"{name}_rate")
            assert getattr(row, f"{name}_low") <= value <= getattr(row, f"{name}_high")
    overall = table[table["category"] == "all"].set_index("baseline")
    per_category = (
        table[table["category"] != "all"].groupby("baseline")[["wins", "ties", "losses"]].sum()
    )
    assert (overall[["wins", "ties", "losses"]] == per_category).all().all()
    _, holm, _, _ = multipletests(table["p_value"], method="holm")
    assert np.allclose(table["p_holm"], holm)
    assert (table["significant"] == (table["p_holm"] < 0.05)).all()


def test_bootstrap_is_seeded_and_each_comparison_is_independent_of_the_others() -> None:
    both = synthetic_sxs(pairs=[("cand", "base"), ("cand", "other")], categories=["coding"], seed=2)
    one = both[both["model_b"] == "base"]
    a = sxs_table(both, ["cand"], resamples=500, seed=7)
    b = sxs_table(both, ["cand"], resamples=500, seed=7)
    pd.testing.assert_frame_equal(a, b)
    alone = sxs_table(one, ["cand"], resamples=500, seed=7)
    pooled = a[a["baseline"] == "base"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        alone.drop(columns="p_holm"), pooled[alone.columns].drop(columns="p_holm")
    )
    other_seed = sxs_table(one, ["cand"], resamples=500, seed=8)
    assert not np.allclose(other_seed["win_low"], alone["win_low"])


def test_multinomial_trick_matches_a_naive_resampling_loop() -> None:
    """The fast bootstrap draws from the same distribution as resampling prompts one by one."""
    rng = np.random.default_rng(0)
    n = 300
    # per prompt: (wins, ties, losses, items) with two samples per prompt
    per_item = rng.choice([1, 0, -1], size=(n, 2), p=[0.5, 0.2, 0.3])
    values = np.column_stack(
        [(per_item > 0).sum(1), (per_item == 0).sum(1), (per_item < 0).sum(1), np.full(n, 2)]
    )
    fast = resampled_sums(values, 4000, np.random.default_rng(1))
    fast_win = fast[:, 0] / fast[:, 3]
    naive_rng = np.random.default_rng(2)
    naive_win = []
    for _ in range(4000):
        sample = values[naive_rng.integers(0, n, n)]
        naive_win.append(sample[:, 0].sum() / sample[:, 3].sum())
    fast_ci = percentile_interval(fast_win)
    naive_ci = percentile_interval(np.array(naive_win))
    assert np.allclose(fast_ci, naive_ci, atol=0.01)
    assert fast_win.std() == pytest.approx(np.std(naive_win), rel=0.08)


def test_a_rate_of_zero_or_one_gets_a_wilson_interval() -> None:
    frame = grades(
        [(f"i{i}", f"p{i}", "math_reasoning", "r1", "cand", "base", 2) for i in range(12)]
    )
    row = sxs_table(frame, ["cand"], resamples=200).iloc[0]
    assert row.win_rate == 1.0 and row.win_high == 1.0
    assert row.win_low == pytest.approx(wilson_interval(12, 12)[0])
    assert row.loss_low == 0.0 and row.loss_high == pytest.approx(wilson_interval(0, 12)[1])
    assert row.net_low < 1.0  # the net preference is not certain either


def test_an_unknown_candidate_is_a_user_error() -> None:
    frame = grades([("i1", "p1", "coding", "r1", "cand", "base", 1)])
    with pytest.raises(UserError, match="candidate 'nope' is not in the grades"):
        check_candidate(frame, "nope")
