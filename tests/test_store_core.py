"""The grade store's rules, on SQLite and on a real PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

import evalkit.store as store_module
from evalkit.errors import UserError
from evalkit.records import Grade
from evalkit.store import (
    SCHEMA_VERSION,
    GradeStore,
    grades_table,
    meta_table,
    normalize_url,
    raters_table,
    safe_url,
)
from tests import store_support
from tests.store_support import safety_item, summarization_item, sxs_item

store = store_support.store  # the fixture: SQLite and PostgreSQL

MODEL_NAMES = ("cand", "base", "secret-model-x", "secret-model-y", "gold:irrelevant")


def _setup(store: GradeStore, n: int = 3, raters: tuple[str, ...] = ("alice",)) -> None:
    for name in raters:
        store.add_rater(name)
    store.add_items([sxs_item(i) for i in range(n)])
    for name in raters:
        store.assign_many([(f"sxs-{i:04d}", name) for i in range(n)])


# ---------------------------------------------------------------------------- grades


def test_revision_keeps_history_and_one_current(store: GradeStore) -> None:
    _setup(store)
    first = store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=-2))
    second = store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=1))
    third = store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=0, comment="tie"))
    assert [first.revision, second.revision, third.revision] == [1, 2, 3]
    history = store.grade_history(item_id="sxs-0000")
    assert [g.choice for g in history] == [-2, 1, 0]
    current = store.current_grades()
    assert len(current) == 1 and current[0].choice == 0 and current[0].revision == 3
    with store.engine.connect() as conn:
        flags = conn.execute(select(grades_table.c.is_current).order_by(grades_table.c.id)).all()
    assert [bool(f[0]) for f in flags] == [False, False, True]


def test_identical_resubmission_is_not_a_new_revision(store: GradeStore) -> None:
    _setup(store)
    a = store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=2, seconds=3.0))
    b = store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=2, seconds=4.5))
    assert a.revision == b.revision == 1
    assert len(store.grade_history()) == 1


def test_unique_constraint_forbids_two_current_grades(store: GradeStore) -> None:
    _setup(store)
    store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=1))
    row = {
        "item_id": "sxs-0000",
        "rater_id": "alice",
        "grader": "human",
        "revision": 7,
        "is_current": True,
        "choice": -1,
        "skipped": False,
        "flagged": False,
        "created_at": "2025-01-01T00:00:00",
    }
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(grades_table).values(**row))
    # a non-current row (history) is allowed; a duplicate revision number is not
    with store.engine.begin() as conn:
        conn.execute(insert(grades_table).values(**(row | {"is_current": False})))
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(grades_table).values(**(row | {"is_current": False})))


def test_failed_write_rolls_back_the_whole_revision(
    store: GradeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the insert of a revision fails after the old row was flipped."""
    _setup(store)
    store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=-1))

    def broken(grade: Grade) -> dict:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store_module, "_grade_row", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=2))
    current = store.current_grades()
    assert [(g.choice, g.revision) for g in current] == [(-1, 1)]
    assert len(store.grade_history()) == 1


def test_grade_checks(store: GradeStore) -> None:
    _setup(store, raters=("alice", "bob"))
    store.add_items([safety_item(0), summarization_item(0)])
    store.add_rater("carol")
    with pytest.raises(UserError, match="unknown item"):
        store.save_grade(Grade(item_id="nope", rater_id="alice", choice=1))
    with pytest.raises(UserError, match="needs a choice"):
        store.save_grade(Grade(item_id="sxs-0000", rater_id="alice"))
    with pytest.raises(UserError, match="not assigned"):
        store.save_grade(Grade(item_id="sxs-0000", rater_id="carol", choice=1))
    store.set_active("bob", False)
    with pytest.raises(UserError, match="not active"):
        store.save_grade(Grade(item_id="sxs-0000", rater_id="bob", choice=1))
    # automatic graders are not registered raters and need no assignment
    auto = Grade(item_id="saf-0000", rater_id="auto:refusal", grader="auto", violation=False)
    store.save_grade(auto)
    with pytest.raises(UserError, match="violation"):
        store.save_grade(Grade(item_id="saf-0000", rater_id="judge:m", grader="auto"))
    with pytest.raises(UserError, match="dimensions missing"):
        partial = {"composition": "good"}
        store.save_grade(
            Grade(item_id="sum-0000", rater_id="judge:m", grader="auto", dimensions=partial)
        )
    # a skip or a bare flag needs no answer
    store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", skipped=True))
    store.save_grade(Grade(item_id="sxs-0002", rater_id="alice", flagged=True, comment="garbled"))
    assert store.progress("alice") == (2, 3)


