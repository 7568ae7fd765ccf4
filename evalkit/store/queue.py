"""What a rater sees: their own queue, one blinded item at a time, and their own grades.

Every item returned here goes through `blind` (no model names, gold answer, side seed or gold
flag, and only the metadata in `RATER_METADATA_KEYS`), and no call returns another rater's
grades: the app shows a rater nothing else.
"""

from __future__ import annotations

from sqlalchemy import func, select

from evalkit.records import Grade, Item
from evalkit.store.base import StoreBase
from evalkit.store.schema import (
    _current_grade_join,
    _grade,
    _item,
    assignments_table,
    grades_table,
    items_table,
)

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


class QueueMixin(StoreBase):
    """The rater-facing (blinded) part of `GradeStore`."""

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
