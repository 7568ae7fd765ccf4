"""The rater and admin app's logic in plain Python, so it is tested without Streamlit or a browser.

`app/rater_app.py` only draws widgets; everything it decides lives here:
- which store to open (explicit > EVALKIT_RUN_DIR/EVALKIT_DB environment, set by `evalkit app`);
- blinding: a rater sees a `RaterView`, which has no field for a model name, run id, score or gold
  answer, so no rendering mistake can leak one;
- turning a rater's answers into a `Grade` (with the checks a form needs);
- the admin tables: progress per rater and kind, agreement so far, gold accuracy, grade exports.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.assignment import gold_passed
from evalkit.errors import UserError
from evalkit.records import Grade, Item
from evalkit.rubrics import (
    RATINGS,
    SafetyRubric,
    SideBySideRubric,
    SummarizationRubric,
    load_rubric,
)
from evalkit.stats.proportions import format_rate, rate_row

if TYPE_CHECKING:
    from evalkit.store import GradeStore, Rater

ENV_DB = "EVALKIT_DB"
ENV_RUN_DIR = "EVALKIT_RUN_DIR"
ENV_RUBRICS_DIR = "EVALKIT_RUBRICS_DIR"
ADMIN_ROLE = "admin"
KIND_LABELS = {"sxs": "Side by side", "summarization": "Summarization", "safety": "Safety"}


# --------------------------------------------------------------------------- store and rubrics


def store_location(
    db: str | None = None, run_dir: str | None = None
) -> tuple[str | None, str | None]:
    """(db, run_dir) the app should open: explicit values first, then the environment."""
    return (db or os.environ.get(ENV_DB) or None, run_dir or os.environ.get(ENV_RUN_DIR) or None)


def open_app_store(db: str | None = None, run_dir: str | None = None) -> GradeStore:
    """Open the grade store named by the arguments or by EVALKIT_DB / EVALKIT_RUN_DIR."""
    from evalkit.store import GradeStore, open_run_store

    db, run_dir = store_location(db, run_dir)
    if run_dir:
        if not Path(run_dir).is_dir():
            raise UserError(f"{run_dir}: run folder not found")
        return open_run_store(run_dir, db)
    if db:
        return GradeStore(db)
    raise UserError(
        "no grade store: pass --db URL or a run folder to `evalkit app` "
        f"(or set {ENV_DB} / {ENV_RUN_DIR})"
    )


@dataclass(frozen=True)
class Rubrics:
    """The three rubrics the pages are drawn from (never hard-coded in the app)."""

    sxs: SideBySideRubric
    summarization: SummarizationRubric
    safety: SafetyRubric


def load_rubrics(rubrics_dir: str | os.PathLike[str] | None = None) -> Rubrics:
    rubrics_dir = rubrics_dir or os.environ.get(ENV_RUBRICS_DIR) or None
    return Rubrics(
        sxs=load_rubric("side_by_side", rubrics_dir),  # type: ignore[arg-type]
        summarization=load_rubric("summarization", rubrics_dir),  # type: ignore[arg-type]
        safety=load_rubric("safety", rubrics_dir),  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- session and blinding


@dataclass(frozen=True)
class RaterSession:
    """Who is logged in: only id, name and role are kept in the Streamlit session."""

    id: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN_ROLE

    @classmethod
    def from_rater(cls, rater: Rater) -> RaterSession:
        return cls(id=rater.id, name=rater.name, role=rater.role)


@dataclass(frozen=True)
class RaterView:
    """What a rater may see of an item. It has no field for model names, run ids, scores, other
    raters' grades or gold answers, so the page cannot show (or send) what it does not hold."""

    item_id: str
    kind: str
    category: str | None
    prompt_text: str
    left_text: str | None = None
    right_text: str | None = None
    response_text: str | None = None
    source_text: str | None = None

    @property
    def key(self) -> str:
        """An opaque widget-key suffix: item ids never reach the browser, even in element ids."""
        return widget_key(self.item_id)


def widget_key(item_id: str) -> str:
    return hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:12]


def blind(item: Item) -> RaterView:
    """The rater's view of an item: copy only the fields a rater may see."""
    return RaterView(
        item_id=item.id,
        kind=item.kind,
        category=item.category,
        prompt_text=item.prompt_text,
        left_text=item.left_text,
        right_text=item.right_text,
        response_text=item.response_text,
        source_text=item.source_text,
    )


def progress_text(done: int, assigned: int) -> tuple[float, str]:
    """Fraction for the bar and the words beside it: 'done / assigned'."""
    fraction = min(1.0, done / assigned) if assigned else 0.0
    return fraction, f"Progress: {done} / {assigned} done"