# ---------------------------------------------------------------------------- rater queue


def test_next_item_follows_assignment_order_and_skips_done(store: GradeStore) -> None:
    store.add_rater("alice")
    store.add_rater("bob")
    store.add_items([sxs_item(i) for i in range(4)])
    store.assign_many([("sxs-0002", "alice"), ("sxs-0000", "alice"), ("sxs-0003", "alice")])
    store.assign("sxs-0001", ["alice", "bob"])
    store.assign("sxs-0002", ["alice"])  # already assigned: stays where it is
    assert [i for i, _ in store.rater_queue("alice")] == [
        "sxs-0002",
        "sxs-0000",
        "sxs-0003",
        "sxs-0001",
    ]
    assert store.next_item("alice").id == "sxs-0002"
    store.save_grade(Grade(item_id="sxs-0002", rater_id="alice", skipped=True))
    assert store.next_item("alice").id == "sxs-0000"
    store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", flagged=True))
    assert store.next_item("alice").id == "sxs-0003"
    store.save_grade(Grade(item_id="sxs-0003", rater_id="alice", choice=0))
    # bob's grade of a shared item does not take it out of alice's queue
    store.save_grade(Grade(item_id="sxs-0001", rater_id="bob", choice=2))
    assert store.next_item("alice").id == "sxs-0001"
    store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=-2))
    assert store.next_item("alice") is None
    assert store.progress("alice") == (4, 4)
    assert store.progress("bob") == (1, 1)
    assert store.next_item("nobody") is None
    status = store.status().set_index("rater_id")
    assert status.loc["alice"].to_dict() == {"assigned": 4, "done": 4, "skipped": 1, "flagged": 1}


def test_rater_facing_calls_never_return_model_names(store: GradeStore) -> None:
    from evalkit.assignment import GOLD_WORSE

    store.add_rater("alice")
    gold = sxs_item(9, left="gold:reference", right=GOLD_WORSE, model_a="gold:reference")
    gold = gold.model_copy(
        update={"is_gold": True, "gold_answer": {"better": "left", "correct": [-2, -1]}}
    )
    items = [sxs_item(0), sxs_item(1, left="base", right="cand"), gold]
    items += [safety_item(0), summarization_item(0)]
    store.add_items(items)
    store.assign_many([(item.id, "alice") for item in items])
    seen = []
    while (item := store.next_item("alice")) is not None:
        seen.append(item)
        seen.append(store.rater_item("alice", item.id))
        answer = {"sxs": {"choice": 1}, "safety": {"violation": False}}.get(item.kind) or {
            "dimensions": dict.fromkeys(store_module.SUMMARY_DIMENSIONS, "good")
        }
        store.save_grade(Grade(item_id=item.id, rater_id="alice", **answer))
    assert len(seen) == 2 * len(items)
    for item in seen:
        dumped = item.model_dump_json()
        assert not any(name in dumped for name in MODEL_NAMES), dumped
        assert item.model_left is item.model_right is item.model is None
        assert item.gold_answer is None and item.side_seed is None and not item.is_gold
        assert "model_a" not in item.metadata
    for grade in store.rater_grades("alice"):
        assert not any(name in grade.model_dump_json() for name in MODEL_NAMES)
    # a rater cannot open an item that is not theirs; the admin view is complete
    store.add_rater("bob")
    assert store.rater_item("bob", "sxs-0000") is None
    assert store.rater_grades("bob") == []
    assert store.item("sxs-0000").model_left == "cand"
    assert store.rater_grade("alice", "sxs-0000").choice == 1


def test_add_items_is_idempotent_and_refuses_changed_content(store: GradeStore) -> None:
    assert store.add_items([sxs_item(0), sxs_item(1)]) == 2
    assert store.add_items([sxs_item(0), sxs_item(1), sxs_item(2)]) == 1
    changed = sxs_item(1).model_copy(update={"left_text": "other"})
    with pytest.raises(UserError, match="other content"):
        store.add_items([changed])
    assert [i.id for i in store.items()] == ["sxs-0000", "sxs-0001", "sxs-0002"]
    assert store.items()[1] == sxs_item(1)  # every field round-trips
    with pytest.raises(UserError, match="unknown item"):
        store.assign("missing", ["alice"])


