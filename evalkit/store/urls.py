"""Where a grade store lives: a `--db` path or URL made safe to open and safe to print.

A path or `sqlite://` URL becomes a checked SQLite file (a folder, a foreign, empty or truncated
file is a UserError naming it, before SQLite touches it, and a missing one is only created when
asked); `postgresql://` gets the psycopg 3 driver; a URL's password is never printed
(`safe_url`). Kept apart from the store itself so a command can check its `--db` and say which
store a run uses without opening anything.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from evalkit.errors import UserError

DB_ENV = "EVALKIT_DB"
DEFAULT_DB_NAME = "grades.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000


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
