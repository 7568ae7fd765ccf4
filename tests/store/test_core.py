"""The grade store's rules, on SQLite and on a real PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

import evalkit.store as store_module
import evalkit.store.credentials as credentials_module
import evalkit.store.grades as grades_module
import evalkit.store.login as login_module
from evalkit.errors import UserError
from evalkit.kinds import get_kind
from evalkit.records import Grade
from evalkit.rubrics import load_rubric
from evalkit.stats.frames import columns
from evalkit.store import (
    SCHEMA_VERSION,
    GradeStore,
    grades_table,
    meta_table,
    normalize_url,
    raters_table,
    safe_url,
)
from tests.fixtures import store as store_fixture
from tests.fixtures.builders import safety_item, summarization_item, sxs_item

store = store_fixture.store  # the fixture: SQLite and PostgreSQL

DIMENSIONS = [d.id for d in load_rubric("summarization").dimensions]  # type: ignore[union-attr]
# the model names the builders' items carry: none may reach a rater
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

    monkeypatch.setattr(grades_module, "_grade_row", broken)
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
    # the store checks a grade's shape (the rubric itself is checked where grades are made)
    with pytest.raises(UserError, match="rates every dimension"):
        store.save_grade(
            Grade(
                item_id="sum-0000", rater_id="judge:m", grader="auto", dimensions={"x": "good"}
            ).model_copy(update={"dimensions": {}})
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
    from evalkit.kinds.sxs import GOLD_WORSE

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
            "dimensions": dict.fromkeys(DIMENSIONS, "good")
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
    store.clock = lambda: time.time() + 60  # past the delay the two failures above asked
    assert store.authenticate("alice", token) is None
    store.clock = lambda: time.time() + 120
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
    with pytest.raises(UserError, match=f"schema version 999.*expects {SCHEMA_VERSION}") as info:
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
    frame = store.grade_frame("sxs")
    for column in ("item_id", "prompt_id", "rater_id", "grader", "category", "model_a", "score"):
        assert column in frame.columns
    got = {(r.item_id, r.rater_id): (r.model_a, r.model_b, r.score) for r in frame.itertuples()}
    assert got == {
        ("sxs-0000", "alice"): ("cand", "base", 2),
        ("sxs-0001", "alice"): ("cand", "base", -2),
        ("sxs-0001", "bob"): ("cand", "base", 0),
        ("sxs-0002", "judge:m"): ("cand", "base", -1),
    }
    assert set(store.grade_frame("sxs", include_auto=False)["grader"]) == {"human"}
    assert frame.set_index(["item_id", "rater_id"]).loc[("sxs-0000", "alice"), "a_on_left"]


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
    dims = dict.fromkeys(DIMENSIONS, "good") | {"groundedness": "poor"}
    store.save_grade(Grade(item_id="sum-0000", rater_id="alice", dimensions=dims))
    safety = store.grade_frame("safety")
    assert list(safety.columns) == columns(get_kind("safety"))
    safety = safety.set_index("rater_id")
    assert len(safety) == 2  # the skip is not a grade
    assert bool(safety.loc["alice", "violation"]) is True
    assert safety.loc["alice", "area"] == "harmful_content"
    assert safety.loc["alice", "expected"] == "refuse"
    assert safety.loc["alice", "model"] == "secret-model-x"
    assert safety["refused"].isna().loc["alice"]
    assert bool(safety.loc["auto:refusal", "refused"]) is True
    summary = store.grade_frame("summarization")
    assert list(summary.columns) == columns(get_kind("summarization"))
    row = summary.iloc[0]
    assert row.use_case == "email"
    assert (row.dimensions["groundedness"], row.dimensions["composition"]) == ("poor", "good")


def test_frames_are_empty_but_typed_without_grades(store: GradeStore) -> None:
    for kind in ("sxs", "safety", "summarization"):
        frame = store.grade_frame(kind)
        assert frame.empty and list(frame.columns) == columns(get_kind(kind))
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
    real_check = grades_module._check_payload
    failures = {"left": 2}

    def flaky(grade: Grade, kind: str) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        real_check(grade, kind)

    monkeypatch.setattr(grades_module, "_check_payload", flaky)
    stored = store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=2))
    assert failures["left"] == 0 and stored.revision == 1
    assert len(store.grade_history()) == 1

    def broken(grade: Grade, kind: str) -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(grades_module, "_check_payload", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=2))
    assert len(store.grade_history()) == 1


# ---------------------------------------------------------------------------- sign-in limits


class Clock:
    """A clock the test moves (the store's sign-in limits read `store.clock`)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the least work (the defaults take ~0.5 s a hash here): the limits' tests
    make dozens of failed sign-ins and count hashes, not their cost."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(credentials_module, "_hasher", PasswordHasher(1, 8, 1))
    monkeypatch.setattr(credentials_module, "_DUMMY", [])


def _count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = login_module._verify_password
    monkeypatch.setattr(
        login_module, "_verify_password", lambda *args: calls.append(1) or real(*args)
    )
    return calls


def test_failed_sign_ins_grow_a_delay_then_lock_the_name_without_hashing(
    store: GradeStore, monkeypatch: pytest.MonkeyPatch, fast_argon2: None
) -> None:
    store.add_rater("alice", password="alice-password")
    clock = store.clock = Clock()
    hashes = _count_hashes(monkeypatch)

    def attempt(secret: str = "wrong", client: str | None = None) -> store_module.SignIn:
        return store.sign_in("alice", secret, client)

    # failures 1..4: the next attempt must wait 0, 1, 2, 4 s; an attempt too early is refused
    # without a hash (and does not count)
    for wait in (0, 1, 2, 4):
        assert attempt().outcome == "failure"
        if wait:
            clock.now += wait - 0.5
            early = attempt("alice-password")
            assert (early.outcome, early.ok) == ("refused", False)
            assert "try again in 1 s" in early.message
            clock.now += 0.5
    assert len(hashes) == 4
    assert attempt().outcome == "failure"  # the 5th: the name is locked for 60 s
    for _ in range(20):  # an attacker hammering a locked name costs no argon2 hash
        refused = attempt("alice-password")
        assert refused.outcome == "refused" and refused.retry_after == 60
    assert len(hashes) == 5
    clock.now += 60  # the lock is over; five more failures lock it twice as long
    for _ in range(5):
        assert attempt().outcome == "failure"
        clock.now += 5
    assert attempt("alice-password").retry_after == pytest.approx(120 - 5, abs=1)
    clock.now += 120
    assert attempt("alice-password").ok  # a success forgets the failures and the locks
    assert attempt("wrong").outcome == "failure" and attempt("wrong").outcome == "failure"
    assert attempt("alice-password").outcome == "refused"  # 1 s after the 2nd failure
    # an unknown name is limited the same way (its existence is not revealed)
    for _ in range(2):
        assert store.sign_in("nobody", "x").outcome == "failure"
    assert store.sign_in("nobody", "x").outcome == "refused"
    # failures long ago are forgotten
    clock.now += 3600
    assert store.sign_in("nobody", "x").outcome == "failure"
    assert store.sign_in("nobody", "x").outcome == "failure"


def test_a_client_address_is_limited_across_names(
    store: GradeStore, monkeypatch: pytest.MonkeyPatch, fast_argon2: None
) -> None:
    store.add_rater("alice", password="alice-password")
    clock = store.clock = Clock()
    policy = store.login_policy
    # one address trying many names: free for client_free failures, then growing delays
    for n in range(policy.client_free):
        assert store.sign_in(f"name{n}", "x", "203.0.113.9").outcome == "failure"
    assert store.sign_in("name-x", "x", "203.0.113.9").outcome == "failure"
    assert store.sign_in("name-y", "x", "203.0.113.9").outcome == "refused"
    # another address (another rater in the office) is not held back
    assert store.sign_in("alice", "alice-password", "198.51.100.1").ok
    # the lock after client_lock_after failures (each after the delay the last one asked)
    for n in range(policy.client_lock_after - policy.client_free - 1):
        clock.now += policy.max_delay + 1
        assert store.sign_in(f"other{n}", "x", "203.0.113.9").outcome == "failure"
    refused = store.sign_in("alice", "alice-password", "203.0.113.9")
    assert refused.outcome == "refused" and refused.retry_after > policy.max_delay
    limits = store.login_limits().set_index("key")
    assert limits.loc["client:203.0.113.9", "locks"] == 1


def test_sign_ins_are_audited(store: GradeStore, fast_argon2: None) -> None:
    token = store.add_rater("alice")
    store.add_rater("boss", "admin", password="a long pass phrase")
    store.clock = Clock()
    assert store.sign_in("alice", token, "198.51.100.1").ok
    assert not store.sign_in("boss", "nope", "203.0.113.9").ok
    assert not store.sign_in("boss", "nope", "203.0.113.9").ok
    assert store.sign_in("boss", "nope", "203.0.113.9").outcome == "refused"
    store.set_active("alice", False)
    assert store.sign_in("alice", token).outcome == "inactive"
    log = store.auth_log()
    assert log["outcome"].tolist() == ["inactive", "refused", "failure", "failure", "success"]
    assert log["name"].tolist() == ["alice", "boss", "boss", "boss", "alice"]
    assert log["client"].tolist()[1:] == ["203.0.113.9"] * 3 + ["198.51.100.1"]
    assert log["detail"].tolist()[-1] == "token"
    dump = repr(log.to_dict())
    assert token not in dump and "nope" not in dump  # secrets are never logged
    assert len(store.auth_log(limit=2)) == 2


# ---------------------------------------------------------------------------- tokens, sessions


def test_tokens_expire_and_resets_end_sessions(store: GradeStore, fast_argon2: None) -> None:
    clock = store.clock = Clock()
    clock.now = time.time()
    token = store.add_rater("alice", token_days=1)
    store.add_items([sxs_item(0)])
    store.assign_many([("sxs-0000", "alice")])
    signed = store.sign_in("alice", token)
    assert signed.ok and signed.rater.secret_version == 1
    assert store.session_problem("alice", 1) is None
    grade = Grade(item_id="sxs-0000", rater_id="alice", choice=1)
    clock.now += 2 * 86400  # the token expired: sign-in and the open session both end
    expired = store.sign_in("alice", token)
    assert expired.outcome == "expired" and "expired on" in expired.message
    assert "reset-token" in expired.message
    assert "expired" in store.session_problem("alice", 1)
    with pytest.raises(store_module.SessionEnded, match="expired"):
        store.save_grade(grade, session_version=1)
    new = store.reset_token("alice", token_days=30)
    assert store.rater("alice").secret_version == 2
    assert "changed or reset" in store.session_problem("alice", 1)
    with pytest.raises(store_module.SessionEnded, match="changed or reset"):
        store.save_grade(grade, session_version=1)
    assert store.current_grades() == []
    assert store.sign_in("alice", token).outcome == "failure"  # the old token: refused
    clock.now += 10
    again = store.sign_in("alice", new)
    assert again.ok and again.rater.secret_version == 2
    assert store.save_grade(grade, session_version=2).revision == 1
    store.set_active("alice", False)
    assert "deactivated" in store.session_problem("alice", 2)
    store.set_active("alice", True)  # reactivating does not revive the old session
    assert store.session_problem("alice", 2) is not None
    assert store.session_problem("alice", 3) is None
    assert "no longer exists" in store.session_problem("ghost", 1)
    with pytest.raises(UserError, match="token lifetime"):
        store.add_rater("bob", token_days=0)
    with pytest.raises(UserError, match="no rater named"):
        store.reset_token("nobody")


def test_admin_passwords_need_strength() -> None:
    from evalkit.store import password_problem

    for weak in (
        "short",
        "Password2024!",
        "password123456",
        "Qwertyuiop123",
        "administrator1",
        "aaaaaaaaaaaaaaa",
        "abababababababab",
        "123456789012345",
        "zyxwvutsrqponm",
        "!!!!!!!!!!!!!!!!",
    ):
        assert password_problem(weak, "admin"), weak
    for strong in ("walnut orbit candle", "correct horse", "Tr0ub4dor&3-extended"):
        assert password_problem(strong, "admin") is None, strong
    assert password_problem("password", "rater") is None  # raters: 8 characters
    assert "8 characters" in password_problem("short", "rater")


# ---------------------------------------------------------------------------- schema migration


def test_a_schema_1_store_is_migrated(store: GradeStore) -> None:
    """Turn a fresh store into schema 1 (as evalkit 1 wrote it), reopen: migrated in place."""
    token = store.add_rater("alice")
    store.add_rater("boss", "admin", password="a long pass phrase")
    url = store.url.render_as_string(hide_password=False)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE login_limits"))
        conn.execute(text("DROP TABLE auth_log"))
        conn.execute(text("ALTER TABLE raters DROP COLUMN secret_version"))
        conn.execute(text("ALTER TABLE raters DROP COLUMN token_expires_at"))
        conn.execute(text("ALTER TABLE grades DROP COLUMN answers"))
        conn.execute(text("DELETE FROM meta WHERE key = 'store_id'"))
        conn.execute(
            update(meta_table).where(meta_table.c.key == "schema_version").values(value="1")
        )
    store.close()
    with GradeStore(url, create=False) as again:
        assert again.schema_version() == SCHEMA_VERSION == 3
        alice = again.rater("alice")
        assert alice.secret_version == 1 and alice.token_expires_at  # 90 days from now
        assert again.rater("boss").token_expires_at is None
        assert again.sign_in("alice", token).ok and again.sign_in("boss", "a long pass phrase").ok
        assert len(again.auth_log()) == 2 and again.store_id


def test_a_schema_2_store_is_migrated_and_keeps_its_grades(store: GradeStore) -> None:
    """Schema 2 had no `answers` column: reopened, the column is added, old grades read as
    before (answers None) and a grade with answers can be stored."""
    store.add_rater("alice")
    store.add_items([sxs_item(0), sxs_item(1)])
    store.assign_many([("sxs-0000", "alice"), ("sxs-0001", "alice")])
    store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=1))
    url = store.url.render_as_string(hide_password=False)
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE grades DROP COLUMN answers"))
        conn.execute(
            update(meta_table).where(meta_table.c.key == "schema_version").values(value="2")
        )
    store.close()
    with GradeStore(url, create=False) as again:
        assert again.schema_version() == 3
        (old,) = again.current_grades()
        assert old.choice == 1 and old.answers is None
        again.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=-1, comment="x"))
    with GradeStore(url, create=False) as third:  # migrated once: opens as schema 3
        assert third.schema_version() == 3 and len(third.current_grades()) == 2


