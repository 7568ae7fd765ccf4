"""The grade store: raters, items, assignments and grades in one SQL database.

A SQLite file by default (WAL mode, 30 s busy timeout, `BEGIN IMMEDIATE` for writes so
concurrent writers queue instead of failing); PostgreSQL by URL for many raters. SQLAlchemy
Core keeps one code path for both.

Guarantees the rest of evalkit relies on:

- every grade write is one transaction;
- one *current* grade per (rater, item), enforced by a partial unique index
  (`WHERE is_current`) that both engines support; a change of mind is a new revision that
  keeps the earlier row (`is_current = false`), never a silent duplicate;
- rater-facing calls (`next_item`, `rater_item`, `rater_grades`, `progress`) never return
  model names, the gold answer or the side seed (blinding), and never another rater's grades;
- the schema version is checked when a store is opened: a store written by another version is
  a clear `UserError`, not a crash in the middle of grading.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from evalkit.errors import UserError
from evalkit.records import Grade, Item, utc_now
from evalkit.rubrics import SUMMARY_DIMENSIONS

SCHEMA_VERSION = 1
DB_ENV = "EVALKIT_DB"
DEFAULT_DB_NAME = "grades.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_RETRIES = 20

RaterRole = Literal["rater", "admin"]
T = TypeVar("T")

# item metadata keys a rater may see (context for the rubric; nothing that reveals a model)
RATER_METADATA_KEYS = (
    "checklist",
    "use_case",
    "content_type",
    "length_bucket",
    "stacked",
    "n_docs",
    "max_sentences",
    "risk_area",
)
# the grade fields that make up "what the rater said" (a resubmission of the same is a no-op)
PAYLOAD_FIELDS = (
    "grader",
    "choice",
    "dimensions",
    "violation",
    "violation_category",
    "refused",
    "skipped",
    "flagged",
    "comment",
)

metadata_obj = MetaData()

meta_table = Table(
    "meta",
    metadata_obj,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

raters_table = Table(
    "raters",
    metadata_obj,
    Column("id", String(200), primary_key=True),  # the rater's name: the id grades carry
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text),
    Column("token_hash", String(64), index=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(40), nullable=False),
)

items_table = Table(
    "items",
    metadata_obj,
    Column("id", String(200), primary_key=True),
    Column("kind", String(20), nullable=False, index=True),
    Column("run_id", String(200), nullable=False),
    Column("prompt_id", String(200), nullable=False),
    Column("category", String(100)),
    Column("prompt_text", Text, nullable=False),
    Column("left_text", Text),
    Column("right_text", Text),
    Column("model_left", String(200)),
    Column("model_right", String(200)),
    Column("response_text", Text),
    Column("model", String(200)),
    Column("source_text", Text),
    Column("rubric", String(100), nullable=False),
    Column("rubric_version", JSON),
    Column("is_gold", Boolean, nullable=False, default=False),
    Column("gold_answer", JSON),
    Column("side_seed", BigInteger),
    Column("metadata", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
)

assignments_table = Table(
    "assignments",
    metadata_obj,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(200), ForeignKey("items.id"), nullable=False),
    Column("rater_id", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    UniqueConstraint("item_id", "rater_id", name="uq_assignment_item_rater"),
    Index("ix_assignments_rater_position", "rater_id", "position"),
)

grades_table = Table(
    "grades",
    metadata_obj,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(200), ForeignKey("items.id"), nullable=False),
    Column("rater_id", String(200), nullable=False),
    Column("grader", String(10), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("choice", Integer),
    Column("dimensions", JSON),
    Column("violation", Boolean),
    Column("violation_category", String(200)),
    Column("refused", Boolean),
    Column("skipped", Boolean, nullable=False, default=False),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("comment", Text),
    Column("seconds", Float),
    Column("created_at", String(40), nullable=False),
    # history: each revision number once per (item, rater)
    UniqueConstraint("item_id", "rater_id", "revision", name="uq_grade_revision"),
    # the rule: at most one current grade per (item, rater)
    Index(
        "uq_grade_current",
        "item_id",
        "rater_id",
        unique=True,
        sqlite_where=text("is_current"),
        postgresql_where=text("is_current"),
    ),
    Index("ix_grades_rater", "rater_id"),
)


class Rater(BaseModel):
    """A registered rater (or admin). Secrets are never part of this record."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: RaterRole
    active: bool = True
    created_at: str
    has_password: bool = False
    has_token: bool = False


# ---------------------------------------------------------------------------- URLs