# ---------------------------------------------------------------------------- raters


def test_passwords_are_argon2_and_tokens_hashed(store: GradeStore) -> None:
    assert store.add_rater("boss", "admin", password="correct horse") is None
    token = store.add_rater("alice")
    assert token and len(token) >= 32
    with store.engine.connect() as conn:
        rows = {r.name: r for r in conn.execute(select(raters_table))}
    assert rows["boss"].password_hash.startswith("$argon2id$")
    dump = repr([tuple(r) for r in rows.values()])
    assert "correct horse" not in dump and token not in dump
    boss = store.authenticate("boss", "correct horse")
    assert boss is not None and boss.role == "admin" and boss.has_password
    assert store.authenticate("boss", "correct horsE") is None
    assert store.authenticate("alice", token).id == "alice"
    assert store.authenticate("alice", token[:-1]) is None
    assert store.authenticate("nobody", token) is None
    with pytest.raises(UserError, match="already exists"):
        store.add_rater("alice")
    with pytest.raises(UserError, match="role"):
        store.add_rater("dave", "superuser")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="8 characters"):
        store.add_rater("erin", password="short")
    with pytest.raises(UserError, match="reserved"):
        store.add_rater("auto:me")
    new_token = store.set_secret("alice")
    assert store.authenticate("alice", token) is None
    assert store.authenticate("alice", new_token).name == "alice"
    store.set_active("alice", False)
    assert store.authenticate("alice", new_token) is None
    assert [r.name for r in store.raters()] == ["alice", "boss"]
    assert [r.name for r in store.raters(active_only=True)] == ["boss"]


# ---------------------------------------------------------------------------- schema and URLs


def test_schema_version_mismatch_is_a_clear_error(store: GradeStore) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    url = store.url.render_as_string(hide_password=False)
    with store.engine.begin() as conn:
        conn.execute(
            update(meta_table).where(meta_table.c.key == "schema_version").values(value="999")
        )
    with pytest.raises(UserError, match="schema version 999.*expects 1") as info:
        GradeStore(url)
    if store.url.password:
        assert store.url.password not in str(info.value)
    # reopening a store of the right version keeps its data
    with store.engine.begin() as conn:
        conn.execute(
            update(meta_table)
            .where(meta_table.c.key == "schema_version")
            .values(value=str(SCHEMA_VERSION))
        )
    store.add_rater("alice")
    with GradeStore(url) as again:
        assert [r.name for r in again.raters()] == ["alice"]


def test_urls_hide_passwords(tmp_path) -> None:
    url = normalize_url("postgresql://me:s3cret@db.example:5432/evalkit")
    assert url.drivername == "postgresql+psycopg"
    assert "s3cret" not in safe_url(url)
    assert safe_url("postgresql://me:s3cret@host/db") == "postgresql://me:***@host/db"
    path_url = normalize_url(tmp_path / "sub" / "g.sqlite")
    assert path_url.database == str(tmp_path / "sub" / "g.sqlite")
    assert (tmp_path / "sub").is_dir()
    with pytest.raises(UserError, match="give a SQLite file"):
        normalize_url("sqlite://")
    with pytest.raises(UserError, match="unsupported database"):
        normalize_url("mysql://me:s3cret@host/db")
    with pytest.raises(UserError) as info:
        GradeStore("postgresql+psycopg://me:s3cret@127.0.0.1:1/evalkit")
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:
    with GradeStore(tmp_path / "g.sqlite") as s, s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


# ---------------------------------------------------------------------------- frames