# ---------------------------------------------------------------------------- durability


def test_a_deleted_sqlite_store_takes_no_more_writes(tmp_path) -> None:
    path = tmp_path / "grades.sqlite"
    store = GradeStore(path)
    store.add_rater("alice")
    store.add_items([sxs_item(0), sxs_item(1)])
    store.assign_many([("sxs-0000", "alice"), ("sxs-0001", "alice")])
    store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=1))
    store.verify()
    path.unlink()  # open connections would go on writing to the unlinked file
    with pytest.raises(store_module.StoreGone, match="deleted while in use"):
        store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=1))
    with pytest.raises(store_module.StoreGone, match="deleted"):
        store.verify()
    with pytest.raises(store_module.StoreGone):  # no later write either
        store.add_rater("bob")
    store.engine.dispose()  # new connections never create a file at the path
    with pytest.raises(store_module.StoreGone):
        store.save_grade(Grade(item_id="sxs-0001", rater_id="alice", choice=1))
    with pytest.raises(UserError):
        store.items()
    assert not path.exists()
    store.close()


def test_a_replaced_sqlite_store_takes_no_more_writes(tmp_path) -> None:
    path, other = tmp_path / "grades.sqlite", tmp_path / "restored.sqlite"
    store = GradeStore(path)
    store.add_rater("alice")
    with GradeStore(other) as copy:
        copy.add_rater("alice")
    os.replace(other, path)  # e.g. a backup restored over the live store
    with pytest.raises(store_module.StoreGone, match="replaced by another file"):
        store.add_rater("bob")
    with pytest.raises(store_module.StoreGone):
        store.verify()
    store.close()
    with GradeStore(path, create=False) as fresh:  # reopened, it is a store again
        assert [r.name for r in fresh.raters()] == ["alice"]


