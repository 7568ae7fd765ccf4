"""The rater and admin app's logic in plain Python, so it is tested without Streamlit or a browser.

`app/rater_app.py` only draws widgets; everything it decides lives here, and nothing here knows a
grading kind by name (every kind is asked through `evalkit.kinds`):
- which store to open (explicit > EVALKIT_RUN_DIR/EVALKIT_DB environment, set by `evalkit app`)
  and the rubric of every registered kind;
- blinding: a rater's page is drawn from the kind's `View`, which has no field for a model name,
  run id, score, gold answer or item id; what identifies the item in the browser (widget and form
  keys) is a random per-session handle, mapped to the item id on the server only (`Handles`);
- turning a form's answers into a `Grade` (the kind checks the answers, `make_grade` adds what
  every form has: comment, flag, skip, time);
- the admin tables: progress per rater and kind, agreement so far (Krippendorff's alpha from
  `evalkit.stats.agreement` and raw pairwise agreement on the kind's measures), gold accuracy,
  rater quality (`evalkit.stats.raters`: the numbers and flags of `evalkit stats raters`; it
  refuses any role but admin), and the grades export (one flat row per grade, the kind's
  columns from `export_row`; CSV neutralised against formula injection by `evalkit.exports`);
- what keeps the app safe to deploy: the session's `secret_version` (a reset or deactivation
  ends it), the client address the sign-in limits count (`client_address`), incident ids for
  unexpected errors (`log_incident`), the bounded write wait, and the launch checks and
  warnings of `evalkit app` (loopback by default, TLS or a TLS-terminating proxy otherwise).
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import secrets
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.errors import UserError
from evalkit.kinds.base import AnswerError, Form, GradingKind, all_kinds
from evalkit.records import Grade, Item
from evalkit.stats.proportions import format_rate, rate_row
from evalkit.store import TOKEN_WORDS  # what a token is, said the same way in app and CLI

if TYPE_CHECKING:
    from evalkit.store import GradeStore, Rater

ENV_DB = "EVALKIT_DB"
ENV_RUN_DIR = "EVALKIT_RUN_DIR"
ENV_RUBRICS_DIR = "EVALKIT_RUBRICS_DIR"
ENV_BEHIND_PROXY = "EVALKIT_BEHIND_PROXY"  # "1": the client address is X-Forwarded-For's last
ENV_WRITE_TIMEOUT = "EVALKIT_WRITE_TIMEOUT"  # seconds a submit waits for a busy store
DEFAULT_WRITE_TIMEOUT = 20.0
ADMIN_ROLE = "admin"
HANDLE_BYTES = 12  # a handle is 16 URL-safe characters of `secrets` randomness
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SIGN_IN_HELP = (
    "Sign in with your name and the password or token your admin gave you (a token is "
    f"{TOKEN_WORDS}; keep it private)."
)
SECRET_LABEL = "Password or token"
log = logging.getLogger("evalkit.app")


# --------------------------------------------------------------------------- store and rubrics


def store_location(
    db: str | None = None, run_dir: str | None = None
) -> tuple[str | None, str | None]:
    """(db, run_dir) the app should open: explicit values first, then the environment."""
    return (db or os.environ.get(ENV_DB) or None, run_dir or os.environ.get(ENV_RUN_DIR) or None)


def open_app_store(
    db: str | None = None,
    run_dir: str | None = None,
    *,
    create: bool = False,
    write_timeout: float | None = None,
) -> GradeStore:
    """Open the grade store named by the arguments or by EVALKIT_DB / EVALKIT_RUN_DIR. The app
    never creates one (a mistyped path is an error, not a new empty store); `write_timeout`
    bounds how long a submit waits for a busy store."""
    from evalkit.rundir import RunDir
    from evalkit.store import GradeStore

    db, run_dir = store_location(db, run_dir)
    if run_dir:
        if not Path(run_dir).is_dir():
            raise UserError(f"{run_dir}: run folder not found")
        url = RunDir(run_dir).store_url(db, create=create)
        return GradeStore(url, create=create, write_timeout=write_timeout)
    if db:
        return GradeStore(db, create=create, write_timeout=write_timeout)
    raise UserError(
        "no grade store: pass --db URL or a run folder to `evalkit app` "
        f"(or set {ENV_DB} / {ENV_RUN_DIR})"
    )


def load_rubrics(rubrics_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """kind name -> its rubric (`<rubrics_dir>/<kind.rubric_name>.yaml`), for every registered
    kind: the pages are drawn from these, never from text in the app."""
    rubrics_dir = rubrics_dir or os.environ.get(ENV_RUBRICS_DIR) or None
    return {kind.name: kind.load_rubric(rubrics_dir) for kind in all_kinds()}


# --------------------------------------------------------------------------- session and blinding


@dataclass(frozen=True)
class RaterSession:
    """Who is signed in: id, name, role and the rater's `secret_version` at sign-in are kept in
    the Streamlit session (no secret). Every page load and submit asks the store whether the
    session may go on (`GradeStore.session_problem`)."""

    id: str
    name: str
    role: str
    secret_version: int = 1

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN_ROLE

    @classmethod
    def from_rater(cls, rater: Rater) -> RaterSession:
        return cls(
            id=rater.id, name=rater.name, role=rater.role, secret_version=rater.secret_version
        )


def client_address(
    ip_address: str | None, headers: Mapping[str, str] | None, behind_proxy: bool
) -> str:
    """The client address the sign-in limits count. Streamlit's `st.context.ip_address` is the
    TCP peer (None for localhost: "local"). Behind a reverse proxy (`evalkit app
    --behind-proxy`) every peer is the proxy, so the last X-Forwarded-For entry (the one the
    proxy appended; earlier ones are the client's to forge) is used instead. Without either,
    only the per-name limit applies in effect (every client is "local")."""
    if behind_proxy and isinstance(headers, Mapping):
        forwarded = next((v for k, v in headers.items() if str(k).lower() == "x-forwarded-for"), "")
        last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
        if last:
            return last[:100]
    return (ip_address if isinstance(ip_address, str) and ip_address else "local")[:100]


def behind_proxy() -> bool:
    return os.environ.get(ENV_BEHIND_PROXY, "") == "1"


def write_timeout() -> float:
    """Seconds a submit waits for a busy store before a clear error (EVALKIT_WRITE_TIMEOUT)."""
    raw = os.environ.get(ENV_WRITE_TIMEOUT, "")
    try:
        value = float(raw) if raw else DEFAULT_WRITE_TIMEOUT
    except ValueError:
        return DEFAULT_WRITE_TIMEOUT
    return value if 0 < value <= 300 else DEFAULT_WRITE_TIMEOUT


def app_logger() -> logging.Logger:
    """The app's log (stderr of `evalkit app`): incidents, vanished stores, busy stores."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s evalkit app %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def log_incident(exc: BaseException, where: str = "page") -> str:
    """Log an unexpected error with its traceback under a new random incident id, which the
    rater is shown instead of the error (no raw exception reaches a page)."""
    incident = secrets.token_hex(4)
    app_logger().error("incident %s in the %s: %r", incident, where, exc, exc_info=exc)
    return incident


def incident_message(incident: str) -> str:
    return (
        f"Something went wrong on our side (incident {incident}). Your last action may not "
        "have been saved: reload the page, and if it happens again tell your admin the "
        "incident id."
    )


def markdown_text(text: str) -> str:
    """Text for a Markdown element (a heading) shown as written: invisible characters marked,
    Markdown and HTML syntax escaped."""
    from evalkit.text_display import visible

    out = visible(text)
    for char in "\\`*_[]<>#|~$":
        out = out.replace(char, "\\" + char)
    return out


def new_handle() -> str:
    """A fresh opaque handle: random (`secrets`), so nothing about the item can be computed
    from it and nothing computed from the item id can be matched against it."""
    return secrets.token_urlsafe(HANDLE_BYTES)


@dataclass
class Handles:
    """handle -> item id, kept server-side (in `st.session_state`) for one browser session.

    The browser only ever receives the handle (in widget and form keys). An item keeps its
    handle while it is on the page (so the widgets keep their state across reruns) and a new
    session gets new handles for the same items."""

    mapping: MutableMapping[str, str] = field(default_factory=dict)

    def handle(self, item_id: str) -> str:
        """The item's handle in this session (a new random one the first time)."""
        for handle, known in self.mapping.items():
            if known == item_id:
                return handle
        handle = new_handle()
        while handle in self.mapping:  # pragma: no cover (2^-96)
            handle = new_handle()
        self.mapping[handle] = item_id
        return handle

    def item_id(self, handle: str) -> str:
        try:
            return self.mapping[handle]
        except KeyError:
            raise UserError("this item is no longer on your page; reload to continue") from None

    def forget(self, handle: str) -> None:
        self.mapping.pop(handle, None)


def progress_text(done: int, assigned: int) -> tuple[float, str]:
    """Fraction for the bar and the words beside it: 'done / assigned'."""
    fraction = min(1.0, done / assigned) if assigned else 0.0
    return fraction, f"Progress: {done} / {assigned} done"


def kind_heading(kind: GradingKind, category: str | None) -> str:
    """'Side by side · math reasoning': the kind's label and the item's category."""
    return f"{kind.label} · {category.replace('_', ' ')}" if category else kind.label


# --------------------------------------------------------------------------- answers -> grades


@dataclass(frozen=True)
class Extras:
    """What every grading form holds besides the rubric's answers."""

    comment: str | None = None
    flagged: bool = False
    skipped: bool = False
    seconds: float | None = None  # from the item's first render to submit


def unanswered(form: Form, answers: Mapping[str, Any]) -> list[str]:
    """The prompts of the form's required questions left without an answer."""
    return [q.prompt for q in form.questions if q.required and answers.get(q.name) is None]


def make_grade(
    kind: GradingKind,
    rubric: Any,
    form: Form,
    item_id: str,
    rater_id: str,
    answers: Mapping[str, Any],
    extras: Extras,
) -> Grade:
    """The grade a submitted form makes. A skip ignores the answers and a bare flag needs none;
    anything else must answer the rubric (`kind.answers_to_payload`, which raises AnswerError
    with a message for the rater)."""
    common: dict[str, Any] = {
        "item_id": item_id,
        "rater_id": rater_id,
        "grader": "human",
        "comment": (extras.comment or "").strip() or None,
        "flagged": bool(extras.flagged),
        "skipped": bool(extras.skipped),
        "seconds": None if extras.seconds is None else round(max(0.0, extras.seconds), 2),
    }
    if extras.skipped:
        return Grade(**common)
    payload = kind.answers_to_payload(answers, rubric)
    if payload is None:
        if extras.flagged:
            return Grade(**common)
        missing = unanswered(form, answers)
        what = f"Answer: {'; '.join(missing)}" if missing else "Answer the questions"
        raise AnswerError(f"{what}, or Skip (or Flag) this item.")
    return Grade(**common, **payload)


# --------------------------------------------------------------------------- admin tables


@dataclass(frozen=True)
class AdminData:
    """The reads of the store the admin page shows (unblinded: admins only). `frames` are the
    kinds' grade frames (normalized: automatic grades marked), for the kinds with grades."""

    raters: list[Rater]
    items: list[Item]
    assignments: pd.DataFrame  # item_id, rater_id, position, graded
    grades: list[Grade]
    frames: dict[str, pd.DataFrame]


def grade_frames(store: GradeStore) -> dict[str, pd.DataFrame]:
    """kind name -> its normalized grade frame (with each grade's seconds), for every
    registered kind with grades."""
    from evalkit.stats.frames import normalize
    from evalkit.stats.runs import with_seconds

    frames = {}
    for kind in all_kinds():
        frame = store.grade_frame(kind.name)
        if not frame.empty:
            frame = with_seconds(frame, store.current_grades(kind.name))
            frames[kind.name] = normalize(frame, kind, source=f"grade store ({kind.name})")
    return frames


def admin_data(store: GradeStore) -> AdminData:
    return AdminData(
        raters=store.raters(),
        items=store.items(),
        assignments=store.assignments(),
        grades=store.current_grades(),
        frames=grade_frames(store),
    )


def _kinds_with(frames: Mapping[str, pd.DataFrame]) -> list[GradingKind]:
    return [kind for kind in all_kinds() if kind.name in frames]


def progress_table(
    raters: Iterable[Rater],
    items: Iterable[Item],
    assignments: pd.DataFrame,
    grades: Iterable[Grade],
) -> pd.DataFrame:
    """Per rater and kind: done / assigned (done = a current grade, skips and flags included)."""
    kind_of = {item.id: item.kind for item in items}
    names = [kind.name for kind in all_kinds()]
    names += sorted(set(kind_of.values()) - set(names))  # never drop an item of an odd kind
    mine = {(g.rater_id, g.item_id): g for g in grades}
    columns = [
        "rater", "role", "kind", "done", "assigned", "percent_done", "skipped", "flagged",
        "median_seconds",
    ]  # fmt: skip
    rows = []
    for rater in raters:
        own = assignments[assignments["rater_id"] == rater.id]
        for name in names:
            ids = [i for i in own["item_id"] if kind_of.get(i) == name]
            if not ids:
                continue
            graded = [mine[(rater.id, i)] for i in ids if (rater.id, i) in mine]
            seconds = [g.seconds for g in graded if g.seconds is not None]
            rows.append(
                {
                    "rater": rater.name,
                    "role": rater.role,
                    "kind": name,
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


def _rate_row(base: dict[str, Any], k: int, n: int) -> dict[str, Any]:
    """A rate with its n and 95% Wilson interval, and as a person reads it."""
    return {**base, **rate_row(k, n), "display": format_rate(k, n)}


def alpha_summary(
    frames: Mapping[str, pd.DataFrame], rubrics: Mapping[str, Any], resamples: int = 200
) -> pd.DataFrame:
    """Krippendorff's alpha among human raters so far, for every measure of every kind with
    grades (`evalkit.stats.agreement.alpha_table`: the figures `evalkit stats` reports), with a
    bootstrap 95% interval; gold items excluded (the kind's measures leave them out)."""
    from evalkit.stats.agreement import ALPHA_COLUMNS, alpha_table

    parts = [
        alpha_table(kind, frames[kind.name], rubrics[kind.name], resamples=resamples, seed=0)
        for kind in _kinds_with(frames)
    ]
    parts = [part for part in parts if not part.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ALPHA_COLUMNS)

    def shown(row: pd.Series) -> str:
        if pd.isna(row["alpha"]):
            return f"n/a (needs 2+ items with 2+ grades and 2+ values; items={row['n_items']})"
        interval = "" if pd.isna(row["low"]) else f" [{row['low']:.2f}, {row['high']:.2f}]"
        return f"{row['alpha']:.2f}{interval} items={row['n_items']}"

    table["alpha (95% CI)"] = table.apply(shown, axis=1) if len(table) else []
    return table


def agreement_table(frames: Mapping[str, pd.DataFrame], rubrics: Mapping[str, Any]) -> pd.DataFrame:
    """Pairwise percent agreement of human raters on each of a kind's agreement measures (the
    values its alpha is computed from), over the non-gold items two or more of them answered.

    Pairs on one item are not independent, so the interval is optimistic: this is a health
    check while grading runs; alpha is the chance-corrected figure."""
    rows = []
    for kind in _kinds_with(frames):
        for measure, coded in kind.agreement_measures(frames[kind.name], rubrics[kind.name]):
            humans = coded[(coded["grader"] == "human") & coded["value"].notna()]
            agree = pairs = n_items = 0
            for _, values in humans.groupby("item_id", sort=False)["value"]:
                if len(values) < 2:
                    continue
                n_items += 1
                for a, b in combinations(values.tolist(), 2):
                    pairs += 1
                    agree += bool(a == b)
            if pairs:
                base = {"kind": kind.name, "measure": measure.name, "items": n_items}
                rows.append(_rate_row(base, agree, pairs))
    columns = ["kind", "measure", "items", "k", "n", "rate", "low", "high", "display"]
    return pd.DataFrame(rows, columns=columns).rename(columns={"display": "agreement"})


def gold_accuracy_table(
    raters: Iterable[Rater], frames: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Per human rater and kind: the share of answered gold items answered as the gold answer
    says (the kind's gold rule, through `evalkit.stats.agreement.gold_accuracy`)."""
    from evalkit.stats.agreement import gold_accuracy

    names = {rater.id: rater.name for rater in raters}
    rows = []
    for kind in _kinds_with(frames):
        for row in gold_accuracy(kind, frames[kind.name]).to_dict("records"):
            base = {"rater": names.get(row["rater_id"], row["rater_id"]), "kind": kind.name}
            rows.append(_rate_row(base, int(row["k"]), int(row["n"])))
    columns = ["rater", "kind", "k", "n", "rate", "low", "high", "display"]
    return pd.DataFrame(rows, columns=columns).rename(columns={"display": "gold_accuracy"})


class AdminOnly(UserError):
    """A page or table for admins asked for by another role."""


def require_admin(viewer: RaterSession) -> None:
    """Refuse anyone but an admin (the admin page's second lock, inside the function that reads
    the unblinded data, so no caller can forget it)."""
    if not isinstance(viewer, RaterSession) or not viewer.is_admin:
        raise AdminOnly("This needs the admin role.")


def rater_quality_tables(
    viewer: RaterSession, data: AdminData, rubrics: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """kind name -> the rater quality table of its human raters, for the admin only (any other
    role is refused before anything is read: the table holds every rater's agreement, biases
    and gold accuracy, i.e. other raters' grades in summary).

    The rows are `evalkit.stats.raters.rater_quality` as `display_table` shows it, the same
    numbers and flags as `evalkit stats raters`: rater (name, invisible characters marked),
    grades, leave-one-out agreement, biases and gold accuracy as 'estimate [95% CI] n=…',
    median seconds per grade, "FLAGGED" and the reasons as text."""
    require_admin(viewer)
    from evalkit.stats.raters import display_table, rater_quality

    names = {rater.id: rater.name for rater in data.raters}
    out = {}
    for kind in _kinds_with(data.frames):
        frame = data.frames[kind.name]
        if not (frame["grader"] == "human").any():
            continue
        table = rater_quality(kind, frame, rubrics[kind.name])
        out[kind.name] = display_table(kind, table, rubrics[kind.name], names)
    return out


def rater_quality_caption() -> str:
    """What the rater quality tables show and the flag rule, as Markdown (no user input)."""
    from evalkit.stats.raters import flag_rule

    return (
        "Per human rater, as `evalkit stats raters`: agreement with the majority of the other "
        "raters on the same item (leave-one-out), biases, gold accuracy and median seconds per "
        "grade, each estimate [95% interval] n. " + flag_rule()
    )


FLAGGED_STYLE = "background-color: #fde2e1; color: #7a1212"


def highlight_flagged(table: pd.DataFrame) -> Any:
    """The table as a pandas Styler with the flagged raters' rows highlighted (the cells stay
    plain text: st.dataframe never renders Markdown or HTML in a cell)."""
    flagged = table["flag"].astype(bool) if "flag" in table.columns else None

    def row_style(row: pd.Series) -> list[str]:
        on = flagged is not None and bool(flagged.loc[row.name])
        return [FLAGGED_STYLE if on else ""] * len(row)

    return table.style.apply(row_style, axis=1)


# the columns of the grades export around the kinds' own (which sit in between)
ITEM_COLUMNS = [
    "item_id", "kind", "run_id", "prompt_id", "category", "is_gold",
    "model_left", "model_right", "model", "rater_id", "grader",
]  # fmt: skip
GRADE_COLUMNS = [
    "gold_correct",
    "skipped",
    "flagged",
    "comment",
    "seconds",
    "revision",
    "created_at",
]


def _cell(value: Any) -> Any:
    """A flat export cell: nested values (a future kind's lists or dicts) as JSON text."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _column_type(values: pd.Series) -> str:
    present = [v for v in values if not _missing(v)]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Int64"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "Float64"
    return "string"


def grades_table(items: Iterable[Item], grades: Iterable[Grade]) -> pd.DataFrame:
    """One row per current grade joined to its item (the admin export: unblinded, with models).

    Between the item's columns and the grade's bookkeeping sit the kind's own columns, as its
    grades exports have them (`kind.grade_row` then `kind.export_row`: a side-by-side grade's
    score in model terms, a summarization grade's dimensions one column each). Skips and bare
    flags have none; `gold_correct` is the kind's gold rule applied to the grade."""
    by_id = {item.id: item for item in items}
    kinds = {kind.name: kind for kind in all_kinds()}
    rows = []
    for grade in grades:
        item = by_id.get(grade.item_id)
        kind = kinds.get(item.kind) if item is not None else None
        row: dict[str, Any] = {"item_id": grade.item_id}
        row.update({c: getattr(item, c, None) for c in ITEM_COLUMNS[1:9]})
        row.update(rater_id=grade.rater_id, grader=grade.grader, gold_correct=None)
        if item is not None and kind is not None:
            answer = None if grade.skipped else kind.grade_row(item, grade)
            own = kind.export_row(answer) if answer is not None else {}
            row.update({k: _cell(v) for k, v in own.items() if k not in row})
            row["gold_correct"] = kind.gold_correct(item, grade)
        row.update({c: getattr(grade, c) for c in GRADE_COLUMNS[1:]})
        rows.append(row)
    fixed = {*ITEM_COLUMNS, *GRADE_COLUMNS}
    kind_columns = list(dict.fromkeys(k for row in rows for k in row if k not in fixed))
    columns = [*ITEM_COLUMNS, *kind_columns, *GRADE_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.astype({c: _column_type(frame[c]) for c in frame.columns})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The admin's CSV download, neutralised against formula injection."""
    from evalkit.exports import csv_bytes

    return csv_bytes(frame)


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


# --------------------------------------------------------------------------- launching


def streamlit_command(
    port: int, host: str, tls_cert: str | None = None, tls_key: str | None = None
) -> list[str]:
    """`streamlit run rater_app.py` (the repository's app/ or the installed package's copy),
    headless, no usage statistics, no file watching, no error details in the page (errors are
    logged with an incident id), TLS when a certificate and key are given."""
    from evalkit.paths import APP_DIR

    script = APP_DIR / "rater_app.py"
    if not script.is_file():
        raise UserError(f"{script}: the rater app is missing from this evalkit installation")
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", host,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
        "--client.showErrorDetails", "none", "--server.enableXsrfProtection", "true",
    ]  # fmt: skip
    if tls_cert and tls_key:
        command += ["--server.sslCertFile", tls_cert, "--server.sslKeyFile", tls_key]
    return command


def is_loopback(host: str) -> bool:
    return host.strip().lower() in LOOPBACK_HOSTS or host.strip().startswith("127.")


def app_warnings(host: str, tls: bool, behind_proxy: bool) -> list[str]:
    """What `evalkit app` warns about before serving: a non-loopback address without TLS
    (names, passwords, tokens and grades would cross the network in clear text)."""
    if is_loopback(host) or tls or behind_proxy:
        return []
    return [
        f"serving on {host} without TLS: names, passwords, tokens and grades cross the network "
        "in clear text. Pass --tls-cert FILE --tls-key FILE, or serve behind a reverse proxy "
        "that terminates TLS and pass --behind-proxy (README: Deploying the rater app)"
    ]


def check_tls(tls_cert: str | None, tls_key: str | None) -> tuple[str | None, str | None]:
    """Both or neither, each a readable file: (cert, key) as absolute paths."""
    if bool(tls_cert) != bool(tls_key):
        raise UserError("--tls-cert and --tls-key: give both (the certificate and its key)")
    if not tls_cert or not tls_key:
        return None, None
    paths = []
    for flag, value in (("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        path = Path(value).expanduser().resolve()
        if not path.is_file() or not os.access(path, os.R_OK):
            raise UserError(f"{flag} {value}: not a readable file")
        paths.append(str(path))
    return paths[0], paths[1]


def serve_app(
    run_dir: str | os.PathLike[str] | None,
    db: str | None,
    *,
    port: int = 8501,
    host: str = "127.0.0.1",
    rubrics_dir: str | os.PathLike[str] | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    behind_proxy: bool = False,
) -> int:
    """Check the store and rubrics open (a clear error now, not in the page), then serve. The
    store must exist: the app never creates one."""
    import subprocess

    db = db or os.environ.get(ENV_DB) or None
    run = str(Path(run_dir).resolve()) if run_dir else None
    if run is None and not db:
        raise UserError(f"which grade store? give a run folder, --db URL or set ${ENV_DB}")
    if not 1 <= port <= 65535:
        raise UserError(f"--port {port}: use a port between 1 and 65535")
    cert, key = check_tls(tls_cert, tls_key)
    rubrics = str(Path(rubrics_dir).resolve()) if rubrics_dir else None
    load_rubrics(rubrics)
    scheme = "https" if cert else "http"
    with open_app_store(db, run, create=False) as store:
        print(
            f"evalkit app: grade store {store.display_url}; open {scheme}://{host}:{port}",
            flush=True,
        )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (ENV_DB, ENV_RUN_DIR, ENV_RUBRICS_DIR, ENV_BEHIND_PROXY)
    }
    env |= {ENV_DB: db} if db else {}
    env |= {ENV_RUN_DIR: run} if run else {}
    env |= {ENV_RUBRICS_DIR: rubrics} if rubrics else {}
    env |= {ENV_BEHIND_PROXY: "1"} if behind_proxy else {}
    return subprocess.call(streamlit_command(port, host, cert, key), env=env)
