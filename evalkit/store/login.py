"""Signing in and staying signed in: rate-limited, audited sign-in and session checks.

`sign_in` counts an attempt as a failure before any hash is computed (so concurrent attempts
cannot slip past the limits of `LoginPolicy` together), then checks the secret, and writes every
attempt to the audit log (the latest `AUDIT_KEEP`). `session_problem` tells the app when a
signed-in session must end (deactivated, secret reset, token expired); `save_grade` asks the
same in its transaction.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, text, update

from evalkit.errors import UserError
from evalkit.records import utc_now
from evalkit.store.base import StoreBase
from evalkit.store.credentials import _expired, _readable_time, _token_hash, _verify_password
from evalkit.store.schema import Rater, _rater, auth_log_table, login_limits_table, raters_table

AUDIT_KEEP = 100_000  # the audit log keeps this many latest sign-in attempts


class SessionEnded(UserError):
    """A rater's session is no longer valid (deactivated, secret reset, token expired)."""


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


class LoginMixin(StoreBase):
    """The sign-in part of `GradeStore`."""

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
            key = conn.execute(
                insert(auth_log_table).values(
                    at=utc_now(), name=name, client=client, outcome=outcome, detail=detail
                )
            ).inserted_primary_key
            new_id = key[0] if key is not None else None
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