def test_sxs_frame_maps_display_choice_to_model_terms(store: GradeStore) -> None:
    store.add_rater("alice")
    store.add_rater("bob")
    left = sxs_item(0, left="cand", right="base", model_a="cand")
    right = sxs_item(1, left="base", right="cand", model_a="cand")
    store.add_items([left, right, sxs_item(2)])
    ids = ("sxs-0000", "sxs-0001", "sxs-0002")
    store.assign_many([(i, r) for i in ids for r in ("alice", "bob")])
    # alice: "A (left) much better" on both. Left item: cand is left -> +2; right item: -2
    store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=-2))
    store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=-2))
    # bob: first says B slightly better on the right-item, then revises to a tie
    store.save_grade(Grade(item_id="sxs-0001", rater_id="bob", choice=1))
    store.save_grade(Grade(item_id="sxs-0001", rater_id="bob", choice=0))
    store.save_grade(Grade(item_id="sxs-0000", rater_id="bob", skipped=True))
    store.save_grade(Grade(item_id="sxs-0002", rater_id="judge:m", grader="auto", choice=1))
    frame = store.sxs_frame()
    assert list(frame.columns[:7]) == [
        "item_id",
        "prompt_id",
        "category",
        "rater_id",
        "model_a",
        "model_b",
        "score",
    ]
    got = {(r.item_id, r.rater_id): (r.model_a, r.model_b, r.score) for r in frame.itertuples()}
    assert got == {
        ("sxs-0000", "alice"): ("cand", "base", 2),
        ("sxs-0001", "alice"): ("cand", "base", -2),
        ("sxs-0001", "bob"): ("cand", "base", 0),
        ("sxs-0002", "judge:m"): ("cand", "base", -1),
    }
    assert set(store.sxs_frame(include_auto=False)["grader"]) == {"human"}


def test_safety_and_summarization_frames(store: GradeStore) -> None:
    store.add_rater("alice")
    store.add_items([safety_item(0), safety_item(1), summarization_item(0)])
    store.assign_many([("saf-0000", "alice"), ("saf-0001", "alice"), ("sum-0000", "alice")])
    category = "harmful_content/weapons"
    store.save_grade(
        Grade(item_id="saf-0000", rater_id="alice", violation=True, violation_category=category)
    )
    store.save_grade(Grade(item_id="saf-0001", rater_id="alice", skipped=True))
    store.save_grade(
        Grade(
            item_id="saf-0000",
            rater_id="auto:refusal",
            grader="auto",
            violation=False,
            refused=True,
        )
    )
    dims = dict.fromkeys(store_module.SUMMARY_DIMENSIONS, "good") | {"groundedness": "poor"}
    store.save_grade(Grade(item_id="sum-0000", rater_id="alice", dimensions=dims))
    safety = store.safety_frame()
    assert list(safety.columns) == store_module.SAFETY_COLUMNS
    safety = safety.set_index("rater_id")
    assert len(safety) == 2  # the skip is not a grade
    assert bool(safety.loc["alice", "violation"]) is True
    assert safety.loc["alice", "area"] == "harmful_content"
    assert safety.loc["alice", "expected"] == "refuse"
    assert safety.loc["alice", "model"] == "secret-model-x"
    assert safety["refused"].isna().loc["alice"]
    assert bool(safety.loc["auto:refusal", "refused"]) is True
    summary = store.summarization_frame()
    assert list(summary.columns) == store_module.SUMMARIZATION_COLUMNS
    row = summary.iloc[0]
    assert (row.use_case, row.groundedness, row.composition) == ("email", "poor", "good")


def test_frames_are_empty_but_typed_without_grades(store: GradeStore) -> None:
    assert list(store.sxs_frame().columns[:7]) == store_module.SXS_COLUMNS
    assert store.safety_frame().empty and store.summarization_frame().empty
    assert store.current_grades() == [] and store.assignments().empty


def test_meta_records_the_schema(store: GradeStore) -> None:
    with store.engine.connect() as conn:
        keys = dict(conn.execute(select(meta_table.c.key, meta_table.c.value)).all())
    assert keys["schema_version"] == str(SCHEMA_VERSION) and "created_at" in keys


def test_lock_timeouts_are_retried_and_other_errors_are_not(
    store: GradeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: a transient "database is locked" is retried; the grade lands once."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    _setup(store)
    real_check = store_module._check_payload
    failures = {"left": 2}

    def flaky(grade: Grade, kind: str) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        real_check(grade, kind)

    monkeypatch.setattr(store_module, "_check_payload", flaky)
    stored = store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=2))
    assert failures["left"] == 0 and stored.revision == 1
    assert len(store.grade_history()) == 1

    def broken(grade: Grade, kind: str) -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(store_module, "_check_payload", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=2))
    assert len(store.grade_history()) == 1
