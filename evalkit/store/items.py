"""What gets graded and by whom: items, their assignment to raters' queues, the plan secret.

Written by `evalkit plan` (and imports), read unblinded by the admin views. An item's content
never changes once stored; new assignments go to the end of a rater's queue, in order.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence

import pandas as pd
from sqlalchemy import Connection, func, insert, select

from evalkit.errors import UserError
from evalkit.records import Item, utc_now
from evalkit.store.base import StoreBase
from evalkit.store.schema import (
    _current_grade_join,
    _item,
    _item_row,
    assignments_table,
    grades_table,
    items_table,
    meta_table,
    raters_table,
)


class ItemsMixin(StoreBase):
    """The items and assignments part of `GradeStore`."""

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
                for found in conn.execute(select(items_table).where(items_table.c.id.in_(chunk))):
                    existing[found.id] = _item(found)
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


def _chunks(values: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
