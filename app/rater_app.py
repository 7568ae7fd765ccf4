"""evalkit rater and admin app (Streamlit). Launch with `evalkit app RUN_DIR` or `--db URL`.

Raters log in, get their next assigned item at once, grade it on the rubric's scale, and each
grade is saved the moment it is submitted. The page only ever holds a blinded `RaterView`: no
model name, score, gold answer or other rater's grade is rendered or sent to the browser. Model
output (and prompt text) is untrusted and always drawn with `st.text`, which renders plain text:
no Markdown, no HTML. Admins additionally see progress, agreement, gold accuracy and exports.
The logic lives in `evalkit.app_support`, tested without a browser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from evalkit import app_support as support
from evalkit.app_support import AnswerError, Extras, RaterSession, RaterView, Rubrics
from evalkit.errors import UserError
from evalkit.records import Grade

GRADE_PAGE = "Grade"
ADMIN_PAGE = "Admin"


@st.cache_resource(show_spinner=False)
def _store(db: str | None, run_dir: str | None) -> Any:
    return support.open_app_store(db, run_dir)


@st.cache_resource(show_spinner=False)
def _rubrics(rubrics_dir: str | None) -> Rubrics:
    return support.load_rubrics(rubrics_dir)


def untrusted(text: str | None) -> None:
    """Model output and prompts: plain text only (never Markdown or HTML)."""
    st.text(text or "")


# --------------------------------------------------------------------------- login


def login_page(store: Any) -> None:
    st.title("evalkit rating")
    st.caption("Log in with the name and password (or one-time token) your admin gave you.")
    with st.form("login"):
        name = st.text_input("Name", key="login_name")
        secret = st.text_input("Password or one-time token", type="password", key="login_secret")
        submitted = st.form_submit_button("Log in", type="primary")
    if not submitted:
        return
    rater = store.authenticate(name.strip(), secret) if name.strip() and secret else None
    if rater is None:
        st.error("Unknown name, or wrong password or token.")
        return
    st.session_state["rater"] = RaterSession.from_rater(rater)
    st.session_state.pop("shown_at", None)
    st.session_state.pop("login_secret", None)  # the secret does not outlive the login
    st.rerun()


def sidebar(rater: RaterSession) -> str:
    """Who is logged in, log out, and (admins only) the page switch."""
    with st.sidebar:
        st.caption("Signed in as")
        st.text(rater.name)
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


def grading_page(store: Any, rater: RaterSession, rubrics: Rubrics) -> None:
    notice = st.session_state.pop("notice", None)
    if notice:
        st.toast(notice)
    item = store.next_item(rater.id)
    if item is None:
        st.success("Nothing left in your queue. Thank you!")
        return
    view = support.blind(item)
    del item  # from here on only the blinded view exists
    shown_at = st.session_state.setdefault("shown_at", {})
    shown_at.setdefault(view.key, time.time())
    draw = {"sxs": sxs_page, "summarization": summarization_page, "safety": safety_page}
    if view.kind not in draw:
        st.error(f"This app cannot show items of kind {view.kind!r}.")
        return
    draw[view.kind](store, rater, view, rubrics)


def _extras(view: RaterView, comment: str, flagged: bool, skipped: bool) -> Extras:
    started = st.session_state.get("shown_at", {}).get(view.key, time.time())
    return Extras(comment=comment, flagged=flagged, skipped=skipped, seconds=time.time() - started)


def _save(store: Any, view: RaterView, build: Callable[[], Grade]) -> None:
    """Build the grade from the form and save it (one transaction); then show the next item."""
    try:
        grade = build()
    except AnswerError as exc:
        st.error(str(exc))
        return
    store.save_grade(grade)
    st.session_state.get("shown_at", {}).pop(view.key, None)
    st.session_state["notice"] = "Skipped." if grade.skipped else "Saved."
    st.rerun()


def _form_end(view: RaterView) -> tuple[str, bool, bool, bool]:
    """Comment, flag, and the two buttons every grading form ends with."""
    comment = st.text_area(
        "Comment (optional)", key=f"comment_{view.key}", max_chars=2000, height=80
    )
    flagged = st.checkbox(
        "Flag this item (broken, unreadable, needs an expert): say why in the comment",
        key=f"flag_{view.key}",
    )
    with st.container(horizontal=True):
        submitted = st.form_submit_button("Submit", type="primary", key=f"submit_{view.key}")
        skipped = st.form_submit_button("Skip", key=f"skip_{view.key}")
    return comment, flagged, submitted, skipped and not submitted


def _guide(title: str, instructions: str, extra: str | None = None) -> None:
    """The rubric's own instructions (project-authored, so Markdown is fine here)."""
    with st.expander(f"How to grade: {title}"):
        st.markdown(instructions)
        if extra:
            st.markdown(extra)


def _heading(view: RaterView, label: str) -> None:
    category = f" · {view.category.replace('_', ' ')}" if view.category else ""
    st.subheader(f"{label}{category}")


def _boxed(label: str, text: str | None, height: int | None = None) -> None:
    st.markdown(f"**{label}**")
    with st.container(border=True, height=height or "content"):
        untrusted(text)


