"""The grade store's tables, and how their rows become records.

The SQLAlchemy Core tables (one definition for SQLite and PostgreSQL; `uq_grade_current` is
the rule of one current grade per rater and item), the schema version with the migrations
from versions 1 and 2, the `Rater` record, and the converters between rows and `Item`, `Grade`
and `Rater`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
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
    insert,
    select,
    text,
    update,
)

from evalkit.records import Grade, Item, utc_now
from evalkit.store.credentials import token_expiry

# 2: login limits, audit log, token expiry, secret versions, store id; 3: grades.answers
SCHEMA_VERSION = 3

RaterRole = Literal["rater", "admin"]

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
    Column("answers", JSON),  # a kind's own answers (Grade.answers)
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


def _migrate_2_to_3(conn: Connection) -> None:
    """Schema 2 -> 3 in the opening transaction: grades get `answers`, the answers of a kind
    whose grade fits none of the built-in fields (a project's own kind)."""
    conn.execute(text("ALTER TABLE grades ADD COLUMN answers JSON"))
    conn.execute(update(meta_table).where(meta_table.c.key == "schema_version").values(value="3"))
    conn.execute(insert(meta_table).values(key="migrated_2_to_3_at", value=utc_now()))


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