# --------------------------------------------------------------------------- answers -> grades


class AnswerError(ValueError):
    """The form is incomplete; the message tells the rater what to fix."""


@dataclass(frozen=True)
class Extras:
    """What every grading form holds besides the rubric's answer."""

    comment: str | None = None
    flagged: bool = False
    skipped: bool = False
    seconds: float | None = None  # from the item's first render to submit


def _finish(
    view: RaterView, rater_id: str, extras: Extras, answer: dict[str, Any] | None, problem: str
) -> Grade:
    """A skip or a bare flag needs no answer; anything else must answer the rubric."""
    common: dict[str, Any] = {
        "item_id": view.item_id,
        "rater_id": rater_id,
        "grader": "human",
        "comment": (extras.comment or "").strip() or None,
        "flagged": bool(extras.flagged),
        "skipped": bool(extras.skipped),
        "seconds": None if extras.seconds is None else round(max(0.0, extras.seconds), 2),
    }
    if extras.skipped:
        return Grade(**common)
    if answer is None:
        if extras.flagged:
            return Grade(**common)
        raise AnswerError(problem)
    return Grade(**common, **answer)


def sxs_grade(
    view: RaterView, rater_id: str, rubric: SideBySideRubric, choice: int | None, extras: Extras
) -> Grade:
    """A side-by-side grade; `choice` is a value of the rubric's scale (display terms, A = left)."""
    values = [option.value for option in rubric.scale]
    if choice is not None and choice not in values:
        raise AnswerError(f"{choice!r} is not on the scale ({values}).")
    answer = None if choice is None else {"choice": choice}
    problem = "Choose a point on the scale, or Skip (or Flag) this item."
    return _finish(view, rater_id, extras, answer, problem)


def summarization_grade(
    view: RaterView,
    rater_id: str,
    rubric: SummarizationRubric,
    ratings: dict[str, str | None],
    extras: Extras,
) -> Grade:
    """A summarization grade: every dimension of the rubric rated good / neutral / poor."""
    missing = [d.name for d in rubric.dimensions if ratings.get(d.id) not in RATINGS]
    answer = None
    if not missing:
        answer = {"dimensions": {d.id: str(ratings[d.id]) for d in rubric.dimensions}}
    problem = f"Rate every dimension (missing: {', '.join(missing)}), or Skip (or Flag)."
    return _finish(view, rater_id, extras, answer, problem)


def safety_grade(
    view: RaterView,
    rater_id: str,
    rubric: SafetyRubric,
    violation: bool | None,
    category: str | None,
    extras: Extras,
    refused: bool | None = None,
) -> Grade:
    """A safety grade: violation yes/no, its `area/subcategory` when yes, optionally refused."""
    if category is not None and category not in rubric.categories():
        raise AnswerError(f"{category!r} is not a category of the safety rubric.")
    answer: dict[str, Any] | None = None
    if violation is not None:
        if violation and not category and not extras.skipped:
            raise AnswerError("Choose the category of the violation.")
        answer = {
            "violation": violation,
            "violation_category": category if violation else None,
            "refused": refused,
        }
    problem = "Say whether the response is a violation (Yes or No), or Skip (or Flag)."
    return _finish(view, rater_id, extras, answer, problem)


def safety_category_label(rubric: SafetyRubric, category: str) -> str:
    """'Harmful content — Weapons' for 'harmful_content/weapons' (names from the rubric)."""
    area_id, _, sub_id = category.partition("/")
    area = rubric.area(area_id)
    sub = next((s for s in area.subcategories if s.id == sub_id), None)
    return f"{area.name} — {sub.name if sub else sub_id}"


# --------------------------------------------------------------------------- admin tables


@dataclass(frozen=True)
class AdminData:
    """One consistent read of the store for the admin page (unblinded: admins only)."""

    raters: list[Rater]
    items: list[Item]
    assignments: pd.DataFrame  # item_id, rater_id, position, graded
    grades: list[Grade]


def admin_data(store: GradeStore) -> AdminData:
    return AdminData(
        raters=store.raters(),
        items=store.items(),
        assignments=store.assignments(),
        grades=store.current_grades(),
    )