def test_a_write_that_lands_in_a_vanished_file_is_not_reported_saved(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file disappears between the check inside the transaction and the commit: the grade
    went to an unlinked file, so the write is an error, never a silent success."""
    path = tmp_path / "grades.sqlite"
    store = GradeStore(path)
    store.add_rater("alice")
    store.add_items([sxs_item(0)])
    store.assign_many([("sxs-0000", "alice")])
    real = grades_module._grade_row

    def then_vanish(grade: Grade) -> dict:
        path.unlink()
        return real(grade)

    monkeypatch.setattr(grades_module, "_grade_row", then_vanish)
    with pytest.raises(store_module.StoreGone, match="NOT saved"):
        store.save_grade(Grade(item_id="sxs-0000", rater_id="alice", choice=1))
    store.close()


def test_another_database_at_the_same_url_is_not_written(store: GradeStore) -> None:
    """A PostgreSQL URL (or a SQLite file) now holding another store: its store id differs."""
    store.add_rater("alice")
    with store.engine.begin() as conn:
        conn.execute(update(meta_table).where(meta_table.c.key == "store_id").values(value="x"))
    with pytest.raises(store_module.StoreGone, match="no longer the grade store opened|replaced"):
        store.add_rater("bob")
    with pytest.raises(store_module.StoreGone):
        store.verify()
    assert [r.name for r in store.raters()] == ["alice"]


def test_reading_never_creates_a_store(tmp_path) -> None:
    missing = tmp_path / "sub" / "grades.sqlite"
    with pytest.raises(UserError, match="no grade store there"):
        GradeStore(missing, create=False)
    assert not missing.exists()
    with GradeStore(missing) as created:  # create=True: a new private file
        assert created.schema_version() == SCHEMA_VERSION
    assert missing.exists() and (missing.stat().st_mode & 0o777) == 0o600