def normalize_url(url_or_path: str | os.PathLike[str], *, create: bool = True) -> URL:
    """A store URL from a path (`runs/x/grades.sqlite`), `sqlite:///...` or `postgresql://...`.

    `postgresql://` and `postgres://` use the psycopg 3 driver (`postgresql+psycopg://`). A
    SQLite file must be one (a folder, a text file or a damaged file is a UserError naming it);
    without `create` it must already exist, so a mistyped path or URL never becomes a new store.
    """
    raw = os.fspath(url_or_path)
    if not raw.strip():
        raise UserError("--db: empty grade store URL or path")
    if "://" not in raw:
        path = Path(raw).expanduser().resolve()
        check_sqlite_file(path, create)
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(raw)
        _ = url.port  # a port that is not a number raises here
    except (ArgumentError, ValueError):
        raise UserError(f"--db: not a database URL or path: {_redact_raw(raw)}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(
            f"--db: unsupported database {url.drivername!r} in {safe_url(url)} "
            "(use a SQLite path or a postgresql:// URL)"
        )
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise UserError(
                f"--db {raw}: give a SQLite file (each connection would see its own "
                "in-memory database)"
            )
        check_sqlite_file(Path(url.database).expanduser(), create)
    return url


SQLITE_MAGIC = b"SQLite format 3\x00"


def check_sqlite_file(path: Path, create: bool) -> None:
    """Refuse what cannot be a SQLite grade store, before SQLite touches it: a folder, a file
    that is not SQLite, a truncated one, and (without `create`) a missing or empty file or a
    SQLite database without evalkit's tables. With `create`, make the parent folder."""
    if path.is_dir():
        raise UserError(f"{path}: is a folder, expected a grade store (a SQLite file or a URL)")
    if not path.exists():
        if not create:
            raise UserError(
                f"{path}: no grade store there (give an existing SQLite file or a "
                "postgresql:// URL; `evalkit plan` creates a run's store)"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{path}: cannot create the grade store: {exc.strerror}") from None
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"{path}: cannot read the grade store: {exc.strerror}") from None
    if not header:
        if not create:
            raise UserError(f"{path}: an empty file, not a grade store")
        return  # SQLite makes an empty file a new database
    if not header.startswith(SQLITE_MAGIC):
        raise UserError(f"{path}: not a SQLite database, so not a grade store")
    # the header's page count (when valid) against the file: a copy cut short. Skipped while a
    # write-ahead log exists, as a checkpoint in progress may extend the file after the header.
    if len(header) == 100 and header[24:28] == header[92:96] and not Path(f"{path}-wal").exists():
        page_size = int.from_bytes(header[16:18], "big")
        expected = int.from_bytes(header[28:32], "big") * (65536 if page_size == 1 else page_size)
        if size < expected:
            raise UserError(
                f"{path}: the grade store is truncated ({size} of {expected} bytes); "
                "restore it from a backup"
            )
    if not create:
        _check_sqlite_schema(path)


def _check_sqlite_schema(path: Path) -> None:
    """An existing SQLite file read as a grade store has evalkit's tables (checked with a plain
    query, so a foreign database is not switched to WAL mode or otherwise changed)."""
    import sqlite3

    try:
        conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            raise UserError(f"{path}: not an evalkit grade store (no schema)") from None
    except sqlite3.DatabaseError as exc:
        raise UserError(
            f"{path}: not a readable grade store ({exc}); restore it from a backup"
        ) from None