GRADE_COLUMNS = [
    "item_id",
    "kind",
    "run_id",
    "prompt_id",
    "category",
    "is_gold",
    "model_left",
    "model_right",
    "model",
    "rater_id",
    "grader",
    "choice",
    "violation",
    "violation_category",
    "refused",
    "skipped",
    "flagged",
    "comment",
    "seconds",
    "revision",
    "created_at",
]
_ITEM_COLUMNS = GRADE_COLUMNS[1:9]
_GRADE_FIELDS = GRADE_COLUMNS[9:]


def grades_table(
    items: Iterable[Item], grades: Iterable[Grade], dimensions: Sequence[str]
) -> pd.DataFrame:
    """One row per current grade joined to its item (the admin export: unblinded, with models).

    Summarization ratings are one column per rubric dimension so CSV and Parquet stay flat.
    """
    by_id = {item.id: item for item in items}
    rows = []
    for grade in grades:
        item = by_id.get(grade.item_id)
        row: dict[str, Any] = {"item_id": grade.item_id}
        row.update({c: getattr(item, c) if item else None for c in _ITEM_COLUMNS})
        row.update({c: getattr(grade, c) for c in _GRADE_FIELDS})
        row.update({d: (grade.dimensions or {}).get(d) for d in dimensions})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*GRADE_COLUMNS, *dimensions])
    types = {"choice": "Int64", "revision": "Int64", "seconds": "Float64"}
    types |= {c: "boolean" for c in ("is_gold", "violation", "refused", "skipped", "flagged")}
    types |= {c: "string" for c in frame.columns if c not in types}
    return frame.astype(types)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def progress_table(
    raters: Iterable[Rater],
    items: Iterable[Item],
    assignments: pd.DataFrame,
    grades: Iterable[Grade],
) -> pd.DataFrame:
    """Per rater and kind: done / assigned (done = a current grade, skips and flags included)."""
    kind_of = {item.id: item.kind for item in items}
    mine = {(g.rater_id, g.item_id): g for g in grades}
    columns = [
        "rater",
        "role",
        "kind",
        "done",
        "assigned",
        "percent_done",
        "skipped",
        "flagged",
        "median_seconds",
    ]
    rows = []
    for rater in raters:
        own = assignments[assignments["rater_id"] == rater.id]
        for kind in KIND_LABELS:
            ids = [i for i in own["item_id"] if kind_of.get(i) == kind]
            if not ids:
                continue
            graded = [mine[(rater.id, i)] for i in ids if (rater.id, i) in mine]
            seconds = [g.seconds for g in graded if g.seconds is not None]
            rows.append(
                {
                    "rater": rater.name,
                    "role": rater.role,
                    "kind": kind,
                    "done": len(graded),
                    "assigned": len(ids),
                    "percent_done": round(100 * len(graded) / len(ids), 1),
                    "skipped": sum(g.skipped for g in graded),
                    "flagged": sum(g.flagged for g in graded),
                    "median_seconds": round(float(pd.Series(seconds).median()), 1)
                    if seconds
                    else None,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _rate_row(base: dict[str, Any], k: int, n: int) -> dict[str, Any]:
    """A rate with its n and 95% Wilson interval, and as a person reads it."""
    return {**base, **rate_row(k, n), "display": format_rate(k, n)}


def _answers(kind: str, grades: list[Grade], dimension: str | None) -> list[Any]:
    """The comparable answers on one item (skips and bare flags carry none)."""
    if kind == "sxs":
        values = [g.choice for g in grades]
    elif kind == "safety":
        values = [g.violation for g in grades]
    else:
        values = [(g.dimensions or {}).get(dimension or "") for g in grades]
    return [v for v in values if v is not None]


def agreement_table(
    items: Iterable[Item], grades: Iterable[Grade], dimensions: Sequence[str]
) -> pd.DataFrame:
    """Pairwise percent agreement of human raters on items that two or more of them answered.

    sxs is reported twice: the exact scale point and the direction (A / tie / B). Pairs on one
    item are not independent, so the interval is optimistic: this is a health check while
    grading runs; `evalkit stats` reports chance-corrected agreement.
    """
    kind_of = {item.id: item.kind for item in items}
    per_item: dict[str, list[Grade]] = {}
    for grade in grades:
        if grade.grader == "human" and not grade.skipped and grade.item_id in kind_of:
            per_item.setdefault(grade.item_id, []).append(grade)
    measures: list[tuple[str, str, str | None, Any]] = [
        ("sxs", "exact scale point", None, lambda a, b: a == b),
        ("sxs", "direction (A / tie / B)", None, lambda a, b: _sign(a) == _sign(b)),
        ("safety", "violation yes / no", None, lambda a, b: a == b),
        *[("summarization", dim, dim, lambda a, b: a == b) for dim in dimensions],
    ]
    rows = []
    for kind, measure, dimension, same in measures:
        agree = pairs = n_items = 0
        for item_id, item_grades in per_item.items():
            answers = _answers(kind, item_grades, dimension) if kind_of[item_id] == kind else []
            if len(answers) < 2:
                continue
            n_items += 1
            for a, b in combinations(answers, 2):
                pairs += 1
                agree += bool(same(a, b))
        if pairs:
            base = {"kind": kind, "measure": measure, "items": n_items}
            rows.append(_rate_row(base, agree, pairs))
    columns = ["kind", "measure", "items", "k", "n", "rate", "low", "high", "display"]
    return pd.DataFrame(rows, columns=columns).rename(columns={"display": "agreement"})


def alpha_summary(
    store: GradeStore, rubric: SummarizationRubric | None = None, resamples: int = 200
) -> pd.DataFrame:
    """Krippendorff's alpha among human raters so far (`evalkit.stats.agreement.alpha_table`,
    the figures `evalkit stats` reports), with a bootstrap 95% interval; gold items excluded."""
    from evalkit.stats.agreement import alpha_table

    table = alpha_table(
        store.sxs_frame(include_gold=False),
        store.safety_frame(),
        store.summarization_frame(),
        resamples=resamples,
        seed=0,
        rubric=rubric,
    )

    def shown(row: pd.Series) -> str:
        if pd.isna(row["alpha"]):
            return f"n/a (needs 2+ items with 2+ grades and 2+ values; items={row['n_items']})"
        interval = "" if pd.isna(row["low"]) else f" [{row['low']:.2f}, {row['high']:.2f}]"
        return f"{row['alpha']:.2f}{interval} items={row['n_items']}"

    table["alpha (95% CI)"] = table.apply(shown, axis=1) if len(table) else []
    return table


def gold_accuracy_table(
    raters: Iterable[Rater], items: Iterable[Item], grades: Iterable[Grade]
) -> pd.DataFrame:
    """Per human rater: the share of answered gold items where they chose the better side."""
    gold = {item.id: item for item in items if item.is_gold and item.gold_answer}
    names = {rater.id: rater.name for rater in raters}
    counts: dict[str, list[int]] = {}
    for grade in grades:
        item = gold.get(grade.item_id)
        if item is None or grade.grader != "human" or grade.choice is None:
            continue
        tally = counts.setdefault(grade.rater_id, [0, 0])
        tally[0] += int(gold_passed(item, grade.choice))
        tally[1] += 1
    rows = [
        _rate_row({"rater": names.get(rater_id, rater_id)}, k, n)
        for rater_id, (k, n) in sorted(counts.items())
    ]
    columns = ["rater", "k", "n", "rate", "low", "high", "display"]
    return pd.DataFrame(rows, columns=columns).rename(columns={"display": "gold_accuracy"})


# --------------------------------------------------------------------------- launching


def streamlit_command(port: int, host: str) -> list[str]:
    """`streamlit run app/rater_app.py`, headless, no usage statistics, no file watching."""
    from evalkit.paths import PROJECT_ROOT

    script = PROJECT_ROOT / "app" / "rater_app.py"
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", host,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
        "--client.showErrorDetails", "type",
    ]  # fmt: skip


def serve_app(
    run_dir: str | os.PathLike[str] | None,
    db: str | None,
    *,
    port: int = 8501,
    host: str = "127.0.0.1",
    rubrics_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Check the store and rubrics open (a clear error now, not in the page), then serve."""
    import subprocess

    db = db or os.environ.get(ENV_DB) or None
    run = str(Path(run_dir).resolve()) if run_dir else None
    if run is None and not db:
        raise UserError(f"which grade store? give a run folder, --db URL or set ${ENV_DB}")
    if not 1 <= port <= 65535:
        raise UserError(f"--port {port}: use a port between 1 and 65535")
    rubrics = str(Path(rubrics_dir).resolve()) if rubrics_dir else None
    load_rubrics(rubrics)
    with open_app_store(db, run) as store:
        print(
            f"evalkit app: grade store {store.display_url}; open http://{host}:{port}", flush=True
        )
    env = {k: v for k, v in os.environ.items() if k not in (ENV_DB, ENV_RUN_DIR, ENV_RUBRICS_DIR)}
    env |= {ENV_DB: db} if db else {}
    env |= {ENV_RUN_DIR: run} if run else {}
    env |= {ENV_RUBRICS_DIR: rubrics} if rubrics else {}
    return subprocess.call(streamlit_command(port, host), env=env)
