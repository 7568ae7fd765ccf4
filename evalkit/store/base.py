"""The store's foundation: opening a store, and writing to it safely.

`StoreBase` makes the engine (SQLite: WAL, `synchronous = FULL`, `BEGIN IMMEDIATE` for writes,
a file created 0600 and never re-created by a connection; PostgreSQL: a pool and, for the app,
a lock time-out), creates, migrates or refuses the schema, checks that the store is still the
one opened (`StoreGone`), and runs every write as one retried transaction (`_write`,
`StoreBusy`). The other parts of `GradeStore` are mixins built on it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self, TypeVar
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from evalkit.errors import UserError
from evalkit.records import utc_now
from evalkit.store.credentials import LoginPolicy
from evalkit.store.schema import (
    SCHEMA_VERSION,
    _meta,
    _migrate_1_to_2,
    _migrate_2_to_3,
    meta_table,
    metadata_obj,
)
from evalkit.store.urls import SQLITE_BUSY_TIMEOUT_MS, normalize_url, safe_url

WRITE_RETRIES = 20
STORE_FILE_MODE = 0o600  # the SQLite file (and so its -wal and -shm): the owner only

T = TypeVar("T")


class StoreGone(UserError):
    """The store the run points to is not the one opened (deleted, replaced, another database):
    nothing more is written to it."""


class StoreBusy(UserError):
    """A write waited its whole time budget for the store's write lock; nothing was written."""


