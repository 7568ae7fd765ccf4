"""evalkit rater and admin app (Streamlit). Launch with `evalkit app RUN_DIR` or `--db URL`.

Raters sign in, get their next assigned item at once, answer the form its grading kind draws
(`evalkit.kinds`: the app knows no kind by name), and each grade is saved the moment it is
submitted. The page only ever holds the kind's blinded `View`: no model name, score, gold answer,
other rater's grade or item id is rendered or sent to the browser; widget and form keys carry a
random per-session handle that only the server maps to the item. Model output (and prompt text)
is untrusted and always drawn with `st.text`, which renders plain text (no Markdown, no HTML),
after `visible()` has marked every invisible or direction-changing character (`⟦U+202E⟧`).

Under attack, and when things break:
- sign-in is limited per name and per client address and audited (`GradeStore.sign_in`);
- every page load and submit re-checks the session against the store: a deactivated rater, a
  reset password or token, or an expired token ends it at once with a message;
- "Saved." is shown only after the store confirmed the grade (committed to the store the run
  points to); a deleted or replaced store is an error on the page and in the log, and no
  further grade is taken; a busy store shows a spinner and gives up after a bounded time;
- any other error shows an incident id, never a traceback; the details go to the log.
Admins additionally see progress, agreement, gold accuracy, rater quality (flagged raters and
why), the sign-in audit and exports. The logic lives in `evalkit.app_support`, tested without a
browser.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from evalkit import app_support as support
from evalkit.app_support import AnswerError, Extras, Handles, RaterSession
from evalkit.errors import UserError
from evalkit.kinds.base import Form, GradingKind, Panel, Question, View, all_kinds, get_kind
from evalkit.store import SessionEnded, StoreBusy, StoreGone
from evalkit.text_display import visible

GRADE_PAGE = "Grade"
ADMIN_PAGE = "Admin"
CHECKLIST_TITLE = "What a good answer covers"
log = support.app_logger()


@st.cache_resource(show_spinner=False)
def _store(db: str | None, run_dir: str | None) -> Any:
    return support.open_app_store(db, run_dir, write_timeout=support.write_timeout())


@st.cache_resource(show_spinner=False)
def _rubrics(rubrics_dir: str | None, kinds: tuple[str, ...]) -> dict[str, Any]:
    """Every registered kind's rubric, loaded once per folder and set of kinds (`kinds` is the
    cache key: a kind registered later, e.g. from EVALKIT_KINDS, gets its rubric too)."""
    return support.load_rubrics(rubrics_dir)


def untrusted(text: str | None) -> None:
    """Model output and prompts: plain text only (never Markdown or HTML), every invisible or
    direction-changing character shown as its marked code point."""
    st.text(visible(text))


def handles() -> Handles:
    """This session's handle -> item id map (server-side only)."""
    return Handles(st.session_state.setdefault("handles", {}))


def client() -> str:
    """The client address the sign-in limits count (see `support.client_address`)."""
    try:
        ip_address, headers = st.context.ip_address, st.context.headers
    except Exception:  # no browser context (a test harness): only the per-name limit
        ip_address, headers = None, None
    return support.client_address(ip_address, headers, support.behind_proxy())


# --------------------------------------------------------------------------- sign-in and session


def login_page(store: Any) -> None:
    st.title("evalkit rating")
    signed_out = st.session_state.pop("signed_out", None)
    if signed_out:
        st.warning(signed_out)
    st.caption(support.SIGN_IN_HELP)
    with st.form("login"):
        name = st.text_input("Name", key="login_name")
        secret = st.text_input(support.SECRET_LABEL, type="password", key="login_secret")
        submitted = st.form_submit_button("Log in", type="primary")
    if not submitted:
        return
    if not name.strip() or not secret:
        st.error("Enter your name and your password or token.")
        return
    result = store.sign_in(name.strip(), secret, client())
    if not result.ok:
        st.error(result.message)
        return
    st.session_state["rater"] = RaterSession.from_rater(result.rater)
    st.session_state.pop("shown_at", None)
    st.session_state.pop("handles", None)
    st.session_state.pop("login_secret", None)  # the secret does not outlive the sign-in
    st.rerun()


