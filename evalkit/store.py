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
- the schema version is checked when a store is opened: a store of an older version is
  migrated in one transaction, one of a newer version is a clear `UserError`, not a crash in
  the middle of grading;
- no grade without a durable write: SQLite commits with `synchronous = FULL`, and every write
  checks, inside its transaction and again after the commit, that the file at the store's
  path is still the one opened (st_dev, st_ino) and that the database is still the same store
  (`meta.store_id`, which also guards a PostgreSQL URL now pointing elsewhere). A deleted or
  replaced store raises `StoreGone` and the store object refuses every later write. A SQLite
  file is created 0600 (its -wal and -shm files follow) and never re-created by a connection
  (`mode=rw`), so a deleted store is an error, not a silently new empty one;
- sign-in is rate limited per name and per client address with growing delays and temporary
  locks kept in the store (`login_limits`), checked *before* any password hash is computed, and
  every attempt is written to an audit log (`auth_log`); tokens expire; `secret_version` lets a
  session notice a reset secret or a deactivation at once (`session_problem`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

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
    delete,
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

SCHEMA_VERSION = 2  # 2: login limits, audit log, token expiry, secret versions, store id
DB_ENV = "EVALKIT_DB"
DEFAULT_DB_NAME = "grades.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_RETRIES = 20
STORE_FILE_MODE = 0o600  # the SQLite file (and so its -wal and -shm): the owner only
DEFAULT_TOKEN_DAYS = 90
RATER_PASSWORD_MIN = 8
ADMIN_PASSWORD_MIN = 12
AUDIT_KEEP = 100_000  # the audit log keeps this many latest sign-in attempts
TOKEN_WORDS = "reusable until reset or expired"  # what a token is, said the same way everywhere

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
    # bumped whenever the password or token changes or the rater is deactivated: a session
    # signed in under an older version ends at its next page load or submit
    Column("secret_version", Integer, nullable=False, default=1, server_default="1"),
    Column("token_expires_at", String(40)),  # ISO UTC; a token is refused after it
)

# sign-in limits: one row per "name:<name>" and "client:<address>" with recent failures
login_limits_table = Table(
    "login_limits",
    metadata_obj,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locks", Integer, nullable=False),  # locks so far: each one lasts twice as long
    Column("next_allowed", Float, nullable=False),  # epoch seconds: no attempt before this
    Column("last_failure", Float, nullable=False),
)

