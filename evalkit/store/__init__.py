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

The package, one part per module (`GradeStore` combines the mixins; import everything from
`evalkit.store`):

- `urls`: a `--db` path or URL checked, normalized and printable (`normalize_url`, `safe_url`);
- `credentials`: password and token hashing, password and name rules, token lifetimes, the
  sign-in limits policy (no database);
- `schema`: the tables, the schema version and migration, row <-> record converters;
- `base`: opening a store, the "still the one opened" guard, the write transaction;
- `raters`: registering raters, their secrets and activation;
- `login`: rate-limited, audited sign-in and session checks;
- `items`: items, assignments and the plan secret;
- `queue`: the rater-facing, blinded calls;
- `grades`: saving grades (revisions) and the admin views and frames of them;
- `grade_store`: `GradeStore` and `open_run_store`.
"""

from evalkit.store.base import STORE_FILE_MODE, WRITE_RETRIES, StoreBusy, StoreGone
from evalkit.store.credentials import (
    ADMIN_PASSWORD_MIN,
    COMMON_PASSWORDS,
    DEFAULT_TOKEN_DAYS,
    PASSWORD_RULES,
    RATER_PASSWORD_MIN,
    TOKEN_WORDS,
    LoginPolicy,
    check_password,
    check_rater,
    hash_password,
    password_problem,
    token_expiry,
)
from evalkit.store.grade_store import GradeStore, open_run_store
from evalkit.store.grades import ANSWER_FIELDS, PAYLOAD_FIELDS
from evalkit.store.login import AUDIT_KEEP, SessionEnded, SignIn
from evalkit.store.queue import RATER_METADATA_KEYS, blind
from evalkit.store.schema import (
    GRADE_FIELDS,
    ITEM_FIELDS,
    SCHEMA_VERSION,
    Rater,
    RaterRole,
    assignments_table,
    auth_log_table,
    grades_table,
    items_table,
    login_limits_table,
    meta_table,
    metadata_obj,
    raters_table,
)
from evalkit.store.urls import (
    DB_ENV,
    DEFAULT_DB_NAME,
    SQLITE_BUSY_TIMEOUT_MS,
    SQLITE_MAGIC,
    check_sqlite_file,
    normalize_url,
    safe_url,
    store_url_for_run,
)

__all__ = [
    "ADMIN_PASSWORD_MIN",
    "ANSWER_FIELDS",
    "AUDIT_KEEP",
    "COMMON_PASSWORDS",
    "DB_ENV",
    "DEFAULT_DB_NAME",
    "DEFAULT_TOKEN_DAYS",
    "GRADE_FIELDS",
    "ITEM_FIELDS",
    "PASSWORD_RULES",
    "PAYLOAD_FIELDS",
    "RATER_METADATA_KEYS",
    "RATER_PASSWORD_MIN",
    "SCHEMA_VERSION",
    "SQLITE_BUSY_TIMEOUT_MS",
    "SQLITE_MAGIC",
    "STORE_FILE_MODE",
    "TOKEN_WORDS",
    "WRITE_RETRIES",
    "GradeStore",
    "LoginPolicy",
    "Rater",
    "RaterRole",
    "SessionEnded",
    "SignIn",
    "StoreBusy",
    "StoreGone",
    "assignments_table",
    "auth_log_table",
    "blind",
    "check_password",
    "check_rater",
    "check_sqlite_file",
    "grades_table",
    "hash_password",
    "items_table",
    "login_limits_table",
    "meta_table",
    "metadata_obj",
    "normalize_url",
    "open_run_store",
    "password_problem",
    "raters_table",
    "safe_url",
    "store_url_for_run",
    "token_expiry",
]
