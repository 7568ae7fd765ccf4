"""The app's logic without Streamlit: blinding, answers -> grades, admin tables, exports, launch."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pandas as pd
import pytest

from evalkit import app_support as support
from evalkit.app_support import AnswerError, Extras
from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.records import Grade
from evalkit.store import GradeStore
from tests.fixtures.browser import MODEL_NAMES, make_item, seed_store

RUBRICS = support.load_rubrics()
DIMS = [d.id for d in RUBRICS.summarization.dimensions]


def test_rater_view_has_no_field_for_models_scores_or_gold() -> None:
    item = make_item("sxs", 1, gold=True)
    view = support.blind(item)
    fields = {f.name for f in dataclasses.fields(view)}
    assert fields == {
        "item_id", "kind", "category", "prompt_text", "left_text", "right_text",
        "response_text", "source_text",
    }  # fmt: skip
    assert not any(name in repr(view) for name in MODEL_NAMES)
    assert view.key == support.widget_key(item.id) and item.id not in view.key


def test_progress_text() -> None:
    assert support.progress_text(2, 5) == (0.4, "Progress: 2 / 5 done")
    assert support.progress_text(0, 0) == (0.0, "Progress: 0 / 0 done")


def test_sxs_grade_rules() -> None:
    view = support.blind(make_item("sxs", 1))
    grade = support.sxs_grade(view, "alice", RUBRICS.sxs, 2, Extras(comment=" ok ", seconds=3.456))
    assert (grade.choice, grade.comment, grade.seconds, grade.grader) == (2, "ok", 3.46, "human")
    with pytest.raises(AnswerError, match="Choose a point"):
        support.sxs_grade(view, "alice", RUBRICS.sxs, None, Extras())
    with pytest.raises(AnswerError, match="not on the scale"):
        support.sxs_grade(view, "alice", RUBRICS.sxs, 7, Extras())
    skipped = support.sxs_grade(view, "alice", RUBRICS.sxs, 1, Extras(skipped=True))
    assert skipped.skipped and skipped.choice is None
    bare_flag = support.sxs_grade(view, "alice", RUBRICS.sxs, None, Extras(flagged=True))
    assert bare_flag.flagged and bare_flag.choice is None


def test_summarization_grade_needs_every_rubric_dimension() -> None:
    view = support.blind(make_item("summarization", 1))
    ratings: dict[str, str | None] = dict.fromkeys(DIMS, "good")
    grade = support.summarization_grade(view, "a", RUBRICS.summarization, ratings, Extras())
    assert grade.dimensions == dict.fromkeys(DIMS, "good")
    ratings[DIMS[2]] = None
    name = RUBRICS.summarization.dimensions[2].name
    with pytest.raises(AnswerError, match=f"missing: {name}"):
        support.summarization_grade(view, "a", RUBRICS.summarization, ratings, Extras())


def test_safety_grade_rules() -> None:
    view = support.blind(make_item("safety", 1))
    rubric = RUBRICS.safety
    category = rubric.categories()[0]
    grade = support.safety_grade(view, "a", rubric, True, category, Extras())
    assert (grade.violation, grade.violation_category, grade.refused) == (True, category, None)
    no = support.safety_grade(view, "a", rubric, False, category, Extras(), refused=True)
    assert (no.violation, no.violation_category, no.refused) == (False, None, True)
    with pytest.raises(AnswerError, match="category of the violation"):
        support.safety_grade(view, "a", rubric, True, None, Extras())
    with pytest.raises(AnswerError, match="not a category"):
        support.safety_grade(view, "a", rubric, True, "made/up", Extras())
    with pytest.raises(AnswerError, match="violation"):
        support.safety_grade(view, "a", rubric, None, None, Extras())
    area, sub = rubric.areas[0], rubric.areas[0].subcategories[0]
    label = support.safety_category_label(rubric, f"{area.id}/{sub.id}")
    assert label == f"{area.name} — {sub.name}"


def _graded_store(tmp_path: Path) -> GradeStore:
    seeded = seed_store(
        tmp_path / "g.sqlite", queue=("sxs", "sxs", "summarization", "safety"), gold_at=(1,)
    )
    sxs, gold, summary, safety = seeded.items
    store = GradeStore(seeded.url)
    good = dict.fromkeys(DIMS, "good")
    for rater, choice, dims in (("alice", 1, good), ("bob", 2, {**good, DIMS[0]: "poor"})):
        store.save_grade(Grade(item_id=sxs.id, rater_id=rater, choice=choice, seconds=4.0))
        store.save_grade(Grade(item_id=gold.id, rater_id=rater, choice=-choice))
        store.save_grade(Grade(item_id=summary.id, rater_id=rater, dimensions=dims))
    store.save_grade(Grade(item_id=safety.id, rater_id="alice", skipped=True, comment="unsure"))
    store.save_grade(Grade(item_id=sxs.id, rater_id="judge:x", grader="auto", choice=-2))
    return store


def test_admin_tables(tmp_path: Path) -> None:
    with _graded_store(tmp_path) as store:
        data = support.admin_data(store)
    progress = support.progress_table(data.raters, data.items, data.assignments, data.grades)
    alice = progress[progress["rater"] == "alice"].set_index("kind")
    assert alice[["done", "assigned"]].to_dict("index") == {
        "sxs": {"done": 2, "assigned": 2},
        "summarization": {"done": 1, "assigned": 1},
        "safety": {"done": 1, "assigned": 1},
    }
    assert alice.loc["safety", "skipped"] == 1 and alice.loc["sxs", "median_seconds"] == 4.0
    assert set(progress["rater"]) == {"alice", "bob"}  # root and tina have no assignments

    agreement = support.agreement_table(data.items, data.grades, DIMS).set_index("measure")
    # two human pairs on sxs: (1, 2) on the plain item and (-1, -2) on the gold item
    assert agreement.loc["exact scale point", ["k", "n", "items"]].tolist() == [0, 2, 2]
    assert agreement.loc["direction (A / tie / B)", ["k", "n"]].tolist() == [2, 2]
    assert agreement.loc[DIMS[0], ["k", "n"]].tolist() == [0, 1]
    assert agreement.loc[DIMS[1], "agreement"].startswith("100.0% [")
    assert "violation yes / no" not in agreement.index  # one answer (the other skipped)

    gold = support.gold_accuracy_table(data.raters, data.items, data.grades).set_index("rater")
    # the better side of the gold item is left (correct: -2, -1): alice -1 passes, bob -2 passes
    assert gold.loc["alice", "k"] == 1 and gold.loc["bob", "n"] == 1
    assert gold.loc["alice", "gold_accuracy"].startswith("100.0% [")


def test_alpha_summary_uses_the_statistics(tmp_path: Path) -> None:
    with _graded_store(tmp_path) as store:
        table = support.alpha_summary(store, RUBRICS.summarization, resamples=20)
    assert set(table["kind"]) == {"sxs", "summarization"}  # safety: only a skip
    sxs = table[table["kind"] == "sxs"].iloc[0]
    assert sxs["n_items"] == 1  # gold excluded
    assert sxs["alpha (95% CI)"].startswith("n/a")

    seeded = seed_store(tmp_path / "alpha.sqlite", queue=("sxs",) * 4)
    with GradeStore(seeded.url) as store:
        for item, choice in zip(seeded.items, (-2, -1, 1, 2), strict=True):
            for rater in ("alice", "bob"):
                store.save_grade(Grade(item_id=item.id, rater_id=rater, choice=choice))
        table = support.alpha_summary(store, RUBRICS.summarization, resamples=20)
    (row,) = table.to_dict("records")
    assert row["alpha"] == pytest.approx(1.0) and row["alpha (95% CI)"].startswith("1.00 [")


def test_exports_round_trip_csv_and_parquet(tmp_path: Path) -> None:
    with _graded_store(tmp_path) as store:
        data = support.admin_data(store)
    frame = support.grades_table(data.items, data.grades, DIMS)
    assert len(frame) == len(data.grades) == 8
    assert list(frame.columns) == [*support.GRADE_COLUMNS, *DIMS]
    back = pd.read_parquet(io.BytesIO(support.to_parquet_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame)
    csv = pd.read_csv(io.BytesIO(support.to_csv_bytes(frame)))
    assert len(csv) == 8 and set(csv["rater_id"]) == {"alice", "bob", "judge:x"}
    skipped = frame[frame["skipped"]]
    assert skipped["comment"].tolist() == ["unsure"] and skipped["choice"].isna().all()
    summary = frame[frame["kind"] == "summarization"].set_index("rater_id")
    assert summary.loc["bob", DIMS[0]] == "poor"
    assert set(frame["model_left"].dropna()) <= {*MODEL_NAMES, "gold:reference", "gold:irrelevant"}


def test_open_app_store_and_serve_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    monkeypatch.delenv("EVALKIT_RUN_DIR", raising=False)
    with pytest.raises(UserError, match="no grade store"):
        support.open_app_store()
    with pytest.raises(UserError, match="run folder not found"):
        support.open_app_store(run_dir=str(tmp_path / "missing"))
    run = tmp_path / "run"
    run.mkdir()
    with support.open_app_store(run_dir=str(run)) as store:
        assert store.display_url.endswith("run/grades.sqlite")
    assert run_cli(["app"]) == 2
    assert run_cli(["app", "--db", str(tmp_path / "x.sqlite"), "--port", "0"]) == 2
    assert run_cli(["app", str(run), "--rubrics", str(tmp_path / "nope")]) == 2


def test_streamlit_command_is_headless_without_usage_stats() -> None:
    cmd = support.streamlit_command(8601, "127.0.0.1")
    joined = " ".join(cmd)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app/rater_app.py")
    for flag in (
        "--server.headless true",
        "--browser.gatherUsageStats false",
        "--server.port 8601",
        "--server.address 127.0.0.1",
    ):
        assert flag in joined