# every sign-in attempt: success, failure, refused (limited), expired, inactive
auth_log_table = Table(
    "auth_log",
    metadata_obj,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("client", String(100)),
    Column("outcome", String(20), nullable=False),
    Column("detail", Text),
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
    secret_version: int = 1
    token_expires_at: str | None = None


class StoreGone(UserError):
    """The store the run points to is not the one opened (deleted, replaced, another database):
    nothing more is written to it."""


class StoreBusy(UserError):
    """A write waited its whole time budget for the store's write lock; nothing was written."""


class SessionEnded(UserError):
    """A rater's session is no longer valid (deactivated, secret reset, token expired)."""


@dataclass(frozen=True)
class LoginPolicy:
    """Sign-in limits, per name and per client address (failures within `window` seconds).

    A name: every failure after the first makes the next attempt wait (1 s, 2 s, 4 s …), and
    `name_lock_after` failures lock the name for `lock_seconds`, twice as long for each further
    lock (up to `max_lock`). A client address allows more failures (several raters may share
    one address) before the same delays and locks. A refused attempt computes no hash."""

    name_free: int = 1
    name_lock_after: int = 5
    client_free: int = 10
    client_lock_after: int = 30
    lock_seconds: float = 60.0
    max_lock: float = 24 * 3600.0
    max_delay: float = 30.0
    window: float = 15 * 60.0  # failures older than this (and not locked) are forgotten
    lock_memory: float = 24 * 3600.0  # locks older than this are forgotten

    def delay(self, failures: int, free: int) -> float:
        return 0.0 if failures <= free else min(2.0 ** (failures - free - 1), self.max_delay)

    def lock(self, locks: int) -> float:
        return min(self.lock_seconds * 2.0**locks, self.max_lock)


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt: the rater on success, else a message to show."""

    outcome: Literal["success", "failure", "refused", "expired", "inactive"]
    rater: Rater | None = None
    message: str = ""
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        return self.rater is not None


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
                "postgresql:// URL; `evalkit store init` or `evalkit plan` creates one)"
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


# A small built-in list of the most common passwords and their stems (lower case): an admin
# password equal to one of them, or to one followed by digits and symbols ("Password2024!"), is
# refused. It is no breach corpus: it catches the obvious, a passphrase or a password manager
# does the rest.
COMMON_PASSWORDS = frozenset(
    """
    password passw0rd p@ssword p@ssw0rd pass passwort motdepasse contrasena senha parola
    admin administrator admin123 root toor superuser changeme change_me default letmein
    welcome welcome1 hello hello123 iloveyou trustno1 secret secret123 master login guest
    qwerty qwertz azerty qwertyuiop asdfghjkl zxcvbnm 1q2w3e4r 1q2w3e4r5t6y qazwsx qazwsxedc
    abc123 abcdef abcd1234 monkey dragon football baseball soccer hockey batman superman
    sunshine princess shadow michael jessica charlie starwars whatever freedom computer
    internet server database evalkit streamlit grader graders rating rater raters
    correcthorsebatterystaple
    password1 password12 password123 password1234 password12345 password123456
    passwordpassword adminadmin rootroot qwerty123 qwerty1234 qwerty123456 1qaz2wsx3edc
    123456 1234567 12345678 123456789 1234567890 0123456789 123123 111111 000000 654321
    123456789012 1234567890123 111111111111 000000000000 123123123123
    """.split()
)
_SEQUENCES = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz",
              "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm",
              "azertyuiopqsdfghjklmwxcvbn")  # fmt: skip
_TRAILING = "0123456789!@#$%^&*()-_=+.,;:?/~ "
PASSWORD_RULES = (
    f"admin passwords need at least {ADMIN_PASSWORD_MIN} characters and must not be a common "
    "password (evalkit checks a small built-in list, with digits or symbols appended, plus "
    "keyboard or alphabet runs and one repeated character); rater passwords need at least "
    f"{RATER_PASSWORD_MIN}. Use a passphrase or a password manager."
)


def password_problem(password: str, role: str) -> str | None:
    """Why a password is too weak for the role (None: acceptable)."""
    minimum = ADMIN_PASSWORD_MIN if role == "admin" else RATER_PASSWORD_MIN
    if len(password) < minimum:
        return f"password must be at least {minimum} characters"
    if role != "admin":
        return None
    lowered = password.lower()
    stem = lowered.rstrip(_TRAILING)
    squashed = "".join(ch for ch in lowered if ch.isalnum())
    if lowered in COMMON_PASSWORDS or stem in COMMON_PASSWORDS or squashed in COMMON_PASSWORDS:
        return "a common password; choose another (a passphrase works well)"
    if len(set(lowered)) <= 2:
        return "too few different characters"
    if not stem or any(stem in run or stem in run[::-1] for run in _SEQUENCES):
        return "a keyboard or alphabet run, or only digits and symbols"
    return None


def check_rater(name: str, role: str, password: str | None = None) -> str:
    """The rater's name (stripped) if name, role and password are acceptable; else UserError
    (checked before a store is opened or created, so a typo leaves nothing behind)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("rater name: must be 1-200 characters")
    if ":" in name:
        raise UserError(f"rater name {name!r}: ':' is reserved for automatic graders")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError(f"rater name {name!r}: no control or invisible characters")
    if role not in ("rater", "admin"):
        raise UserError(f"rater {name!r}: role must be 'rater' or 'admin', not {role!r}")
    if password is not None:
        check_password(name, role, password)
    return name


def check_password(name: str, role: str, password: str) -> None:
    problem = password_problem(password, role)
    if problem:
        raise UserError(f"{role} {name!r}: {problem} ({PASSWORD_RULES})")


def token_expiry(days: float | None) -> str:
    """The ISO UTC time a token issued now expires (`days` from now; default 90)."""
    days = DEFAULT_TOKEN_DAYS if days is None else days
    if not 0 < days <= 3650:
        raise UserError(f"token lifetime {days:g} days: use more than 0 and at most 3650 days")
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")


def _expired(expires_at: str | None, now: float) -> bool:
    if not expires_at:
        return False
    try:
        return datetime.fromisoformat(expires_at).timestamp() <= now
    except ValueError:
        return True  # an unreadable expiry is no licence to sign in


def _readable_time(iso: str | None) -> str:
    return (iso or "?").replace("T", " ").replace("+00:00", " UTC")


# ---------------------------------------------------------------------------- the store


class GradeStore:
    """Raters, items, assignments and grades in SQLite (a path) or PostgreSQL (a URL).

    Open with `GradeStore("runs/x/grades.sqlite")`, `GradeStore("postgresql://u:p@host/db")`
    or `open_run_store(run_dir, db)`. Thread-safe: share one store between threads (each call
    takes its own connection from the pool). Close with `close()` or use it as a context manager.
    """

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
            elif version == "1":
                _migrate_1_to_2(conn)
            elif version != str(SCHEMA_VERSION):
                raise UserError(
                    f"{self.display_url}: grade store has schema version {version}, this evalkit "
                    f"expects {SCHEMA_VERSION} (and migrates 1); use a matching evalkit or a new "
                    "store (--db)"
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

    def __enter__(self) -> GradeStore:
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

    # -- raters

    def add_rater(
        self,
        name: str,
        role: RaterRole = "rater",
        password: str | None = None,
        *,
        token_days: float | None = None,
    ) -> str | None:
        """Register a rater. With a password: stored as an argon2id hash, returns None.

        Without: returns a sign-in token, shown once (only its SHA-256 is stored). The token is
        reusable until it is reset (`reset_token`) or expires (`token_days`, default 90). The
        rater's id is its name. Admin passwords must pass `password_problem`.
        """
        name = check_rater(name, role, password)
        token = None if password is not None else secrets.token_urlsafe(24)
        row = {
            "id": name,
            "name": name,
            "role": role,
            "password_hash": hash_password(password) if password is not None else None,
            "token_hash": _token_hash(token) if token else None,
            "token_expires_at": token_expiry(token_days) if token else None,
            "secret_version": 1,
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

    def set_secret(
        self, name: str, password: str | None = None, *, token_days: float | None = None
    ) -> str | None:
        """Replace a rater's secret: a new password (returns None) or a new token (returned
        once). The old secret stops working and the rater's open sessions end."""
        found = self.rater(name)
        if found is None:
            raise UserError(f"no rater named {name!r} in {self.display_url}")
        if password is not None:
            check_password(name, found.role, password)
        token = None if password is not None else secrets.token_urlsafe(24)
        values = {
            "password_hash": hash_password(password) if password is not None else None,
            "token_hash": _token_hash(token) if token else None,
            "token_expires_at": token_expiry(token_days) if token else None,
            "secret_version": raters_table.c.secret_version + 1,
        }

        def work(conn: Connection) -> None:
            done = conn.execute(
                update(raters_table).where(raters_table.c.name == name).values(**values)
            )
            if done.rowcount != 1:
                raise UserError(f"no rater named {name!r} in {self.display_url}")

        self._write(work)
        return token

    def reset_token(self, name: str, *, token_days: float | None = None) -> str:
        """A new token for the rater (returned once): the old one stops working and the
        rater's open sessions end."""
        token = self.set_secret(name, None, token_days=token_days)
        assert token is not None
        return token

    def set_active(self, name: str, active: bool) -> None:
        """Deactivate (or reactivate) a rater: an inactive rater cannot sign in or grade, and
        a deactivation ends the rater's open sessions (reactivating does not revive them)."""
        values: dict[str, Any] = {"active": active}
        if not active:
            values["secret_version"] = raters_table.c.secret_version + 1

        def work(conn: Connection) -> None:
            done = conn.execute(
                update(raters_table).where(raters_table.c.name == name).values(**values)
            )
            if done.rowcount != 1:
                raise UserError(f"no rater named {name!r} in {self.display_url}")

        self._write(work)

    def authenticate(self, name: str, secret: str, client: str | None = None) -> Rater | None:
        """The active rater `name` if `secret` is its password or unexpired token; else None.
        Limited and audited like every sign-in (see `sign_in`)."""
        return self.sign_in(name, secret, client).rater

    def sign_in(self, name: str, secret: str, client: str | None = None) -> SignIn:
        """One sign-in attempt, limited per name and per client address (`login_policy`) and
        written to the audit log.

        The attempt is first counted as a failure in one transaction (so concurrent attempts
        cannot slip past the limit together), refused there without computing any hash when
        the name or the client must wait or is locked, then checked (token: SHA-256; password:
        argon2id, or the same work on a dummy hash for an unknown name), and on success the
        counts are taken back."""
        name = (name or "").strip()[:200]
        client = (client or "").strip()[:100] or None
        keys = [f"name:{name}", *([f"client:{client}"] if client else [])]
        now = self.clock()
        refused = self._reserve_attempt(keys, now)
        if refused is not None:
            wait = max(1, round(refused))
            self._audit(name, client, "refused", f"limited: next attempt in {wait} s")
            return SignIn(
                "refused",
                message=(
                    "Too many failed sign-ins for this name or from this address: try again "
                    f"in {_duration(wait)}."
                ),
                retry_after=float(wait),
            )
        with self.engine.connect() as conn:
            row = conn.execute(select(raters_table).where(raters_table.c.name == name)).first()
        correct = self._secret_matches(row, secret)
        if not correct or row is None:
            self._audit(name, client, "failure", "unknown name or wrong secret")
            return SignIn("failure", message="Unknown name, or wrong password or token.")
        self._forgive_attempt(keys, now)
        if not row.active:
            self._audit(name, client, "inactive", "secret correct, rater deactivated")
            return SignIn("inactive", message="This rater is deactivated: ask your admin.")
        if row.password_hash is None and _expired(row.token_expires_at, now):
            when = _readable_time(row.token_expires_at)
            self._audit(name, client, "expired", f"token expired {when}")
            return SignIn(
                "expired",
                message=(
                    f"Your sign-in token expired on {when}: ask your admin for a new one "
                    "(`evalkit raters reset-token NAME`)."
                ),
            )
        self._audit(name, client, "success", "password" if row.password_hash else "token")
        return SignIn("success", rater=_rater(row))

    def _secret_matches(self, row: Any, secret: str) -> bool:
        if row is not None and row.token_hash:
            if hmac.compare_digest(row.token_hash, _token_hash(secret)):
                return True
        return _verify_password(row.password_hash if row is not None else None, secret)

    def _reserve_attempt(self, keys: Sequence[str], now: float) -> float | None:
        """Count this attempt as a failure of every key, unless one of them must wait: then
        return the seconds to wait and count nothing."""
        policy = self.login_policy

        def work(conn: Connection) -> float | None:
            self._lock_keys(conn, keys)
            rows = {
                row.key: row
                for row in conn.execute(
                    select(login_limits_table).where(login_limits_table.c.key.in_(list(keys)))
                )
            }
            wait = max((rows[k].next_allowed - now for k in rows), default=0.0)
            if wait > 0:
                return wait
            for key in keys:
                free, lock_after = (
                    (policy.name_free, policy.name_lock_after)
                    if key.startswith("name:")
                    else (policy.client_free, policy.client_lock_after)
                )
                row = rows.get(key)
                failures = 0 if row is None else row.failures
                locks = 0 if row is None else row.locks
                last = 0.0 if row is None else row.last_failure
                if now - last > policy.window:
                    failures = 0
                if now - last > policy.lock_memory:
                    locks = 0
                failures += 1
                if failures >= lock_after:
                    next_allowed, failures, locks = now + policy.lock(locks), 0, locks + 1
                else:
                    next_allowed = now + policy.delay(failures, free)
                values = {
                    "failures": failures,
                    "locks": locks,
                    "next_allowed": next_allowed,
                    "last_failure": now,
                }
                if row is None:
                    conn.execute(insert(login_limits_table).values(key=key, **values))
                else:
                    conn.execute(
                        update(login_limits_table)
                        .where(login_limits_table.c.key == key)
                        .values(**values)
                    )
            return None

        return self._write(work)

    def _lock_keys(self, conn: Connection, keys: Sequence[str]) -> None:
        """PostgreSQL: one attempt at a time per key (SQLite's BEGIN IMMEDIATE already lets one
        writer in), so concurrent attempts cannot all read the same count and slip past."""
        if self.is_sqlite:
            return
        for key in sorted(keys):  # one order: no deadlock between a name and an address
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def _forgive_attempt(self, keys: Sequence[str], now: float) -> None:
        """The secret was right: the name starts afresh; the client address gets back the
        failure this attempt was counted as (its earlier failures stay)."""

        def work(conn: Connection) -> None:
            self._lock_keys(conn, keys)
            for key in keys:
                if key.startswith("name:"):
                    conn.execute(delete(login_limits_table).where(login_limits_table.c.key == key))
                    continue
                row = conn.execute(
                    select(login_limits_table).where(login_limits_table.c.key == key)
                ).first()
                if row is None or row.failures == 0:
                    continue  # it locked on this attempt: the lock stands
                failures = row.failures - 1
                if failures == 0 and row.locks == 0:  # nothing left to remember
                    conn.execute(delete(login_limits_table).where(login_limits_table.c.key == key))
                    continue
                next_allowed = (
                    row.last_failure
                    + self.login_policy.delay(failures, self.login_policy.client_free)
                    if failures
                    else 0.0
                )
                conn.execute(
                    update(login_limits_table)
                    .where(login_limits_table.c.key == key)
                    .values(failures=failures, next_allowed=min(next_allowed, row.next_allowed))
                )

        self._write(work)

    def _audit(self, name: str, client: str | None, outcome: str, detail: str) -> None:
        def work(conn: Connection) -> None:
            new_id = conn.execute(
                insert(auth_log_table).values(
                    at=utc_now(), name=name, client=client, outcome=outcome, detail=detail
                )
            ).inserted_primary_key[0]
            if new_id and new_id % 1000 == 0:  # keep the latest AUDIT_KEEP rows
                old = auth_log_table.c.id <= new_id - AUDIT_KEEP
                conn.execute(delete(auth_log_table).where(old))

        self._write(work)

    def auth_log(self, limit: int = 100) -> pd.DataFrame:
        """Admin view: the latest sign-in attempts, newest first (at, name, client, outcome,
        detail). Failed attempts keep the name as typed."""
        query = select(
            auth_log_table.c.at,
            auth_log_table.c.name,
            auth_log_table.c.client,
            auth_log_table.c.outcome,
            auth_log_table.c.detail,
        ).order_by(auth_log_table.c.id.desc())
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame(rows, columns=["at", "name", "client", "outcome", "detail"])

    def login_limits(self) -> pd.DataFrame:
        """Admin view: the names and addresses with recent failures or a lock."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(login_limits_table).order_by(login_limits_table.c.key))
            frame = pd.DataFrame(rows.all(), columns=[c.name for c in login_limits_table.c])
        return frame

    def session_problem(self, rater_id: str, secret_version: int) -> str | None:
        """Why a session signed in as `rater_id` under `secret_version` must end now (None: it
        may go on): the rater is gone or deactivated, the secret was reset, the token expired.
        The app asks on every page load and every submit."""
        with self.engine.connect() as conn:
            row = conn.execute(select(raters_table).where(raters_table.c.id == rater_id)).first()
        return _session_problem(row, secret_version, self.clock())

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

    def save_grade(self, grade: Grade, *, session_version: int | None = None) -> Grade:
        """Store one grade in one transaction and return it as stored (with its revision).

        A second grade by the same rater on the same item is a revision: the earlier row stays
        in the history with is_current = false, the new one becomes current. Resubmitting exactly
        what is already current (a double click) is a no-op that returns the current grade.
        A registered rater must be active and assigned to the item; unregistered ids are
        automatic graders (`auto:*`, `judge:*`) or imported annotators. `session_version` (the
        app's signed-in session): the rater's secret must not have changed since sign-in
        (`SessionEnded` otherwise), checked in the same transaction. Returning means the
        transaction committed to the store opened (see `_write`).
        """

        def work(conn: Connection) -> Grade:
            if session_version is not None:
                row = conn.execute(
                    select(raters_table).where(raters_table.c.id == grade.rater_id)
                ).first()
                problem = _session_problem(row, session_version, self.clock())
                if problem:
                    raise SessionEnded(problem)
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


def _meta(conn: Connection, key: str) -> str | None:
    found = conn.execute(
        select(meta_table.c.value).where(meta_table.c.key == key)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def _migrate_1_to_2(conn: Connection) -> None:
    """Schema 1 -> 2 in the opening transaction: the raters' secret version and token expiry
    (tokens issued before expiry existed expire 90 days from the migration), the sign-in
    limits and the audit log."""
    conn.execute(text("ALTER TABLE raters ADD COLUMN secret_version INTEGER NOT NULL DEFAULT 1"))
    conn.execute(text("ALTER TABLE raters ADD COLUMN token_expires_at VARCHAR(40)"))
    conn.execute(
        update(raters_table)
        .where(raters_table.c.token_hash.is_not(None))
        .values(token_expires_at=token_expiry(None))
    )
    login_limits_table.create(conn, checkfirst=True)
    auth_log_table.create(conn, checkfirst=True)
    conn.execute(update(meta_table).where(meta_table.c.key == "schema_version").values(value="2"))
    conn.execute(insert(meta_table).values(key="migrated_1_to_2_at", value=utc_now()))


def _session_problem(row: Any, secret_version: int, now: float) -> str | None:
    if row is None:
        return "Your rater account no longer exists in this grade store: you were signed out."
    if not row.active:
        return "An admin deactivated your rater account: you were signed out."
    if int(row.secret_version or 1) != int(secret_version):
        return (
            "Your password or token was changed or reset: you were signed out. Sign in with "
            "the new one."
        )
    if row.password_hash is None and _expired(row.token_expires_at, now):
        return (
            f"Your sign-in token expired on {_readable_time(row.token_expires_at)}: you were "
            "signed out. Ask your admin for a new one."
        )
    return None


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


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
        secret_version=int(row.secret_version or 1),
        token_expires_at=row.token_expires_at,
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
    """A grade must answer its item's rubric (the kind's check), unless it is a skip or a bare
    flag. The store has no rubric: the kind checks the shape; the app, Label Studio and the
    judge check against the rubric before saving."""
    from evalkit.kinds import get_kind

    if grade.skipped or (grade.flagged and _is_empty(grade)):
        return
    get_kind(kind).check_grade(grade, None)


ANSWER_FIELDS = ("choice", "dimensions", "violation", "violation_category", "refused")


def _is_empty(grade: Grade) -> bool:
    """No answer at all (a bare flag or a skip)."""
    return all(getattr(grade, field) in (None, {}) for field in ANSWER_FIELDS)