def end_session(message: str) -> None:
    """Forget everything about the session; the sign-in page says why."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state["signed_out"] = message


def check_session(store: Any, rater: RaterSession) -> bool:
    """Whether the signed-in session may go on (active, same secret, token not expired)."""
    problem = store.session_problem(rater.id, rater.secret_version)
    if problem is None:
        return True
    log.info("session of %r ended: %s", rater.id, problem)
    end_session(problem)
    return False


def sidebar(rater: RaterSession) -> str:
    """Who is signed in, log out, and (admins only) the page switch."""
    with st.sidebar:
        st.caption("Signed in as")
        st.text(visible(rater.name))
        page = GRADE_PAGE
        if rater.is_admin:
            page = st.radio("Page", [GRADE_PAGE, ADMIN_PAGE], key="page")
        if st.button("Log out", key="logout"):
            for key in list(st.session_state.keys()):
                del st.session_state[key]
            st.rerun()
    return page


def show_progress(store: Any, rater: RaterSession) -> None:
    done, assigned = store.progress(rater.id)
    fraction, text = support.progress_text(done, assigned)
    st.progress(fraction, text=text)


# --------------------------------------------------------------------------- grading


def grading_page(store: Any, rater: RaterSession, rubrics: dict[str, Any]) -> None:
    notice = st.session_state.pop("notice", None)
    if notice:
        st.toast(notice)
    item = store.next_item(rater.id)  # blinded by the store
    if item is None:
        st.success("Nothing left in your queue. Thank you!")
        return
    try:
        kind = get_kind(item.kind)
        rubric = rubrics[kind.name]
    except (UserError, KeyError):
        st.error(f"This app cannot show items of kind {item.kind!r}.")
        return
    view = kind.view(item, handles().handle(item.id))
    del item  # from here on only the blinded view (and its opaque handle) exists
    shown_at = st.session_state.setdefault("shown_at", {})
    shown_at.setdefault(view.handle, time.time())
    form = kind.form(rubric, view)
    draw_item(kind, form, view)
    answers, extras = draw_form(form, view)
    if extras is not None:
        save(store, rater, kind, rubric, form, view, answers, extras)


def draw_item(kind: GradingKind, form: Form, view: View) -> None:
    """The heading, the guide, the texts row by row, and the item's checklist."""
    st.subheader(support.markdown_text(support.kind_heading(kind, view.category)))
    with st.expander(f"How to grade: {form.title}"):
        st.markdown(form.guide)  # the rubric's own text (project-authored): Markdown is fine
    for row in form.rows:
        if len(row) == 1:
            panel(row[0], view)
            continue
        for column, each in zip(st.columns(len(row)), row, strict=True):
            with column:
                panel(each, view)
    if view.checklist:
        with st.expander(CHECKLIST_TITLE, expanded=False):
            untrusted("\n".join(f"- {point}" for point in view.checklist))


def panel(spec: Panel, view: View) -> None:
    """A labelled box of untrusted text (scrolling when the panel has a height)."""
    st.markdown(f"**{spec.label}**")
    with st.container(border=True, height=spec.height or "content"):
        untrusted(getattr(view, spec.field, None))


def question(spec: Question, handle: str) -> Any:
    """One control of the form; its value is the chosen option's value (None: unanswered)."""
    values = [option.value for option in spec.options]
    labels = [option.label for option in spec.options]

    def label(value: Any) -> str:
        return labels[values.index(value)]

    common = {
        "index": None,
        "format_func": label,
        "key": f"q_{spec.name}_{handle}",
        "help": spec.help or None,
    }
    if spec.style == "select":
        return st.selectbox(spec.prompt, values, placeholder="Choose one", **common)
    return st.radio(spec.prompt, values, horizontal=True, **common)


