"""Who may grade: registering raters and admins, replacing their secrets, deactivating and
listing them. Signing in is `login.py`; the rules for names and secrets are `credentials.py`.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, insert, select, update

from evalkit.errors import UserError
from evalkit.records import utc_now
from evalkit.store.base import StoreBase
from evalkit.store.credentials import (
    _token_hash,
    check_password,
    check_rater,
    hash_password,
    token_expiry,
)
from evalkit.store.schema import Rater, RaterRole, _rater, raters_table


class RatersMixin(StoreBase):
    """The raters part of `GradeStore`."""

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
