"""Agreement: Krippendorff's alpha against the krippendorff package and Krippendorff's own
worked example, Cohen's kappa against scikit-learn, gold accuracy and judge-vs-human."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from evalkit.kinds import get_kind
from evalkit.kinds.base import Measure
from evalkit.rubrics import load_rubric
from evalkit.stats.agreement import (
    alpha,
    alpha_table,
    gold_accuracy,
    judge_agreement,
    kappa,
    pairwise_kappa,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers x 12 units
# example with missing values; published: nominal 0.743, ordinal 0.815, interval 0.849
NAN = np.nan
KRIPPENDORFF_EXAMPLE = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


def long_format(matrix: np.ndarray) -> pd.DataFrame:
    rows = [
        {"item_id": f"u{u}", "rater_id": f"r{r}", "value": int(matrix[r, u])}
        for r in range(matrix.shape[0])
        for u in range(matrix.shape[1])
        if not np.isnan(matrix[r, u])
    ]
    return pd.DataFrame(rows).assign(grader="human")


SXS = get_kind("sxs")
SXS_RUBRIC = load_rubric("side_by_side")


@pytest.mark.parametrize(
    "level,published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_matches_the_package_and_the_published_example(level: str, published: float) -> None:
    measure = Measure("example", level, (1, 2, 3, 4, 5))  # type: ignore[arg-type]
    stats = alpha(long_format(KRIPPENDORFF_EXAMPLE), measure, resamples=0)
    reference = krippendorff.alpha(
        reliability_data=KRIPPENDORFF_EXAMPLE,
        level_of_measurement=level,
        value_domain=[1, 2, 3, 4, 5],
    )
    assert stats["alpha"] == pytest.approx(reference, abs=1e-12)
    assert stats["alpha"] == pytest.approx(published, abs=5e-4)
    assert stats["n_items"] == 11  # the unit with a single value is not pairable
    assert stats["n_raters"] == 4


def test_alpha_has_a_bootstrap_interval_and_a_table_per_kind() -> None:
    rng = np.random.default_rng(0)
    truth = rng.choice([-2, -1, 0, 1, 2], size=150)
    rows = []
    for i, t in enumerate(truth):
        for rater in ("a", "b", "c"):
            score = int(np.clip(t + rng.choice([-1, 0, 0, 0, 1]), -2, 2))
            rows.append((f"i{i}", f"p{i}", "coding", rater, "cand", "base", score))
    sxs = pd.DataFrame(
        rows,
        columns=["item_id", "prompt_id", "category", "rater_id", "model_a", "model_b", "score"],
    )
    sxs = sxs.assign(grader="human", is_gold=False)
    table = alpha_table(SXS, sxs, SXS_RUBRIC, resamples=200, seed=1)
    row = table.set_index("measure").loc["preference scale"]
    assert row["kind"] == "sxs" and row["level"] == "ordinal"
    assert 0.5 < row["alpha"] < 1.0
    assert row["low"] < row["alpha"] < row["high"]
    assert row["n_items"] == 150 and row["n_raters"] == 3


def test_kappa_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    first = rng.choice([-1, 0, 1], size=200)
    second = np.where(rng.random(200) < 0.7, first, rng.choice([-1, 0, 1], size=200))
    stats = kappa(pd.Series(first), pd.Series(second), [-1, 0, 1])
    assert stats["kappa"] == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)
    assert stats["low"] < stats["kappa"] < stats["high"]
    assert stats["agreement"] == pytest.approx((first == second).mean())


def test_pairwise_kappa_uses_the_direction_of_each_grade() -> None:
    rows = []
    for i in range(30):
        a = [2, 0, -1][i % 3]
        b = [1, 0, -2][i % 3] if i < 27 else 0  # same direction except the last three
        rows += [
            (f"i{i}", f"p{i}", "x", "alice", "cand", "base", a),
            (f"i{i}", f"p{i}", "x", "bob", "cand", "base", b),
        ]
    frame = pd.DataFrame(
        rows,
        columns=["item_id", "prompt_id", "category", "rater_id", "model_a", "model_b", "score"],
    )
    frame = frame.assign(grader="human", is_gold=False)
    table = pairwise_kappa(SXS, frame, SXS_RUBRIC, min_shared=10)
    assert len(table) == 1
    row = table.iloc[0]
    labels_a = np.sign([[2, 0, -1][i % 3] for i in range(30)])
    labels_b = np.sign([[1, 0, -2][i % 3] if i < 27 else 0 for i in range(30)])
    assert row["kappa"] == pytest.approx(cohen_kappa_score(labels_a, labels_b))
    assert row["n_shared"] == 30
    assert pairwise_kappa(SXS, frame, SXS_RUBRIC, min_shared=31).empty


def test_gold_accuracy_and_judge_agreement() -> None:
    rows = [
        # gold items: the kind's gold rule has already marked each grade right or wrong
        ("g1", "gp1", "alice", "human", 1, True, True),
        ("g1", "gp1", "bob", "human", -1, True, False),
        ("g2", "gp2", "alice", "human", 2, True, True),
        ("g2", "gp2", "bob", "human", 0, True, False),
        # shared items, humans and a judge
        ("i1", "p1", "alice", "human", 2, False, None),
        ("i1", "p1", "bob", "human", 1, False, None),
        ("i1", "p1", "judge:m", "auto", 1, False, None),
        ("i2", "p2", "alice", "human", -1, False, None),
        ("i2", "p2", "judge:m", "auto", 1, False, None),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["item_id", "prompt_id", "rater_id", "grader", "score", "is_gold", "gold_correct"],
    )
    frame = frame.assign(category="x", model_a="cand", model_b="base")
    gold = gold_accuracy(SXS, frame).set_index("rater_id")
    assert gold.loc["alice", "k"] == 2 and gold.loc["alice", "n"] == 2
    assert gold.loc["bob", "k"] == 0 and gold.loc["bob", "n"] == 2
    assert "judge:m" not in gold.index  # gold accuracy is for human raters
    judges = judge_agreement(SXS, frame, SXS_RUBRIC)
    assert list(judges["judge"]) == ["judge:m"]
    assert judges.iloc[0]["k"] == 1 and judges.iloc[0]["n"] == 2