def draw_form(form: Form, view: View) -> tuple[dict[str, Any], Extras | None]:
    """The questions, then the comment, flag, Submit and Skip every form has. Returns the
    answers and, once Submit or Skip was pressed, the extras (None before)."""
    handle = view.handle
    with st.form(f"form_{handle}"):
        answers = {spec.name: question(spec, handle) for spec in form.questions}
        comment = st.text_area(
            "Comment (optional)", key=f"comment_{handle}", max_chars=2000, height=80
        )
        flagged = st.checkbox(
            "Flag this item (broken, unreadable, needs an expert): say why in the comment",
            key=f"flag_{handle}",
        )
        with st.container(horizontal=True):
            submitted = st.form_submit_button("Submit", type="primary", key=f"submit_{handle}")
            skipped = st.form_submit_button("Skip", key=f"skip_{handle}")
    if not (submitted or skipped):
        return answers, None
    started = st.session_state.get("shown_at", {}).get(handle, time.time())
    extras = Extras(
        comment=comment,
        flagged=flagged,
        skipped=skipped and not submitted,
        seconds=time.time() - started,
    )
    return answers, extras


def save(
    store: Any,
    rater: RaterSession,
    kind: GradingKind,
    rubric: Any,
    form: Form,
    view: View,
    answers: dict[str, Any],
    extras: Extras,
) -> None:
    """Build the grade from the form and save it (one transaction, confirmed in the store the
    run points to); only then say "Saved." and show the next item. A busy store: a spinner,
    then a clear error after the bounded wait; the answers stay on the form to submit again."""
    try:
        item_id = handles().item_id(view.handle)
        grade = support.make_grade(kind, rubric, form, item_id, rater.id, answers, extras)
    except (AnswerError, UserError) as exc:
        st.error(str(exc))
        return
    wait = support.write_timeout()
    try:
        with st.spinner(f"Saving your grade (waiting up to {wait:g} s if the store is busy)…"):
            store.save_grade(grade, session_version=rater.secret_version)
    except SessionEnded as exc:
        end_session(str(exc))
        st.rerun()
    except StoreGone as exc:
        log.error("grade by %r NOT saved: %s", rater.id, exc)
        st.error(f"Your grade was NOT saved. {exc}. Please stop grading and tell your admin.")
        return
    except StoreBusy as exc:
        log.warning("grade by %r NOT saved (store busy): %s", rater.id, exc)
        st.error(
            f"Your grade was NOT saved: the grade store stayed busy for {wait:g} s. Your "
            "answers are still on the form: press Submit again in a moment. If this keeps "
            "happening, tell your admin."
        )
        return
    except UserError as exc:
        st.error(f"Your grade was NOT saved: {exc}")
        return
    st.session_state.get("shown_at", {}).pop(view.handle, None)
    handles().forget(view.handle)
    st.session_state["notice"] = "Skipped." if grade.skipped else "Saved."
    st.rerun()


# --------------------------------------------------------------------------- admin