class StoreBase:
    """What every part of the store shares: the engine, the schema check at open, the guard
    that the store is still the one opened, and the write transaction (see `GradeStore`)."""

    def __init__(
        self,
        url: str | os.PathLike[str],
        *,
        create: bool = True,
        write_timeout: float | None = None,
    ) -> None:
        """`create`: make the store if there is none (only `plan` and `store init` pass it from
        the command line). `write_timeout`: the most seconds one write may wait for the write
        lock before `StoreBusy` (the app uses 20 s; None: wait and retry as long as SQLite's
        busy timeout allows, for batch commands)."""
        self.url: URL = normalize_url(url, create=create)
        self.display_url: str = safe_url(self.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.write_timeout = write_timeout
        self.login_policy = LoginPolicy()
        self.clock: Callable[[], float] = time.time  # sign-in limits' clock (tests move it)
        self.gone: str | None = None  # why the store may no longer be written, once it is gone
        self._identity: tuple[int, int] | None = None
        self.store_id: str | None = None
        self.path: Path | None = Path(self.url.database or "") if self.is_sqlite else None
        if self.path is not None and create:
            _create_store_file(self.path)
        self.engine: Engine = self._make_engine()
        # writes on SQLite start with BEGIN IMMEDIATE (see _sqlite_begin)
        self._writer: Engine = self.engine.execution_options(evalkit_write=True)
        # SQLite has one writer at a time: threads of this process queue on a lock (woken at
        # once) rather than in SQLite's busy handler (which sleeps up to 100 ms per try);
        # other processes still queue on the busy timeout
        self._write_lock = threading.Lock() if self.is_sqlite else None
        try:
            self._init_schema(create)
            self._identity = self._file_identity()
        except DBAPIError as exc:
            self.engine.dispose()
            raise UserError(f"cannot open grade store {self.display_url}: {_short(exc)}") from None
        except Exception:
            self.engine.dispose()
            raise

    # -- set-up

    def _make_engine(self) -> Engine:
        if self.is_sqlite:
            assert self.path is not None
            busy_ms = SQLITE_BUSY_TIMEOUT_MS
            if self.write_timeout is not None:
                busy_ms = max(1, min(busy_ms, int(self.write_timeout * 1000)))
            # mode=rw: a connection never creates the file, so a deleted store is an error
            # rather than a new empty database at the same path
            engine_url = URL.create(
                "sqlite",
                database=f"file:{quote(str(self.path))}",
                query={"mode": "rw", "uri": "true"},
            )
            engine = create_engine(
                engine_url,
                connect_args={"timeout": busy_ms / 1000, "check_same_thread": False},
                pool_size=8,
                max_overflow=64,
                pool_timeout=120,
            )
            event.listen(engine, "connect", _sqlite_connector(busy_ms))
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine, "handle_error", self._sqlite_error)
            return engine
        engine = create_engine(
            self.url,
            pool_size=5,
            max_overflow=60,
            pool_timeout=120,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
        )
        if self.write_timeout is not None:
            event.listen(engine, "begin", self._postgres_lock_timeout)
        return engine

    def _postgres_lock_timeout(self, conn: Connection) -> None:
        if conn.get_execution_options().get("evalkit_write"):
            ms = max(1, int((self.write_timeout or 0) * 1000))
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")

    def _sqlite_error(self, context: Any) -> None:
        """A SQLite file found damaged mid-command ("database disk image is malformed") is a
        UserError naming the store, not a traceback; a file deleted or replaced under the store
        is `StoreGone`. Busy, locked and constraint errors are left to the callers (they retry
        them)."""
        import sqlite3

        orig = getattr(context, "original_exception", None)
        if self._identity is not None and self._file_identity() != self._identity:
            raise self._mark_gone()
        if type(orig) is sqlite3.DatabaseError:
            raise UserError(
                f"{self.display_url}: the grade store is damaged or not a SQLite database "
                f"({orig}); restore it from a backup"
            )

    def _init_schema(self, create: bool) -> None:
        """Create the tables in a fresh store, migrate an older one, refuse a newer one."""
        with self._writer.begin() as conn:
            if not self.is_sqlite:  # concurrent first opens must not race on CREATE TABLE
                conn.execute(text("SELECT pg_advisory_xact_lock(74201)"))
            has_meta = conn.dialect.has_table(conn, "meta")
            version = None
            if has_meta:
                version = _meta(conn, "schema_version")
            if version is None:
                if not create:
                    raise UserError(f"{self.display_url}: not an evalkit grade store (no schema)")
                metadata_obj.create_all(conn)
                conn.execute(
                    insert(meta_table).values(key="schema_version", value=str(SCHEMA_VERSION))
                )
                conn.execute(insert(meta_table).values(key="created_at", value=utc_now()))
            elif version in ("1", "2"):
                if version == "1":
                    _migrate_1_to_2(conn)
                _migrate_2_to_3(conn)
            elif version != str(SCHEMA_VERSION):
                raise UserError(
                    f"{self.display_url}: grade store has schema version {version}, this "
                    f"evalkit expects {SCHEMA_VERSION} (and migrates 1 and 2); use a matching "
                    "evalkit or a new store (--db)"
                )
            store_id = _meta(conn, "store_id")
            if store_id is None:
                store_id = secrets.token_hex(16)
                conn.execute(insert(meta_table).values(key="store_id", value=store_id))
            self.store_id = store_id

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar_one()
        return int(value)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GradeStore({self.display_url!r})"

    # -- the store is still the one opened

    def _file_identity(self) -> tuple[int, int] | None:
        """(st_dev, st_ino) of the SQLite file at the store's path (None: no file there)."""
        if self.path is None:
            return None
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_dev, stat.st_ino)

    def _mark_gone(self, saved: bool | None = None) -> StoreGone:
        """Remember that the store is gone (every later write is refused) and say so."""
        if self.gone is None:
            if self.is_sqlite:
                now = self._file_identity()
                what = "deleted" if now is None else "replaced by another file"
                self.gone = (
                    f"{self.display_url}: the grade store file was {what} while in use; "
                    "nothing more is written to it. Restore the store file, then restart "
                    "`evalkit app` (or rerun the command)"
                )
            else:
                self.gone = (
                    f"{self.display_url}: the database is no longer the grade store opened "
                    "(its store id changed); nothing more is written to it. Point --db at the "
                    "right store, then restart `evalkit app` (or rerun the command)"
                )
        prefix = "this change was NOT saved: " if saved is False else ""
        return StoreGone(prefix + self.gone)

    def _check_same(self, conn: Connection | None = None) -> None:
        """Raise StoreGone unless the store is still the one opened: for SQLite the file at
        its path has the identity (st_dev, st_ino) recorded at open, and for both engines the
        database holds the same `meta.store_id`."""
        if self.gone is not None:
            raise StoreGone(self.gone)
        if self.is_sqlite and self._file_identity() != self._identity:
            raise self._mark_gone()
        if conn is not None:
            try:
                found = _meta(conn, "store_id")
            except DBAPIError:
                found = None
            if found != self.store_id:
                raise self._mark_gone()

    def verify(self) -> None:
        """Check that the store is still the one opened (raise StoreGone if not). The app calls
        it on every page load: reads from a deleted SQLite file would otherwise go on
        showing what is no longer there."""
        self._check_same()
        with self.engine.connect() as conn:
            self._check_same(conn)

    def _busy(self) -> StoreBusy:
        return StoreBusy(
            f"{self.display_url}: the grade store stayed locked by another writer for "
            f"{self.write_timeout:g} s, so nothing was written. Try again in a moment; if it "
            "persists, look for a program holding the store open for writing (a backup, an "
            "sqlite3 shell, another evalkit command)"
        )

    @contextlib.contextmanager
    def _write_slot(self, deadline: float | None) -> Any:
        """This process's turn to write (SQLite): wait no longer than the deadline."""
        if self._write_lock is None:
            yield
            return
        timeout = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._write_lock.acquire(timeout=timeout):
            raise self._busy()
        try:
            yield
        finally:
            self._write_lock.release()

    def _write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction; retry conflicts, lock time-outs, serialization.

        The store is checked to be the one opened inside the transaction (before anything is
        written) and again after the commit (a file deleted meanwhile took the write with it:
        StoreGone says it was not saved). With `write_timeout`, waiting for the write lock ends
        with StoreBusy after that many seconds in all."""
        if self.gone is not None:
            raise StoreGone(self.gone)
        deadline = None if self.write_timeout is None else time.monotonic() + self.write_timeout
        delay = 0.01
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._write_slot(deadline), self._writer.begin() as conn:
                    self._check_same(conn)
                    result = work(conn)
                if self.is_sqlite and self._file_identity() != self._identity:
                    raise self._mark_gone(saved=False)
                return result
            except UserError:
                raise
            except (IntegrityError, OperationalError, DBAPIError) as exc:
                if not _retryable(exc):
                    raise
                if deadline is None and attempt >= WRITE_RETRIES:
                    raise
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._busy() from None
                pause = delay * (1 + secrets.randbelow(100) / 100)
                if deadline is not None:
                    pause = min(pause, max(0.0, deadline - time.monotonic()))
                time.sleep(pause)
                delay = min(delay * 2, 0.5)


def _create_store_file(path: Path) -> None:
    """A new SQLite store file, readable and writable by its owner only (0600): SQLite gives
    the -wal and -shm files the same mode. An existing file is left as it is."""
    if path.exists():
        return
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, STORE_FILE_MODE)
    except FileExistsError:
        return  # another process made it first
    except OSError as exc:
        raise UserError(f"{path}: cannot create the grade store: {exc.strerror}") from None
    os.close(descriptor)


def _sqlite_connector(busy_ms: int) -> Callable[[Any, Any], None]:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        # the driver must not open transactions itself: the "begin" listener does it
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk (WAL synced) before it returns, so "Saved." survives a
        # power cut too, not only a crash of the app
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return connect


def _sqlite_begin(conn: Connection) -> None:
    # writers take the write lock up front so they queue on busy_timeout instead of failing
    # with SQLITE_BUSY when a read lock would have to be upgraded mid-transaction
    mode = "IMMEDIATE" if conn.get_execution_options().get("evalkit_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _retryable(exc: DBAPIError) -> bool:
    """Conflicts worth retrying: a concurrent revision, a lock time-out, a serialization failure."""
    if isinstance(exc, IntegrityError):
        message = str(exc.orig).lower()
        return "uq_grade" in message or ("unique" in message and "grades." in message)
    message = str(exc.orig).lower()
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return (
        sqlstate in ("40001", "40P01", "55P03")
        or "database is locked" in message
        or "database is busy" in message
    )


def _short(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