def safe_url(url: str | URL) -> str:
    """The URL as it may be printed or written: the password is always hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _redact_raw(str(url))


def _redact_raw(raw: str) -> str:
    if "@" in raw and "://" in raw:
        scheme, rest = raw.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return raw


def store_url_for_run(run_dir: str | os.PathLike[str], db: str | None = None) -> str:
    """Which store a run uses: explicit `db` > `$EVALKIT_DB` > `RUN_DIR/grades.sqlite`."""
    if db:
        return db
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    return str(Path(run_dir) / DEFAULT_DB_NAME)


def open_run_store(
    run_dir: str | os.PathLike[str], db: str | None = None, *, create: bool = False
) -> GradeStore:
    """The grade store of a run (explicit `db` URL > `$EVALKIT_DB` > `RUN_DIR/grades.sqlite`).

    Only a command that plans or registers raters passes `create`: reading never makes a store.
    """
    from evalkit.rundir import RunDir

    return GradeStore(RunDir(run_dir).store_url(db, create=create), create=create)


# ---------------------------------------------------------------------------- secrets

_hasher: Any = None


def _password_hasher() -> Any:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    """argon2id hash (argon2-cffi's defaults, which follow RFC 9106)."""
    return _password_hasher().hash(password)


def _verify_password(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _password_hasher()
    try:
        if stored is None:  # same work for an unknown name: no timing hint of who exists
            hasher.verify(_dummy_hash(), password + "\x00")
            return False
        return bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def _token_hash(token: str) -> str:
    """Tokens are 192 random bits, so a plain SHA-256 is enough (and allows an indexed lookup)."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_rater(name: str, role: str, password: str | None = None) -> str:
    """The rater's name (stripped) if name, role and password are acceptable; else UserError
    (checked before a store is opened or created, so a typo leaves nothing behind)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("rater name: must be 1-200 characters")
    if ":" in name:
        raise UserError(f"rater name {name!r}: ':' is reserved for automatic graders")
    if role not in ("rater", "admin"):
        raise UserError(f"rater {name!r}: role must be 'rater' or 'admin', not {role!r}")
    if password is not None and len(password) < 8:
        raise UserError(f"rater {name!r}: password must be at least 8 characters")
    return name


# ---------------------------------------------------------------------------- the store


class GradeStore:
    """Raters, items, assignments and grades in SQLite (a path) or PostgreSQL (a URL).

    Open with `GradeStore("runs/x/grades.sqlite")`, `GradeStore("postgresql://u:p@host/db")`
    or `open_run_store(run_dir, db)`. Thread-safe: share one store between threads (each call
    takes its own connection from the pool). Close with `close()` or use it as a context manager.
    """

    def __init__(self, url: str | os.PathLike[str], *, create: bool = True) -> None:
        self.url: URL = normalize_url(url, create=create)
        self.display_url: str = safe_url(self.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine: Engine = self._make_engine()
        # writes on SQLite start with BEGIN IMMEDIATE (see _sqlite_begin)
        self._writer: Engine = self.engine.execution_options(evalkit_write=True)
        # SQLite has one writer at a time: threads of this process queue on a lock (woken at
        # once) rather than in SQLite's busy handler (which sleeps up to 100 ms per try);
        # other processes still queue on the busy timeout
        self._write_lock = threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        try:
            self._init_schema(create)
        except DBAPIError as exc:
            self.engine.dispose()
            raise UserError(f"cannot open grade store {self.display_url}: {_short(exc)}") from None
        except Exception:
            self.engine.dispose()
            raise

    # -- set-up

    def _make_engine(self) -> Engine:
        if self.is_sqlite:
            engine = create_engine(
                self.url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                pool_size=8,
                max_overflow=64,
                pool_timeout=120,
            )
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine, "handle_error", self._damaged_sqlite)
            return engine
        return create_engine(
            self.url,
            pool_size=5,
            max_overflow=60,
            pool_timeout=120,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
        )

    def _damaged_sqlite(self, context: Any) -> None:
        """A SQLite file found damaged mid-command ("database disk image is malformed") is a
        UserError naming the store, not a traceback. Busy, locked and constraint errors are
        left to the callers (they retry them)."""
        import sqlite3

        orig = getattr(context, "original_exception", None)
        if type(orig) is sqlite3.DatabaseError:
            raise UserError(
                f"{self.display_url}: the grade store is damaged or not a SQLite database "
                f"({orig}); restore it from a backup"
            )

    def _init_schema(self, create: bool) -> None:
        """Create the tables in a fresh store; refuse a store of another schema version."""
        with self._writer.begin() as conn:
            if not self.is_sqlite:  # concurrent first opens must not race on CREATE TABLE
                conn.execute(text("SELECT pg_advisory_xact_lock(74201)"))
            has_meta = conn.dialect.has_table(conn, "meta")
            version = None
            if has_meta:
                version = conn.execute(
                    select(meta_table.c.value).where(meta_table.c.key == "schema_version")
                ).scalar_one_or_none()
            if version is None:
                if not create:
                    raise UserError(f"{self.display_url}: not an evalkit grade store (no schema)")
                metadata_obj.create_all(conn)
                conn.execute(
                    insert(meta_table).values(key="schema_version", value=str(SCHEMA_VERSION))
                )
                conn.execute(insert(meta_table).values(key="created_at", value=utc_now()))
            elif version != str(SCHEMA_VERSION):
                raise UserError(
                    f"{self.display_url}: grade store has schema version {version}, this evalkit "
                    f"expects {SCHEMA_VERSION}; use a matching evalkit or a new store (--db)"
                )

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar_one()
        return int(value)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> GradeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GradeStore({self.display_url!r})"

    def _write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction; retry conflicts, lock time-outs, serialization."""
        delay = 0.01
        for attempt in range(WRITE_RETRIES):
            try:
                with self._write_lock, self._writer.begin() as conn:
                    return work(conn)
            except UserError:
                raise
            except (IntegrityError, OperationalError, DBAPIError) as exc:
                if not _retryable(exc) or attempt == WRITE_RETRIES - 1:
                    raise
                time.sleep(delay * (1 + secrets.randbelow(100) / 100))
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")

    # -- raters

    def add_rater(
        self, name: str, role: RaterRole = "rater", password: str | None = None
    ) -> str | None:
        """Register a rater. With a password: stored as an argon2id hash, returns None.

        Without: returns a one-time-shown login token (only its SHA-256 is stored); the rater
        signs in with it as the secret. The rater's id is its name.
        """
        name = check_rater(name, role, password)
        token = None if password is not None else secrets.token_urlsafe(24)
        row = {
            "id": name,
            "name": name,
            "role": role,
            "password_hash": hash_password(password) if password is not None else None,
            "token_hash": _token_hash(token) if token else None,
            "active": True,
            "created_at": utc_now(),
        }

        def work(conn: Connection) -> None:
            exists = conn.execute(select(raters_table.c.id).where(raters_table.c.name == name))
            if exists.first() is not None:
                raise UserError(f"rater {name!r} already exists in {self.display_url}")
            conn.execute(insert(raters_table).values(**row))

        self._write(work)
        return token

    def set_secret(self, name: str, password: str | None = None) -> str | None:
        """Replace a rater's secret: new password (returns None) or new token (returned once)."""
        if password is not None and len(password) < 8:
            raise UserError(f"rater {name!r}: password must be at least 8 characters")
        token = None if password is not None else secrets.token_urlsafe(24)
        values = {
            "password_hash": hash_password(password) if password is not None else None,
            "token_hash": _token_hash(token) if token else None,
        }

        def work(conn: Connection) -> None:
            done = conn.execute(
                update(raters_table).where(raters_table.c.name == name).values(**values)
            )
            if done.rowcount != 1:
                raise UserError(f"no rater named {name!r} in {self.display_url}")

        self._write(work)
        return token

    def set_active(self, name: str, active: bool) -> None:
        """Deactivate (or reactivate) a rater: an inactive rater cannot sign in or grade."""

        def work(conn: Connection) -> None:
            done = conn.execute(
                update(raters_table).where(raters_table.c.name == name).values(active=active)
            )
            if done.rowcount != 1:
                raise UserError(f"no rater named {name!r} in {self.display_url}")

        self._write(work)

    def authenticate(self, name: str, secret: str) -> Rater | None:
        """The active rater `name` if `secret` is its password or its token; else None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(raters_table).where(raters_table.c.name == name)).first()
        if row is None or not row.active:
            _verify_password(None, secret)  # constant work whether or not the name exists
            return None
        if row.token_hash and hmac.compare_digest(row.token_hash, _token_hash(secret)):
            return _rater(row)
        if _verify_password(row.password_hash, secret):
            return _rater(row)
        return None

    def raters(self, active_only: bool = False) -> list[Rater]:
        """Registered raters, by name."""
        query = select(raters_table).order_by(raters_table.c.name)
        if active_only:
            query = query.where(raters_table.c.active.is_(True))
        with self.engine.connect() as conn:
            return [_rater(row) for row in conn.execute(query)]

    def rater(self, name: str) -> Rater | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(raters_table).where(raters_table.c.name == name)).first()
        return _rater(row) if row is not None else None

    # -- items and assignments

    def add_items(self, items: Iterable[Item]) -> int:
        """Insert items in one transaction; returns how many were new.

        Re-adding an identical item is a no-op (re-running a plan is safe); an existing id with
        different content is a `UserError` (an item's content never changes under its grades).
        """
        batch = list(items)
        rows = [_item_row(item) for item in batch]

        def work(conn: Connection) -> int:
            ids = [row["id"] for row in rows]
            existing: dict[str, Item] = {}
            for chunk in _chunks(ids, 500):
                for row in conn.execute(select(items_table).where(items_table.c.id.in_(chunk))):
                    existing[row.id] = _item(row)
            new = []
            for item, row in zip(batch, rows, strict=True):
                if item.id in existing:
                    if existing[item.id] != item:
                        raise UserError(
                            f"item {item.id}: already in {self.display_url} with other content "
                            "(plan into a new store or with another seed)"
                        )
                    continue
                new.append(row)
            if new:
                conn.execute(insert(items_table), new)
            return len(new)

        return self._write(work)

    def assign(self, item_id: str, rater_ids: Sequence[str]) -> int:
        """Assign one item to raters (appended to each rater's queue); returns new assignments."""
        return self.assign_many([(item_id, rater_id) for rater_id in rater_ids])

    def assign_many(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Assign (item_id, rater_id) pairs in one transaction, in the given order per rater.

        An existing pair is kept where it is; a registered rater must be active. Returns the number
        of new assignments.
        """

        def work(conn: Connection) -> int:
            item_ids = sorted({item_id for item_id, _ in pairs})
            known: set[str] = set()
            for chunk in _chunks(item_ids, 500):
                query = select(items_table.c.id).where(items_table.c.id.in_(chunk))
                known.update(conn.execute(query).scalars())
            missing = [i for i in item_ids if i not in known]
            if missing:
                raise UserError(f"assign: unknown item ids {missing[:5]} in {self.display_url}")
            raters = {row.id: row for row in conn.execute(select(raters_table))}
            rater_ids = sorted({rater_id for _, rater_id in pairs})
            for rater_id in rater_ids:
                if rater_id in raters and not raters[rater_id].active:
                    raise UserError(f"assign: rater {rater_id!r} is not active")
            next_pos: dict[str, int] = {}
            existing: set[tuple[str, str]] = set()
            for chunk in _chunks(rater_ids, 500):
                query = (
                    select(assignments_table.c.rater_id, func.max(assignments_table.c.position))
                    .where(assignments_table.c.rater_id.in_(chunk))
                    .group_by(assignments_table.c.rater_id)
                )
                next_pos.update({r: p + 1 for r, p in conn.execute(query)})
                pair_query = select(
                    assignments_table.c.item_id, assignments_table.c.rater_id
                ).where(assignments_table.c.rater_id.in_(chunk))
                existing.update((i, r) for i, r in conn.execute(pair_query))
            rows, now = [], utc_now()
            for item_id, rater_id in pairs:
                if (item_id, rater_id) in existing:
                    continue
                existing.add((item_id, rater_id))
                position = next_pos.get(rater_id, 0)
                next_pos[rater_id] = position + 1
                rows.append(
                    {
                        "item_id": item_id,
                        "rater_id": rater_id,
                        "position": position,
                        "created_at": now,
                    }
                )
            if rows:
                conn.execute(insert(assignments_table), rows)
            return len(rows)

        return self._write(work)

    def assignments(self) -> pd.DataFrame:
        """Admin view: every assignment (item_id, rater_id, position, graded)."""
        g = grades_table
        query = (
            select(
                assignments_table.c.item_id,
                assignments_table.c.rater_id,
                assignments_table.c.position,
                g.c.id.is_not(None).label("graded"),
            )
            .select_from(assignments_table.outerjoin(g, _current_grade_join()))
            .order_by(assignments_table.c.rater_id, assignments_table.c.position)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame(rows, columns=["item_id", "rater_id", "position", "graded"])

    def items(self, kind: str | None = None) -> list[Item]:
        """Admin view: every item with its model names (never show this to a rater)."""
        query = select(items_table).order_by(items_table.c.id)
        if kind is not None:
            query = query.where(items_table.c.kind == kind)
        with self.engine.connect() as conn:
            return [_item(row) for row in conn.execute(query)]

    def item(self, item_id: str) -> Item | None:
        """Admin view of one item, unblinded (None if unknown)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(items_table).where(items_table.c.id == item_id)).first()
        return _item(row) if row is not None else None

    # -- rater-facing (blinded)

    def next_item(self, rater_id: str) -> Item | None:
        """The rater's first assigned item without a current grade, in assignment order; blinded.

        Skipped and flagged items have a grade (skipped/flagged = True), so they do not come back.
        The returned Item has model_left, model_right, model, gold_answer and side_seed set to
        None, is_gold False and metadata reduced to rubric context (see `blind`).
        """
        a, g = assignments_table, grades_table
        query = (
            select(items_table)
            .select_from(
                a.join(items_table, items_table.c.id == a.c.item_id).outerjoin(
                    g, _current_grade_join()
                )
            )
            .where(a.c.rater_id == rater_id, g.c.id.is_(None))
            .order_by(a.c.position)
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return blind(_item(row)) if row is not None else None

    def rater_item(self, rater_id: str, item_id: str) -> Item | None:
        """One item assigned to this rater (to revisit or revise), blinded; None if not theirs."""
        a = assignments_table
        query = (
            select(items_table)
            .select_from(a.join(items_table, items_table.c.id == a.c.item_id))
            .where(a.c.rater_id == rater_id, a.c.item_id == item_id)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return blind(_item(row)) if row is not None else None

    def rater_queue(self, rater_id: str) -> list[tuple[str, bool]]:
        """The rater's assigned item ids in order, each with whether it has a current grade."""
        a, g = assignments_table, grades_table
        query = (
            select(a.c.item_id, g.c.id.is_not(None))
            .select_from(a.outerjoin(g, _current_grade_join()))
            .where(a.c.rater_id == rater_id)
            .order_by(a.c.position)
        )
        with self.engine.connect() as conn:
            return [(item_id, bool(done)) for item_id, done in conn.execute(query)]

    def rater_grades(self, rater_id: str) -> list[Grade]:
        """This rater's own current grades (never anyone else's), in the order given."""
        query = (
            select(grades_table)
            .where(grades_table.c.rater_id == rater_id, grades_table.c.is_current.is_(True))
            .order_by(grades_table.c.id)
        )
        with self.engine.connect() as conn:
            return [_grade(row) for row in conn.execute(query)]

    def rater_grade(self, rater_id: str, item_id: str) -> Grade | None:
        """This rater's current grade of one item (to pre-fill a revision), or None."""
        query = select(grades_table).where(
            grades_table.c.rater_id == rater_id,
            grades_table.c.item_id == item_id,
            grades_table.c.is_current.is_(True),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _grade(row) if row is not None else None

    def progress(self, rater_id: str) -> tuple[int, int]:
        """(items graded, skipped or flagged; items assigned) for one rater."""
        a, g = assignments_table, grades_table
        query = (
            select(func.count(a.c.id), func.count(g.c.id))
            .select_from(a.outerjoin(g, _current_grade_join()))
            .where(a.c.rater_id == rater_id)
        )
        with self.engine.connect() as conn:
            assigned, done = conn.execute(query).one()
        return int(done), int(assigned)

    # -- grades

    def save_grade(self, grade: Grade) -> Grade:
        """Store one grade in one transaction and return it as stored (with its revision).

        A second grade by the same rater on the same item is a revision: the earlier row stays
        in the history with is_current = false, the new one becomes current. Resubmitting exactly
        what is already current (a double click) is a no-op that returns the current grade.
        A registered rater must be active and assigned to the item; unregistered ids are
        automatic graders (`auto:*`, `judge:*`) or imported annotators.
        """

        def work(conn: Connection) -> Grade:
            item = conn.execute(
                select(items_table.c.kind).where(items_table.c.id == grade.item_id)
            ).first()
            if item is None:
                raise UserError(f"grade: unknown item {grade.item_id!r} in {self.display_url}")
            _check_payload(grade, item.kind)
            self._check_rater(conn, grade)
            if not self.is_sqlite:  # queue concurrent writers of one (item, rater) instead of
                # letting them collide on the unique index and retry (SQLite's BEGIN IMMEDIATE
                # already serializes all writers)
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                    {"key": f"{grade.item_id}\x1f{grade.rater_id}"},
                )
            current = conn.execute(
                select(grades_table)
                .where(
                    grades_table.c.item_id == grade.item_id,
                    grades_table.c.rater_id == grade.rater_id,
                    grades_table.c.is_current.is_(True),
                )
                .with_for_update()
            ).first()
            if current is not None and _same_payload(_grade(current), grade):
                return _grade(current)
            last = conn.execute(
                select(func.max(grades_table.c.revision)).where(
                    grades_table.c.item_id == grade.item_id,
                    grades_table.c.rater_id == grade.rater_id,
                )
            ).scalar()
            if current is not None:
                conn.execute(
                    update(grades_table)
                    .where(grades_table.c.id == current.id)
                    .values(is_current=False)
                )
            stored = grade.model_copy(update={"revision": (last or 0) + 1})
            conn.execute(insert(grades_table).values(**_grade_row(stored), is_current=True))
            return stored

        return self._write(work)

    def _check_rater(self, conn: Connection, grade: Grade) -> None:
        row = conn.execute(
            select(raters_table.c.active).where(raters_table.c.id == grade.rater_id)
        ).first()
        if row is None:
            return
        if not row.active:
            raise UserError(f"grade: rater {grade.rater_id!r} is not active")
        assigned = conn.execute(
            select(assignments_table.c.id).where(
                assignments_table.c.item_id == grade.item_id,
                assignments_table.c.rater_id == grade.rater_id,
            )
        ).first()
        if assigned is None:
            raise UserError(
                f"grade: item {grade.item_id!r} is not assigned to rater {grade.rater_id!r}"
            )

    def current_grades(self, kind: str | None = None, include_auto: bool = True) -> list[Grade]:
        """Admin view: the current grade of every (rater, item), skipped and flagged included."""
        query = select(grades_table).where(grades_table.c.is_current.is_(True))
        if kind is not None:
            query = query.join(items_table, items_table.c.id == grades_table.c.item_id).where(
                items_table.c.kind == kind
            )
        if not include_auto:
            query = query.where(grades_table.c.grader == "human")
        query = query.order_by(grades_table.c.id)
        with self.engine.connect() as conn:
            return [_grade(row) for row in conn.execute(query)]

    def grade_history(self, item_id: str | None = None, rater_id: str | None = None) -> list[Grade]:
        """Admin view: every revision (current and earlier), oldest first."""
        query = select(grades_table).order_by(grades_table.c.id)
        if item_id is not None:
            query = query.where(grades_table.c.item_id == item_id)
        if rater_id is not None:
            query = query.where(grades_table.c.rater_id == rater_id)
        with self.engine.connect() as conn:
            return [_grade(row) for row in conn.execute(query)]

    def status(self) -> pd.DataFrame:
        """Admin view: per rater: assigned, done (graded, skipped or flagged), skipped, flagged."""
        a, g = assignments_table, grades_table
        query = (
            select(
                a.c.rater_id,
                func.count(a.c.id),
                func.count(g.c.id),
                func.coalesce(func.sum(_as_int(g.c.skipped)), 0),
                func.coalesce(func.sum(_as_int(g.c.flagged)), 0),
            )
            .select_from(a.outerjoin(g, _current_grade_join()))
            .group_by(a.c.rater_id)
            .order_by(a.c.rater_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame(rows, columns=["rater_id", "assigned", "done", "skipped", "flagged"])

    # -- plan secrets

    def plan_secret(self, run_id: str, kind: str) -> str:
        """The secret randomness of a run's plan of one kind, drawn once and kept here only:
        sides, queue order and gold placement come from it, so nothing a rater's browser
        receives (and nothing in the code or the run folder) lets anyone re-derive them."""
        key = "secret:" + hashlib.sha256(f"{run_id}\x1f{kind}".encode()).hexdigest()[:32]

        def work(conn: Connection) -> str:
            found = conn.execute(
                select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
            if found is not None:
                return str(found)
            value = secrets.token_hex(32)
            conn.execute(insert(meta_table).values(key=key, value=value))
            return value

        return self._write(work)

    # -- frames for the statistics

    def _graded_rows(self, kind: str, include_auto: bool) -> list[tuple[Item, Grade]]:
        g = grades_table
        query = (
            select(items_table, g)
            .select_from(g.join(items_table, items_table.c.id == g.c.item_id))
            .where(g.c.is_current.is_(True), g.c.skipped.is_(False), items_table.c.kind == kind)
            .order_by(g.c.item_id, g.c.rater_id)
        )
        if not include_auto:
            query = query.where(g.c.grader == "human")
        n_item = len(items_table.c)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(_item_from_values(row[:n_item]), _grade_from_values(row[n_item:])) for row in rows]

    def grade_frame(self, kind: str, include_auto: bool = True) -> pd.DataFrame:
        """One row per current, non-skipped grade that answers its item: the common columns
        (item_id, prompt_id, rater_id, grader, is_gold, gold_correct) and the kind's own."""
        from evalkit.kinds import get_kind
        from evalkit.stats.frames import columns

        grading = get_kind(kind)
        rows = []
        for item, grade in self._graded_rows(kind, include_auto):
            row = grading.grade_row(item, grade)
            if row is None:
                continue
            rows.append(
                {
                    "item_id": item.id,
                    "prompt_id": item.prompt_id,
                    "rater_id": grade.rater_id,
                    "grader": grade.grader,
                    "is_gold": item.is_gold,
                    "gold_correct": grading.gold_correct(item, grade),
                    **row,
                }
            )
        return pd.DataFrame(rows, columns=columns(grading))

    def sxs_frame(self, include_auto: bool = True, include_gold: bool = True) -> pd.DataFrame:
        """Side-by-side grades in model terms, one row per current, non-skipped grade.

        Columns: item_id, prompt_id, category, rater_id, model_a, model_b, score, grader,
        is_gold. model_a is the first model of the planned pair (the candidate; for a gold item
        the better response), model_b the other. The rater's display choice (−2 = left much
        better … +2 = right much better) becomes score = −choice when model_a was shown on the
        left and +choice when it was on the right, so a positive score means model_a preferred.
        """
        rows = []
        for item, grade in self._graded_rows("sxs", include_auto):
            if grade.choice is None or (item.is_gold and not include_gold):
                continue
            model_a, model_b, a_on_left = sxs_pair(item)
            rows.append(
                {
                    "item_id": item.id,
                    "prompt_id": item.prompt_id,
                    "category": item.category,
                    "rater_id": grade.rater_id,
                    "model_a": model_a,
                    "model_b": model_b,
                    "score": -grade.choice if a_on_left else grade.choice,
                    "grader": grade.grader,
                    "is_gold": item.is_gold,
                }
            )
        frame = pd.DataFrame(rows, columns=SXS_COLUMNS + ["grader", "is_gold"])
        return frame.astype({"score": "int64", "is_gold": "bool"})

    def safety_frame(self, include_auto: bool = True) -> pd.DataFrame:
        """Safety grades, one row per current, non-skipped grade with a violation answer.

        Columns: item_id, prompt_id, model, area, subcategory, expected, rater_id, grader,
        violation, violation_category, refused (the grade's `refused`: NA when not asked).
        """
        rows = []
        for item, grade in self._graded_rows("safety", include_auto):
            if grade.violation is None:
                continue
            meta = item.metadata
            rows.append(
                {
                    "item_id": item.id,
                    "prompt_id": item.prompt_id,
                    "model": item.model,
                    "area": meta.get("area") or meta.get("risk_area"),
                    "subcategory": meta.get("subcategory"),
                    "expected": meta.get("expected"),
                    "rater_id": grade.rater_id,
                    "grader": grade.grader,
                    "violation": bool(grade.violation),
                    "violation_category": grade.violation_category,
                    "refused": grade.refused,
                }
            )
        frame = pd.DataFrame(rows, columns=SAFETY_COLUMNS)
        frame["refused"] = frame["refused"].astype("boolean")
        return frame

    def summarization_frame(self, include_auto: bool = True) -> pd.DataFrame:
        """Summarization grades, one row per current, non-skipped grade with all five dimensions.

        Columns: item_id, prompt_id, model, use_case, content_type, length_bucket, stacked,
        rater_id, grader, and each dimension (good|neutral|poor).
        """
        rows = []
        for item, grade in self._graded_rows("summarization", include_auto):
            dims = grade.dimensions or {}
            if any(d not in dims for d in SUMMARY_DIMENSIONS):
                continue
            meta = item.metadata
            rows.append(
                {
                    "item_id": item.id,
                    "prompt_id": item.prompt_id,
                    "model": item.model,
                    "use_case": meta.get("use_case"),
                    "content_type": meta.get("content_type"),
                    "length_bucket": meta.get("length_bucket"),
                    "stacked": meta.get("stacked"),
                    "rater_id": grade.rater_id,
                    "grader": grade.grader,
                    **{d: dims[d] for d in SUMMARY_DIMENSIONS},
                }
            )
        return pd.DataFrame(rows, columns=SUMMARIZATION_COLUMNS)


SXS_COLUMNS = ["item_id", "prompt_id", "category", "rater_id", "model_a", "model_b", "score"]
SAFETY_COLUMNS = [
    "item_id",
    "prompt_id",
    "model",
    "area",
    "subcategory",
    "expected",
    "rater_id",
    "grader",
    "violation",
    "violation_category",
    "refused",
]
SUMMARIZATION_COLUMNS = [
    "item_id",
    "prompt_id",
    "model",
    "use_case",
    "content_type",
    "length_bucket",
    "stacked",
    "rater_id",
    "grader",
    *SUMMARY_DIMENSIONS,
]


def sxs_pair(item: Item) -> tuple[str | None, str | None, bool]:
    """(model_a, model_b, model_a shown on the left) for an sxs item.

    model_a is recorded by the planner in `metadata["model_a"]` (the candidate); an item from
    elsewhere without it takes the left model as model_a.
    """
    model_a = item.metadata.get("model_a") or item.model_left
    if model_a == item.model_left:
        return model_a, item.model_right, True
    if model_a == item.model_right:
        return model_a, item.model_left, False
    raise UserError(
        f"item {item.id}: metadata model_a {model_a!r} is neither shown model "
        f"({item.model_left!r}, {item.model_right!r})"
    )


def blind(item: Item) -> Item:
    """What a rater may see of an item: no model names, gold answer, side seed or gold flag."""
    return item.model_copy(
        update={
            "model_left": None,
            "model_right": None,
            "model": None,
            "gold_answer": None,
            "side_seed": None,
            "is_gold": False,
            "metadata": {k: v for k, v in item.metadata.items() if k in RATER_METADATA_KEYS},
        }
    )


# ---------------------------------------------------------------------------- helpers


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # the driver must not open transactions itself: the "begin" listener does it
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


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


def _chunks(values: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _as_int(column: Any) -> Any:
    from sqlalchemy import case

    return case((column.is_(True), 1), else_=0)


def _current_grade_join() -> Any:
    g, a = grades_table, assignments_table
    return and_(g.c.item_id == a.c.item_id, g.c.rater_id == a.c.rater_id, g.c.is_current.is_(True))


def _rater(row: Any) -> Rater:
    return Rater(
        id=row.id,
        name=row.name,
        role=row.role,
        active=bool(row.active),
        created_at=row.created_at,
        has_password=row.password_hash is not None,
        has_token=row.token_hash is not None,
    )


ITEM_FIELDS = tuple(Item.model_fields)
GRADE_FIELDS = tuple(Grade.model_fields)


def _item_row(item: Item) -> dict[str, Any]:
    row = item.model_dump(mode="json")
    row["created_at"] = utc_now()
    return row


def _item(row: Any) -> Item:
    return _item_from_values(tuple(row))


def _item_from_values(values: Sequence[Any]) -> Item:
    data = dict(zip([c.name for c in items_table.c], values, strict=True))
    data.pop("created_at")
    data["is_gold"] = bool(data["is_gold"])
    data["metadata"] = data["metadata"] or {}
    return Item.model_validate(data)


def _grade_row(grade: Grade) -> dict[str, Any]:
    return grade.model_dump(mode="json")


def _grade(row: Any) -> Grade:
    return _grade_from_values(tuple(row))


def _grade_from_values(values: Sequence[Any]) -> Grade:
    data = dict(zip([c.name for c in grades_table.c], values, strict=True))
    data.pop("id")
    data.pop("is_current")
    data["skipped"] = bool(data["skipped"])
    data["flagged"] = bool(data["flagged"])
    for name in ("violation", "refused"):
        if data[name] is not None:
            data[name] = bool(data[name])
    return Grade.model_validate(data)


def _same_payload(a: Grade, b: Grade) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in PAYLOAD_FIELDS)


def _check_payload(grade: Grade, kind: str) -> None:
    """A grade must answer its item's rubric, unless it is a skip or a bare flag."""
    where = f"grade of item {grade.item_id!r} by {grade.rater_id!r}"
    if grade.skipped or (grade.flagged and _is_empty(grade)):
        return
    if kind == "sxs" and grade.choice is None:
        raise UserError(f"{where}: a side-by-side grade needs a choice (−2..2)")
    if kind == "summarization":
        dims = grade.dimensions or {}
        missing = [d for d in SUMMARY_DIMENSIONS if d not in dims]
        unknown = [d for d in dims if d not in SUMMARY_DIMENSIONS]
        if missing or unknown:
            raise UserError(f"{where}: dimensions missing {missing}, unknown {unknown}")
    if kind == "safety" and grade.violation is None:
        raise UserError(f"{where}: a safety grade needs violation yes/no")


def _is_empty(grade: Grade) -> bool:
    return grade.choice is None and not grade.dimensions and grade.violation is None
