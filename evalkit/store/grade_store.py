"""`GradeStore`, the one class the rest of evalkit opens, assembled from the store's parts,
and `open_run_store`, which opens the store a run uses."""

from __future__ import annotations

import os

from evalkit.store.grades import GradesMixin
from evalkit.store.items import ItemsMixin
from evalkit.store.login import LoginMixin
from evalkit.store.queue import QueueMixin
from evalkit.store.raters import RatersMixin


class GradeStore(RatersMixin, LoginMixin, ItemsMixin, QueueMixin, GradesMixin):
    """Raters, items, assignments and grades in SQLite (a path) or PostgreSQL (a URL).

    Open with `GradeStore("runs/x/grades.sqlite")`, `GradeStore("postgresql://u:p@host/db")`
    or `open_run_store(run_dir, db)`. Thread-safe: share one store between threads (each call
    takes its own connection from the pool). Close with `close()` or use it as a context manager.
    """


def open_run_store(
    run_dir: str | os.PathLike[str], db: str | None = None, *, create: bool = False
) -> GradeStore:
    """The grade store of a run (explicit `db` URL > `$EVALKIT_DB` > `RUN_DIR/grades.sqlite`).

    Only a command that plans or registers raters passes `create`: reading never makes a store.
    """
    from evalkit.rundir import RunDir

    return GradeStore(RunDir(run_dir).store_url(db, create=create), create=create)
