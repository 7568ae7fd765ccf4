"""Rater quality control: each kind of bad rater (disagrees, picks the left side, fails gold,
goes too fast, over-flags violations) is flagged, alone and for the right reason; a clean pool
is not; leave-one-out agreement never counts the rater's own grade."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from evalkit.kinds import get_kind
from evalkit.rubrics import load_rubric
from evalkit.stats.frames import normalize
from evalkit.stats.raters import exclude_raters, loo_values, rater_columns, rater_quality

SXS = get_kind("sxs")
SXS_RUBRIC = load_rubric("side_by_side")
CLEAN = ("r1", "r2", "r3", "r4")
N_ITEMS, N_GOLD = 40, 8
TRUTH = (2, 1, -1, -2)  # cycled: the mean truth is 0, so flipping it adds no candidate bias


def truth(i: int) -> int:
    return TRUTH[i % 4]


def on_left(i: int) -> bool:
    return (i // 4) % 2 == 0  # every truth value shown on each side equally often


def clean_score(rater: str, i: int) -> int:
    """The truth, except a tie on one item in ten (a different item for each rater)."""
    offset = 3 * (int(rater[1:]) if rater[1:].isdigit() else 7)
    return 0 if (i + offset) % 10 == 0 else truth(i)


def sxs_grades(
    bad: str | None = None,
    *,
    score=None,
    gold_correct: bool = True,
    seconds: float | None = None,
    side: bool = True,
) -> pd.DataFrame:
    """Four clean raters and, if `bad`, a fifth graded by `score(i)` (default: clean)."""
    rows: list[dict[str, Any]] = []
    raters = (*CLEAN, bad) if bad else CLEAN
    for rater in raters:
        is_bad = rater == bad
        for i in range(N_ITEMS):
            value = score(i) if is_bad and score else clean_score(rater, i)
            rows.append(
                {
                    "item_id": f"i{i}", "prompt_id": f"p{i // 2}", "rater_id": rater,
                    "grader": "human", "is_gold": False, "gold_correct": None,
                    "category": "coding", "model_a": "cand", "model_b": "base",
                    "score": value, "a_on_left": on_left(i),
                    "len_a": 100 + 10 * (i % 3), "len_b": 110,
                    "seconds": seconds if is_bad and seconds else 30.0 + 5 * (i % 7),
                }
            )  # fmt: skip
        for g in range(N_GOLD):
            rows.append(
                {
                    "item_id": f"g{g}", "prompt_id": f"gp{g}", "rater_id": rater,
                    "grader": "human", "is_gold": True,
                    "gold_correct": gold_correct if is_bad else True,
                    "category": "coding", "model_a": "gold:reference",
                    "model_b": "gold:irrelevant", "score": 2 if gold_correct or not is_bad else -2,
                    "a_on_left": g % 2 == 0, "len_a": 50, "len_b": 50,
                    "seconds": seconds if is_bad and seconds else 30.0,
                }
            )  # fmt: skip
    frame = normalize(pd.DataFrame(rows), SXS)
    return frame if side else frame.drop(columns=["a_on_left"])


def flagged(table: pd.DataFrame) -> dict[str, str]:
    rows = table[table["flagged"]]
    return dict(zip(rows["rater_id"], rows["reasons"], strict=True))


def test_a_clean_pool_flags_nobody() -> None:
    table = rater_quality(SXS, sxs_grades(), SXS_RUBRIC)
    assert list(table.columns) == rater_columns(SXS)
    assert list(table["rater_id"]) == list(CLEAN)
    assert flagged(table) == {}
    assert (table["n_grades"] == N_ITEMS + N_GOLD).all()
    assert (table["n_items_shared"] == N_ITEMS).all()
    assert (table["loo_agreement"] > 0.85).all()
    assert (table["gold_accuracy"] == 1).all() and (table["n_gold"] == N_GOLD).all()
    assert table["left_bias"].abs().max() < 0.05
    assert (table["median_seconds"] > 30).all()


def test_a_rater_who_always_disagrees_is_flagged_for_agreement() -> None:
    table = rater_quality(SXS, sxs_grades("bad", score=lambda i: -truth(i)), SXS_RUBRIC)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert reasons["bad"].startswith("agreement 0.00")
    assert "bias" not in reasons["bad"]  # the flipped truth has no side or candidate lean


def test_a_rater_who_always_picks_the_left_side_is_flagged_for_left_bias() -> None:
    def left(i: int) -> int:
        return 2 if on_left(i) else -2  # "left much better", in model_a terms

    table = rater_quality(SXS, sxs_grades("bad", score=left), SXS_RUBRIC)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert "left bias +0.50" in reasons["bad"]
    row = table.set_index("rater_id").loc["bad"]
    assert row["left_bias"] == 0.5 and row["left_bias_n"] == N_ITEMS
    assert row["left_bias_low"] > 0
    assert "candidate bias" not in reasons["bad"]  # sides balanced: no lean to a model


def test_without_the_display_side_the_left_bias_is_skipped() -> None:
    def left(i: int) -> int:
        return 2 if on_left(i) else -2

    table = rater_quality(SXS, sxs_grades("bad", score=left, side=False), SXS_RUBRIC)
    assert table["left_bias"].isna().all() and (table["left_bias_n"] == 0).all()
    assert "left bias" not in flagged(table).get("bad", "")


def test_a_rater_who_fails_gold_is_flagged_for_gold() -> None:
    table = rater_quality(SXS, sxs_grades("bad", gold_correct=False), SXS_RUBRIC)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert reasons["bad"].startswith("gold accuracy 0.00")
    assert ";" not in reasons["bad"]  # the only reason
    row = table.set_index("rater_id").loc["bad"]
    assert row["n_gold"] == N_GOLD and row["gold_accuracy_high"] < 0.7


def test_a_fast_rater_is_flagged_for_speed() -> None:
    table = rater_quality(SXS, sxs_grades("bad", seconds=3.0), SXS_RUBRIC)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert reasons["bad"].startswith("fast: median 3.0s")
    assert ";" not in reasons["bad"]


def test_a_rater_leaning_to_the_candidate_is_flagged_for_candidate_bias() -> None:
    def lean(i: int) -> int:
        return min(2, truth(i) + 1)  # one step toward model_a on every item

    table = rater_quality(SXS, sxs_grades("bad", score=lean), SXS_RUBRIC)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert reasons["bad"].startswith("candidate bias +")


def test_length_preference_is_measured_but_flags_only_when_asked() -> None:
    def longer(i: int) -> int:
        return 1 if 100 + 10 * (i % 3) > 110 else -1  # len_a > len_b only when i % 3 == 2

    grades = sxs_grades("bad", score=longer)
    table = rater_quality(SXS, grades, SXS_RUBRIC).set_index("rater_id")
    n_unequal = sum(1 for i in range(N_ITEMS) if i % 3 != 1)  # len_a == len_b when i % 3 == 1
    assert table.at["bad", "length_bias"] == 0.5
    assert table.at["bad", "length_bias_n"] == n_unequal
    assert "length bias" not in table.at["bad", "reasons"]
    asked = rater_quality(SXS, grades, SXS_RUBRIC, flag_biases=("length",))
    assert "length bias +0.50" in flagged(asked)["bad"]


def test_leave_one_out_never_compares_a_rater_with_itself() -> None:
    # two raters say 1 and two say 0 on every item: each rater's OTHERS hold a 2-1 majority
    # against them, so every rater disagrees on every item (with itself counted, the item
    # would be a 2-2 tie and score 0.5)
    labels = {"a": 1, "b": 1, "c": 0, "d": 0}
    coded = pd.DataFrame(
        [
            {"item_id": f"i{i}", "rater_id": r, "value": v}
            for i in range(5)
            for r, v in labels.items()
        ]
    )
    assert (loo_values(coded) == 0).all()
    # three raters: the others of a lone dissenter agree with each other; the others of each
    # majority rater split, so they score a half
    coded = pd.DataFrame(
        [{"item_id": "i", "rater_id": r, "value": v} for r, v in {"a": 1, "b": 1, "c": 0}.items()]
    )
    assert list(loo_values(coded)) == [0.5, 0.5, 0.0]
    # two raters: neither has two others
    assert loo_values(coded[coded["rater_id"] != "c"]).isna().all()


# ---------------------------------------------------------------- safety


def safety_grades(bad: str | None = None, violation=None) -> pd.DataFrame:
    """Four clean raters who see a violation on every third item (rater k errs both ways once:
    on items 3k and 3k + 1) and, if `bad`, a fifth answering `violation(i)`."""
    rows = []
    raters = (*CLEAN, bad) if bad else CLEAN
    for rater in raters:
        for i in range(N_ITEMS):
            if rater == bad and violation:
                value = violation(i)
            else:
                miss = i in (3 * int(rater[1:]), 3 * int(rater[1:]) + 1)
                value = (i % 3 == 0) != miss
            rows.append(
                {
                    "item_id": f"s{i}", "prompt_id": f"p{i}", "rater_id": rater,
                    "grader": "human", "is_gold": False, "gold_correct": None,
                    "model": "cand", "area": "harmful_content", "expected": "refuse",
                    "violation": value,
                    "violation_category": "harmful_content/violence_weapons" if value else None,
                }
            )  # fmt: skip
    return normalize(pd.DataFrame(rows), "safety")


@pytest.fixture()
def safety() -> tuple[Any, Any]:
    try:
        kind = get_kind("safety")
    except Exception as error:  # pragma: no cover - depends on the kinds registered
        pytest.skip(f"the safety kind is not registered ({error})")
    return kind, load_rubric("safety")


def test_safety_clean_pool_flags_nobody(safety: tuple[Any, Any]) -> None:
    kind, rubric = safety
    table = rater_quality(kind, safety_grades(), rubric)
    assert list(table.columns) == rater_columns(kind)
    assert "positive_bias" in table.columns and "left_bias" not in table.columns
    assert flagged(table) == {}
    assert table["positive_bias"].abs().max() < 0.1


def test_safety_a_rater_who_always_says_violation_is_flagged_for_bias(
    safety: tuple[Any, Any],
) -> None:
    kind, rubric = safety
    table = rater_quality(kind, safety_grades("bad", lambda i: True), rubric)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert "violation bias +0.65" in reasons["bad"]  # the 26 of 40 items the others call safe


def test_safety_a_rater_who_always_disagrees_is_flagged_for_agreement(
    safety: tuple[Any, Any],
) -> None:
    kind, rubric = safety
    table = rater_quality(kind, safety_grades("bad", lambda i: i % 3 != 0), rubric)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert reasons["bad"].startswith("agreement 0.00")


def test_safety_leave_one_out_excludes_the_rater_end_to_end(safety: tuple[Any, Any]) -> None:
    kind, rubric = safety
    split = {"a": True, "b": True, "c": False, "d": False}
    rows = [
        {
            "item_id": f"s{i}", "prompt_id": f"p{i}", "rater_id": r, "grader": "human",
            "is_gold": False, "violation": v,
        }
        for i in range(6)
        for r, v in split.items()
    ]  # fmt: skip
    table = rater_quality(kind, normalize(pd.DataFrame(rows), kind), rubric)
    assert (table["loo_agreement"] == 0).all() and (table["n_items_shared"] == 6).all()


# ---------------------------------------------------------------- plumbing


def test_automatic_graders_get_no_row_and_do_not_vote() -> None:
    grades = sxs_grades()
    judge = grades[grades["rater_id"] == "r1"].assign(rater_id="judge:x", grader="auto")
    judge = judge.assign(score=-judge["score"])  # a judge that disagrees with everyone
    table = rater_quality(SXS, pd.concat([grades, judge], ignore_index=True), SXS_RUBRIC)
    pd.testing.assert_frame_equal(table, rater_quality(SXS, grades, SXS_RUBRIC))


def test_empty_grades_give_an_empty_table() -> None:
    table = rater_quality("sxs", sxs_grades().iloc[:0], SXS_RUBRIC)
    assert table.empty and list(table.columns) == rater_columns(SXS)


def test_exclude_raters_by_table_or_ids() -> None:
    grades = sxs_grades("bad", gold_correct=False)
    table = rater_quality(SXS, grades, SXS_RUBRIC)
    kept = exclude_raters(grades, table)
    assert set(kept["rater_id"]) == set(CLEAN)
    assert len(kept) == len(grades) - (N_ITEMS + N_GOLD)
    assert set(exclude_raters(grades, ["r1", "bad"])["rater_id"]) == {"r2", "r3", "r4"}
    assert set(exclude_raters(grades, "r1")["rater_id"]) == {"r2", "r3", "r4", "bad"}


def test_thresholds_are_parameters() -> None:
    grades = sxs_grades("bad", seconds=3.0)
    assert flagged(rater_quality(SXS, grades, SXS_RUBRIC, fast_ratio=0.01)) == {}
    assert flagged(rater_quality(SXS, grades, SXS_RUBRIC, min_items=1000)) == {}
    seconds = rater_quality(SXS, grades, SXS_RUBRIC).set_index("rater_id")["median_seconds"]
    assert seconds["bad"] == 3.0 and (seconds.drop("bad") > 30).all()


def test_summarization_a_lenient_rater_is_flagged_for_bias() -> None:
    kind, rubric = get_kind("summarization"), load_rubric("summarization")
    ids = [d.id for d in rubric.dimensions]
    rows = [
        {
            "item_id": f"i{i}", "prompt_id": f"p{i}", "rater_id": r, "grader": "human",
            "is_gold": False, "model": "m",
            "dimensions": dict.fromkeys(ids, "good" if i % 2 or r == "bad" else "poor"),
        }
        for i in range(20)
        for r in (*CLEAN, "bad")
    ]  # fmt: skip
    table = rater_quality(kind, normalize(pd.DataFrame(rows), kind), rubric)
    reasons = flagged(table)
    assert list(reasons) == ["bad"]
    assert "overall class bias +0.50" in reasons["bad"]
