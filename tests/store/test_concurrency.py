"""50 writers at once: no grade lost, none duplicated, one current grade per (rater, item).

Runs on SQLite and on a real PostgreSQL (threads sharing one store, as the app does), and on
SQLite with separate processes (each its own store, as several `evalkit app` servers would).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evalkit.records import Grade
from evalkit.store import GradeStore, grades_table
from tests.fixtures import store as store_fixture
from tests.fixtures.builders import sxs_item

store = store_fixture.store  # the fixture: SQLite and PostgreSQL

N_THREADS = 50


def _run_threads(target, n: int) -> list[BaseException]:
    """Start n threads at the same instant (a barrier); return what they raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def body(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


def test_50_concurrent_raters_lose_nothing(store: GradeStore) -> None:
    """50 raters grade 8 items each at the same time: every grade arrives exactly once."""
    n_items = 8
    store.add_items([sxs_item(i) for i in range(n_items)])
    raters = [f"r{t:02d}" for t in range(N_THREADS)]
    for rater in raters:
        store.add_rater(rater)
    store.assign_many([(f"sxs-{i:04d}", r) for r in raters for i in range(n_items)])

    def grade_all(index: int) -> None:
        rater = raters[index]
        while (item := store.next_item(rater)) is not None:
            choice = (index + int(item.id[-4:])) % 5 - 2
            store.save_grade(Grade(item_id=item.id, rater_id=rater, choice=choice))

    assert _run_threads(grade_all, N_THREADS) == []
    current = store.current_grades()
    assert len(current) == N_THREADS * n_items
    keys = Counter((g.rater_id, g.item_id) for g in current)
    assert set(keys.values()) == {1}
    for grade in current:  # each rater's own answer, not a neighbour's
        assert grade.choice == (int(grade.rater_id[1:]) + int(grade.item_id[-4:])) % 5 - 2
    assert len(store.grade_history()) == N_THREADS * n_items  # no stray revisions
    assert all(store.progress(r) == (n_items, n_items) for r in raters)


def test_50_concurrent_submits_on_one_item_keep_one_current(store: GradeStore) -> None:
    """50 threads revise the same (rater, item) pairs at once: one current row per pair, and
    every submission kept as exactly one revision (numbers 1..n, no gaps, no duplicates)."""
    store.add_items([sxs_item(0), sxs_item(1)])
    store.add_rater("alice")
    store.add_rater("bob")
    store.assign_many([("sxs-0000", "alice"), ("sxs-0000", "bob"), ("sxs-0001", "alice")])
    pairs = [("sxs-0000", "alice"), ("sxs-0000", "bob"), ("sxs-0001", "alice")]
    per_thread = 2

    def submit(index: int) -> None:
        for round_ in range(per_thread):
            item_id, rater = pairs[(index + round_) % len(pairs)]
            comment = f"thread {index} round {round_}"  # each submission is distinct
            store.save_grade(
                Grade(item_id=item_id, rater_id=rater, choice=index % 5 - 2, comment=comment)
            )

    assert _run_threads(submit, N_THREADS) == []
    history = store.grade_history()
    assert len(history) == N_THREADS * per_thread
    assert len({g.comment for g in history}) == N_THREADS * per_thread
    with store.engine.connect() as conn:
        current = conn.execute(
            select(grades_table.c.item_id, grades_table.c.rater_id, func.count())
            .where(grades_table.c.is_current.is_(True))
            .group_by(grades_table.c.item_id, grades_table.c.rater_id)
        ).all()
    assert sorted((i, r, int(n)) for i, r, n in current) == sorted((i, r, 1) for i, r in pairs)
    for item_id, rater in pairs:
        revisions = sorted(
            g.revision for g in history if (g.item_id, g.rater_id) == (item_id, rater)
        )
        assert revisions == list(range(1, len(revisions) + 1))
        latest = max(
            (g for g in history if (g.item_id, g.rater_id) == (item_id, rater)),
            key=lambda g: g.revision,
        )
        assert store.rater_grade(rater, item_id).comment == latest.comment


def _process_writer(url: str, rater: str, n_items: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    with GradeStore(url) as own:
        while (item := own.next_item(rater)) is not None:
            own.save_grade(Grade(item_id=item.id, rater_id=rater, choice=1))
        # and a revision of the first one
        own.save_grade(Grade(item_id="sxs-0000", rater_id=rater, choice=-1))


def test_concurrent_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    """Separate processes (own connections, own locks) writing one SQLite file at once."""
    url = str(tmp_path / "grades.sqlite")
    n_proc, n_items = 8, 10
    raters = [f"p{i}" for i in range(n_proc)]
    with GradeStore(url) as setup:
        setup.add_items([sxs_item(i) for i in range(n_items)])
        for rater in raters:
            setup.add_rater(rater)
        setup.assign_many([(f"sxs-{i:04d}", r) for r in raters for i in range(n_items)])
    context = multiprocessing.get_context("fork")
    start = context.Event()
    procs = [context.Process(target=_process_writer, args=(url, r, n_items, start)) for r in raters]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * n_proc
    with GradeStore(url) as check:
        current = check.current_grades()
        assert len(current) == n_proc * n_items
        assert len(check.grade_history()) == n_proc * (n_items + 1)
        assert Counter(g.choice for g in current if g.item_id == "sxs-0000") == {-1: n_proc}


def test_concurrent_guesses_cannot_slip_past_the_sign_in_limit(
    store: GradeStore, monkeypatch
) -> None:
    """30 wrong guesses for one name at the same instant: each is counted before its hash is
    computed, so only the first two (no delay yet) are checked and the rest are refused."""
    from argon2 import PasswordHasher

    import evalkit.store.credentials as credentials_module
    import evalkit.store.login as login_module

    monkeypatch.setattr(credentials_module, "_hasher", PasswordHasher(1, 8, 1))
    monkeypatch.setattr(credentials_module, "_DUMMY", [])
    hashes: list[int] = []
    real = login_module._verify_password
    monkeypatch.setattr(login_module, "_verify_password", lambda *a: hashes.append(1) or real(*a))
    store.add_rater("alice", password="alice-password")
    outcomes: list[str] = []

    def guess(index: int) -> None:
        outcomes.append(store.sign_in("alice", f"guess{index}").outcome)

    assert _run_threads(guess, 30) == []
    assert sorted(outcomes) == ["failure"] * 2 + ["refused"] * 28
    assert len(hashes) == 2
    assert len(store.auth_log(limit=0)) == 30


def test_a_write_waits_for_a_busy_store_only_so_long(store: GradeStore) -> None:
    """Another program holds the write lock (SQLite) or the grade's row lock (PostgreSQL): a
    store opened with write_timeout gives up with StoreBusy after about that long."""
    import sqlite3

    from sqlalchemy import text

    from evalkit.store import StoreBusy

    store.add_items([sxs_item(0)])
    store.add_rater("alice")
    store.assign_many([("sxs-0000", "alice")])
    url = store.url.render_as_string(hide_password=False)
    grade = Grade(item_id="sxs-0000", rater_id="alice", choice=1)
    with GradeStore(url, write_timeout=1.0) as app_store:
        if store.is_sqlite:
            holder = sqlite3.connect(store.url.database, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
        else:
            holder = store.engine.connect()
            holder.execute(
                text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": "sxs-0000\x1falice"}
            )
        try:
            started = time.monotonic()
            with pytest.raises(StoreBusy, match="stayed locked by another writer for 1 s"):
                app_store.save_grade(grade)
            waited = time.monotonic() - started
            assert 0.9 <= waited < 5, waited
        finally:
            if store.is_sqlite:
                holder.execute("ROLLBACK")
            else:
                holder.execute(
                    text("SELECT pg_advisory_unlock(hashtext(:key))"),
                    {"key": "sxs-0000\x1falice"},
                )
            holder.close()
        assert app_store.current_grades() == []
        assert app_store.save_grade(grade).revision == 1  # free again: it saves at once