def admin_page(store: Any, rater: RaterSession, rubrics: dict[str, Any]) -> None:
    if not rater.is_admin:  # the page switch is admin-only too; this is the second lock
        st.error("The admin page needs the admin role.")
        return
    st.title("Admin")
    data = support.admin_data(store)
    st.subheader("Progress per rater and task")
    progress = support.progress_table(data.raters, data.items, data.assignments, data.grades)
    st.dataframe(progress, hide_index=True)
    st.subheader("Agreement so far")
    alpha = support.alpha_summary(data.frames, rubrics)
    if alpha.empty:
        st.info("No item has been graded by two raters yet.")
    else:
        st.caption(
            "Krippendorff's alpha among human raters (chance-corrected; as `evalkit stats`)."
        )
        st.dataframe(alpha[["kind", "measure", "level", "alpha (95% CI)"]], hide_index=True)
    agreement = support.agreement_table(data.frames, rubrics)
    if not agreement.empty:
        st.caption(
            "Raw pairwise percent agreement on items two or more raters answered, with a 95% "
            "Wilson interval (pairs on one item are not independent, so it is optimistic)."
        )
        st.dataframe(agreement[["kind", "measure", "items", "agreement"]], hide_index=True)
    st.subheader("Gold accuracy per rater")
    gold = support.gold_accuracy_table(data.raters, data.frames)
    if gold.empty:
        st.info("No gold item has been graded yet.")
    else:
        st.dataframe(gold[["rater", "kind", "gold_accuracy"]], hide_index=True)
    rater_quality_section(rater, data, rubrics)
    st.subheader("Sign-ins")
    st.caption(
        "The latest sign-in attempts (names as typed) and the names and addresses with recent "
        "failures or a lock; also `evalkit raters audit`."
    )
    audit = store.auth_log(limit=200)
    audit["name"] = audit["name"].map(visible)
    st.dataframe(audit, hide_index=True)
    limits = store.login_limits()
    if not limits.empty:
        st.dataframe(limits, hide_index=True)
    st.subheader("Export grades")
    frame = support.grades_table(data.items, data.grades)
    st.caption(f"{len(frame)} current grades (latest revision per rater and item).")
    with st.container(horizontal=True):
        st.download_button(
            "Download CSV",
            support.to_csv_bytes(frame),
            file_name="grades.csv",
            mime="text/csv",
            key="export_csv",
        )
        st.download_button(
            "Download Parquet",
            support.to_parquet_bytes(frame),
            file_name="grades.parquet",
            mime="application/vnd.apache.parquet",
            key="export_parquet",
        )


def rater_quality_section(rater: RaterSession, data: Any, rubrics: dict[str, Any]) -> None:
    """Per kind, the rater quality table (`support.rater_quality_tables`, which refuses any
    role but admin): flagged raters' rows highlighted, the reasons as text in the table."""
    st.subheader("Rater quality")
    tables = support.rater_quality_tables(rater, data, rubrics)
    if not tables:
        st.info("No human grades yet.")
        return
    st.caption(support.rater_quality_caption())
    for name, table in tables.items():
        flagged = int(table["flag"].astype(bool).sum())
        st.text(f"{get_kind(name).label}: {flagged} of {len(table)} raters flagged")
        st.dataframe(support.highlight_flagged(table), hide_index=True)


# --------------------------------------------------------------------------- main


def page() -> None:
    try:
        store = _store(*support.store_location())
        rubrics = _rubrics(None, tuple(kind.name for kind in all_kinds()))
    except UserError as exc:
        st.error(str(exc))
        st.stop()
    try:
        store.verify()  # the store the run points to is still the one opened
    except StoreGone as exc:
        log.error("grade store gone, nothing is saved: %s", exc)
        st.error(
            f"{exc}. No grade can be saved now (a grade you just submitted was NOT saved): "
            "please stop grading and tell your admin."
        )
        st.stop()
    rater: RaterSession | None = st.session_state.get("rater")
    if rater is None:
        login_page(store)
        return
    if not check_session(store, rater):
        st.rerun()
    page_name = sidebar(rater)
    show_progress(store, rater)  # on every page, always
    if page_name == ADMIN_PAGE and rater.is_admin:
        admin_page(store, rater, rubrics)
    else:
        grading_page(store, rater, rubrics)


def main() -> None:
    st.set_page_config(page_title="evalkit rating", layout="wide")
    try:
        page()
    except UserError as exc:  # a readable message, meant for the person at the page
        st.error(str(exc))
    except Exception as exc:  # anything else: an incident id on the page, details in the log
        st.error(support.incident_message(support.log_incident(exc)))


main()
