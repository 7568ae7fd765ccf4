"""Grades: saving one (one transaction, with revisions), and the admin views and frames of them.

`save_grade` keeps one current grade per (rater, item), a change of mind being a new revision,
and checks that the grade answers its item, that a registered rater is active and assigned,
and (from the app) that the session is still valid. `grade_frame` is what the statistics read.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, text, update

from evalkit.errors import UserError
from evalkit.records import Grade, Item
from evalkit.store.base import StoreBase
from evalkit.store.login import SessionEnded, _session_problem
from evalkit.store.schema import (
    _current_grade_join,
    _grade,
    _grade_from_values,
    _grade_row,
    _item_from_values,
    assignments_table,
    grades_table,
    items_table,
    raters_table,
)

# the grade fields that make up "what the rater said" (a resubmission of the same is a no-op)
PAYLOAD_FIELDS = (
    "grader",
    "choice",
    "dimensions",
    "violation",
    "violation_category",
    "refused",
    "answers",
    "skipped",
    "flagged",
    "comment",
)


class GradesMixin(StoreBase):
    """The grades part of `GradeStore`."""

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


def _as_int(column: Any) -> Any:
    from sqlalchemy import case

    return case((column.is_(True), 1), else_=0)


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


ANSWER_FIELDS = ("choice", "dimensions", "violation", "violation_category", "refused", "answers")


def _is_empty(grade: Grade) -> bool:
    """No answer at all (a bare flag or a skip)."""
    return all(getattr(grade, field) in (None, {}) for field in ANSWER_FIELDS)