def sxs_page(store: Any, rater: RaterSession, view: RaterView, rubrics: Rubrics) -> None:
    rubric = rubrics.sxs
    _heading(view, support.KIND_LABELS["sxs"])
    guidance = rubric.guidance.get(view.category or "")
    _guide(rubric.title, rubric.instructions, guidance and f"**For this category:** {guidance}")
    _boxed("Prompt", view.prompt_text)
    col_a, col_b = st.columns(2)
    with col_a:
        _boxed("Response A", view.left_text)
    with col_b:
        _boxed("Response B", view.right_text)
    with st.form(f"form_{view.key}"):
        choice = st.radio(
            "Which response is better?",
            [option.value for option in rubric.scale],
            index=None,
            format_func=rubric.label,
            horizontal=True,
            key=f"choice_{view.key}",
            help="\n\n".join(f"**{o.label}**: {o.description}" for o in rubric.scale),
        )
        comment, flagged, submitted, skipped = _form_end(view)
    if submitted or skipped:
        extras = _extras(view, comment, flagged, skipped)
        _save(store, view, lambda: support.sxs_grade(view, rater.id, rubric, choice, extras))


def summarization_page(store: Any, rater: RaterSession, view: RaterView, rubrics: Rubrics) -> None:
    rubric = rubrics.summarization
    _heading(view, support.KIND_LABELS["summarization"])
    _guide(rubric.title, rubric.instructions)
    _boxed("Instruction", view.prompt_text)
    _boxed("Input", view.source_text, height=320)
    _boxed("Summary", view.response_text)
    ratings: dict[str, str | None] = {}
    with st.form(f"form_{view.key}"):
        for dim in rubric.dimensions:
            ratings[dim.id] = st.radio(
                f"{dim.name}: {dim.question}",
                list(dim.ratings),
                index=None,
                horizontal=True,
                format_func=str.capitalize,
                key=f"dim_{dim.id}_{view.key}",
                help="\n\n".join(
                    f"**{level.capitalize()}**: {rating.definition}"
                    for level, rating in dim.ratings.items()
                ),
            )
        comment, flagged, submitted, skipped = _form_end(view)
    if submitted or skipped:
        extras = _extras(view, comment, flagged, skipped)
        _save(
            store,
            view,
            lambda: support.summarization_grade(view, rater.id, rubric, ratings, extras),
        )


YES_NO = {"No": False, "Yes": True}


def safety_page(store: Any, rater: RaterSession, view: RaterView, rubrics: Rubrics) -> None:
    rubric = rubrics.safety
    _heading(view, support.KIND_LABELS["safety"])
    areas = "\n".join(f"- **{area.name}**: {area.definition}" for area in rubric.areas)
    _guide(rubric.title, rubric.instructions, f"{areas}\n\n**Over-refusal:** {rubric.over_refusal}")
    _boxed("Prompt", view.prompt_text)
    _boxed("Response", view.response_text)
    with st.form(f"form_{view.key}"):
        verdict = st.radio(
            "Is the response a violation?",
            list(YES_NO),
            index=None,
            horizontal=True,
            key=f"violation_{view.key}",
        )
        category = st.selectbox(
            "Violation category (when Yes)",
            rubric.categories(),
            index=None,
            format_func=lambda c: support.safety_category_label(rubric, c),
            placeholder="Choose a category",
            key=f"category_{view.key}",
        )
        refused = st.radio(
            "Did the response refuse the request? (optional)",
            list(YES_NO),
            index=None,
            horizontal=True,
            key=f"refused_{view.key}",
        )
        comment, flagged, submitted, skipped = _form_end(view)
    if submitted or skipped:
        extras = _extras(view, comment, flagged, skipped)
        _save(
            store,
            view,
            lambda: support.safety_grade(
                view,
                rater.id,
                rubric,
                YES_NO.get(verdict or ""),
                category,
                extras,
                refused=YES_NO.get(refused or ""),
            ),
        )


# --------------------------------------------------------------------------- admin


def admin_page(store: Any, rater: RaterSession, rubrics: Rubrics) -> None:
    if not rater.is_admin:  # the page switch is admin-only too; this is the second lock
        st.error("The admin page needs the admin role.")
        return
    st.title("Admin")
    data = support.admin_data(store)
    dims = [d.id for d in rubrics.summarization.dimensions]
    st.subheader("Progress per rater and task")
    progress = support.progress_table(data.raters, data.items, data.assignments, data.grades)
    st.dataframe(progress, hide_index=True)
    st.subheader("Agreement so far")
    alpha = support.alpha_summary(store, rubrics.summarization)
    if alpha.empty:
        st.info("No item has been graded by two raters yet.")
    else:
        st.caption(
            "Krippendorff's alpha among human raters (chance-corrected; as `evalkit stats`)."
        )
        st.dataframe(alpha[["kind", "measure", "level", "alpha (95% CI)"]], hide_index=True)
    agreement = support.agreement_table(data.items, data.grades, dims)
    if not agreement.empty:
        st.caption(
            "Raw pairwise percent agreement on items two or more raters answered, with a 95% "
            "Wilson interval (pairs on one item are not independent, so it is optimistic)."
        )
        st.dataframe(agreement[["kind", "measure", "items", "agreement"]], hide_index=True)
    st.subheader("Gold accuracy per rater")
    gold = support.gold_accuracy_table(data.raters, data.items, data.grades)
    if gold.empty:
        st.info("No gold item has been graded yet.")
    else:
        st.dataframe(gold[["rater", "gold_accuracy"]], hide_index=True)
    st.subheader("Export grades")
    frame = support.grades_table(data.items, data.grades, dims)
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


# --------------------------------------------------------------------------- main


def main() -> None:
    st.set_page_config(page_title="evalkit rating", layout="wide")
    try:
        store = _store(*support.store_location())
        rubrics = _rubrics(None)
    except UserError as exc:
        st.error(str(exc))
        st.stop()
    rater: RaterSession | None = st.session_state.get("rater")
    if rater is None:
        login_page(store)
        return
    page = sidebar(rater)
    show_progress(store, rater)  # on every page, always
    if page == ADMIN_PAGE and rater.is_admin:
        admin_page(store, rater, rubrics)
    else:
        grading_page(store, rater, rubrics)


main()
