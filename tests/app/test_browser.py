"""The rater app in a real browser (Debian chromium via playwright) against one `evalkit app`
for the whole module, in the order a deployment meets its troubles:

1. grade three items: no model name, item id (or value computed from one) or other rater's grade
   anywhere the browser received; widget keys are per-session random handles; an XSS payload
   in a response is shown as text and nothing runs;
2. a right-to-left override in a response is shown as `⟦U+202E⟧` and does not reverse the text
   after it (measured on the rendered glyphs; the same text drawn raw is reversed);
3. deactivating a rater or resetting a token ends the open session at the next click;
4. a name locked by failed sign-ins is refused even with the right password, and the admin
   page shows the audit; the admin's CSV download is neutralised against formula injection;
5. a store held locked by another program: a spinner, then a clear "NOT saved" after the
   bounded wait (EVALKIT_WRITE_TIMEOUT), never a silent 45 s; the answers stay to resubmit;
6. a deleted store: an error on the page and in the log; nothing is saved, no grade is taken.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import run_cli
from evalkit.paths import PROJECT_ROOT
from evalkit.records import Grade
from evalkit.store import GradeStore
from tests.app.support import (
    Capture,
    choose,
    item_keys,
    log_in,
    main_texts,
    new_page,
    progress_is,
    serving,
    settled,
)
from tests.fixtures.browser import SeededStore, derived_from, make_item, seed_store
from tests.fixtures.builders import SECRET_MODELS

pytestmark = [pytest.mark.slow, pytest.mark.browser]
# the README's picture is refreshed only on request, so a test run leaves the tree unchanged
SCREENSHOT = (
    PROJECT_ROOT / "reports" / "screenshots" / "rater_app.png"
    if os.environ.get("EVALKIT_UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "evalkit-rater_app.png"
)
WRITE_TIMEOUT = 3  # seconds a submit waits for a busy store in this module's app
RLO_TEXT = "Total: abc\u202edef ghi"
FORMULA = '=HYPERLINK("http://evil.example/x","click me")'


@dataclass
class Served:
    url: str
    store: SeededStore
    log: Path
    bidi_item: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One app for the module: alice's and bob's queue (the XSS sxs item, two more sxs items,
    a summarization and a safety item), and tina's (token) one sxs item with an RLO."""
    folder = tmp_path_factory.mktemp("app")
    seeded = seed_store(folder / "grades.sqlite", xss_first=True)
    bidi = make_item("sxs", 9).model_copy(update={"id": "it-bidi", "right_text": RLO_TEXT})
    with GradeStore(seeded.url) as store:
        store.add_items([bidi])
        store.assign_many([(bidi.id, "tina")])
        store.add_rater("carol", password="carol-password-4")
    log = folder / "streamlit.log"
    with serving(seeded.url, log, {"EVALKIT_WRITE_TIMEOUT": str(WRITE_TIMEOUT)}) as url:
        yield Served(url=url, store=seeded, log=log, bidi_item=bidi.id)


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    context, page = new_page(chromium_browser)
    try:
        yield page
    finally:
        context.close()


def current_grades(served: Served, rater: str) -> list[Grade]:
    with GradeStore(served.store.url, create=False) as store:
        return [g for g in store.current_grades() if g.rater_id == rater]


def test_grade_three_items_blinded_and_xss_inert(chromium_browser: Any, served: Served) -> None:
    context, page = new_page(chromium_browser)
    capture = Capture(page)
    contents: list[str] = []
    items = served.store.items
    other = "bob-private-comment-on-the-first-item"  # another rater's grade: never shown
    with GradeStore(served.store.url) as store:
        store.save_grade(Grade(item_id=items[0].id, rater_id="bob", choice=-2, comment=other))
    try:
        log_in(page, served.url, "alice")
        progress_is(page, 0, 5)
        first_keys = item_keys(page)

        # item 1 carries the XSS payload as response A: shown as text, nothing runs
        payload_line = "<script>window.__xss = 'script'; alert('xss')</script>"
        page.get_by_text(payload_line, exact=False).wait_for()
        assert page.get_by_text(payload_line, exact=False).is_visible()
        assert page.get_by_text('<img src=x onerror="window.__xss', exact=False).is_visible()
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator("a[href^='javascript:']").count() == 0
        assert page.locator("img[src='x']").count() == 0
        contents.append(page.content())
        choose(page, "B much better")
        page.get_by_label("Comment (optional)").fill(FORMULA)  # for the CSV export below
        page.get_by_role("button", name="Submit").click()
        progress_is(page, 1, 5)

        # item 2: the page the README shows
        page.get_by_text(items[1].prompt_text).wait_for()
        contents.append(page.content())
        choose(page, "A slightly better")
        page.get_by_label("Comment (optional)").fill("A shows its steps and is right.")
        page.get_by_text("Saved.").wait_for(state="hidden")  # the toast, for a clean picture
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.get_by_role("button", name="Submit").click()
        progress_is(page, 2, 5)

        # item 3
        page.get_by_text(items[2].prompt_text).wait_for()
        contents.append(page.content())
        choose(page, "About the same")
        page.get_by_role("button", name="Submit").click()
        progress_is(page, 3, 5)
        page.get_by_text(items[3].prompt_text).wait_for()  # the summarization item
        contents.append(page.content())
        before_reload = item_keys(page)

        # a reload loses nothing: log in again and continue at item 4
        page.reload()
        log_in(page, served.url, "alice")
        progress_is(page, 3, 5)
        page.get_by_text(items[3].prompt_text).wait_for()
        contents.append(page.content())
        after_reload = item_keys(page)
        assert page.evaluate("typeof window.__xss") == "undefined"
    finally:
        bodies = capture.bodies()
        context.close()

    mine = current_grades(served, "alice")
    assert [(g.item_id, g.choice) for g in mine] == [
        (items[0].id, 2),
        (items[1].id, -1),
        (items[2].id, 0),
    ]
    assert mine[0].comment == FORMULA and mine[1].comment == "A shows its steps and is right."
    assert all(g.seconds is not None and g.seconds > 0 for g in mine)

    assert capture.dialogs == []
    assert len(capture.frames) > 10 and len(bodies) > 3
    received = [c.encode() for c in contents] + bodies + capture.frames
    assert any(items[1].right_text.encode() in blob for blob in capture.frames)  # capture works
    for name in SECRET_MODELS:
        leaks = [blob[:80] for blob in received if name.encode() in blob]
        assert not leaks, f"model name {name} reached the browser: {leaks}"
    assert not [blob[:80] for blob in received if other.encode() in blob]
    # widget keys and element ids: a random per-session handle, never the item id or a value
    # computed from it (an earlier version sent sha256(item_id)[:12], which anyone can redo)
    assert first_keys and before_reload and after_reload and not first_keys & before_reload
    assert not before_reload & after_reload  # the same item, a new session: new keys
    for item in items:
        for value in derived_from(item.id, length=12):
            leaks = [blob[:80] for blob in received if value.encode() in blob]
            assert not leaks, f"{value!r} (from item id {item.id}) reached the browser: {leaks}"


# the left edges of the glyphs of `needle` (spaces skipped) in the first text node holding it,
# within `root` (an element, or the document)
GLYPH_EDGES = """([selector, needle]) => {
    for (const root of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.data.indexOf(needle);
            if (at < 0) continue;
            const edges = [];
            for (let k = 0; k < needle.length; k++) {
                if (needle[k] === ' ') continue;
                const range = document.createRange();
                range.setStart(node, at + k);
                range.setEnd(node, at + k + 1);
                edges.push(range.getBoundingClientRect().left);
            }
            return edges;
        }
    }
    return null;
}"""


def test_rlo_in_a_response_does_not_reverse_the_text_after_it(page: Any, served: Served) -> None:
    log_in(page, served.url, "tina", served.store.token)  # a token signs in like a password
    progress_is(page, 0, 1)
    texts = main_texts(page)
    assert "Total: abc⟦U+202E⟧def ghi" in texts  # the override, shown as what it is
    assert not any("\u202e" in text for text in texts)
    edges = page.evaluate(GLYPH_EDGES, ['[data-testid="stText"]', "def ghi"])
    assert edges and edges == sorted(edges) and len(set(edges)) == len(edges), edges
    # the measurement can fail: the same characters drawn raw read right to left
    page.evaluate(
        """(text) => { const d = document.createElement('div'); d.id = 'raw-rlo';
        d.textContent = text; document.body.appendChild(d); }""",
        RLO_TEXT,
    )
    raw = page.evaluate(GLYPH_EDGES, ["#raw-rlo", "def ghi"])
    assert raw and raw == sorted(raw, reverse=True), raw


def test_deactivation_and_token_reset_end_the_session_at_once(
    chromium_browser: Any, served: Served
) -> None:
    db = ["--db", served.store.url]
    # bob is on his first item; an admin deactivates him; his next click ends the session
    context, page = new_page(chromium_browser)
    try:
        log_in(page, served.url, "bob")
        progress_is(page, 1, 5)  # bob's grade of item 1 was saved through the store above
        choose(page, "A much better")
        assert run_cli(["raters", "deactivate", "bob", *db]) == 0
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("An admin deactivated your rater account").wait_for()
        assert page.get_by_label("Name").is_visible()  # back at the sign-in form
        assert len(current_grades(served, "bob")) == 1  # the submit saved nothing
        log_in(page, served.url, "bob")
        page.get_by_text("This rater is deactivated: ask your admin.").wait_for()
    finally:
        context.close()

    # tina signs in with her token; the admin resets it; her session ends, the old token is
    # refused and the new one works
    context, page = new_page(chromium_browser)
    try:
        log_in(page, served.url, "tina", served.store.token)
        progress_is(page, 0, 1)
        with GradeStore(served.store.url) as store:
            new_token = store.reset_token("tina")
        choose(page, "About the same")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Your password or token was changed or reset").wait_for()
        assert current_grades(served, "tina") == []
        log_in(page, served.url, "tina", served.store.token)
        page.get_by_text("Unknown name, or wrong password or token.").wait_for()
        log_in(page, served.url, "tina", new_token)
        progress_is(page, 0, 1)
    finally:
        context.close()


def test_locked_name_is_refused_and_audited_csv_export_neutralised(
    chromium_browser: Any, served: Served
) -> None:
    context, page = new_page(chromium_browser)
    try:
        log_in(page, served.url, "carol", "not-carols-password")
        page.get_by_text("Unknown name, or wrong password or token.").wait_for()
        # an attacker kept guessing, waiting out each growing delay (the schedule is tested on
        # the store with a fake clock): after 5 failures in a row the name is locked
        with GradeStore(served.store.url) as store:
            start, offsets = time.time(), iter(range(10, 100, 10))
            now = start
            store.clock = lambda: now
            for _ in range(4):  # failures 2..5, each after the delay the one before asked
                now = start + next(offsets)
                assert store.sign_in("carol", "guess", "203.0.113.7").outcome == "failure"
        log_in(page, served.url, "carol", "carol-password-4")  # the right password: refused
        page.get_by_text("Too many failed sign-ins for this name").wait_for()
        assert page.get_by_label("Name").is_visible()
    finally:
        context.close()

    with GradeStore(served.store.url) as store:  # a human grade from outside the app's raters
        store.save_grade(Grade(item_id=served.store.items[1].id, rater_id="ext-rater", choice=1))
    context, page = new_page(chromium_browser)
    try:
        log_in(page, served.url, "root")
        progress_is(page, 0, 0)
        page.get_by_text("Admin", exact=True).click()
        page.get_by_text("Sign-ins", exact=True).wait_for()
        settled(page)
        page.get_by_text("Rater quality", exact=True).wait_for()  # the section renders
        flagged = re.compile(r"^Side by side: \d+ of \d+ raters flagged$")
        assert page.get_by_text(flagged).count() == 1
        audit = page.locator('[data-testid="stDataFrame"]').all()
        assert audit  # the tables are canvases: the content is checked through the store
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        csv = Path(download.value.path()).read_text(encoding="utf-8")
    finally:
        context.close()
    assert "'" + FORMULA.replace('"', '""') in csv  # a leading apostrophe: shown, never run
    assert ',"=HYPERLINK' not in csv and ",=HYPERLINK" not in csv
    with GradeStore(served.store.url) as store:
        log = store.auth_log(limit=0)
    carol = log[log["name"] == "carol"]
    assert {"failure", "refused"} <= set(carol["outcome"])
    assert set(log[log["name"] == "root"]["outcome"]) == {"success"}


def test_busy_store_shows_a_spinner_then_gives_up_clearly(page: Any, served: Served) -> None:
    log_in(page, served.url, "alice")
    progress_is(page, 3, 5)  # the summarization item
    held, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        conn = sqlite3.connect(served.store.url, timeout=30, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(60)
        conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        page.get_by_role("button", name="Skip").click()
        page.get_by_text("Saving your grade").wait_for(timeout=5_000)  # the spinner
        page.get_by_text("Your grade was NOT saved: the grade store stayed busy").wait_for()
        waited = time.monotonic() - started
        assert WRITE_TIMEOUT - 0.5 <= waited <= WRITE_TIMEOUT + 10, waited
    finally:
        release.set()
        holder.join(10)
    assert len(current_grades(served, "alice")) == 3
    page.get_by_role("button", name="Skip").click()  # the store is free again
    progress_is(page, 4, 5)
    assert current_grades(served, "alice")[-1].skipped
    assert "store busy" in served.log.read_text()


def test_deleted_store_is_an_error_on_the_page_and_in_the_log(page: Any, served: Served) -> None:
    log_in(page, served.url, "alice")
    progress_is(page, 4, 5)  # the safety item
    Path(served.store.url).unlink()  # the run's store is deleted (a cleanup script, a mistake)
    page.get_by_role("button", name="Skip").click()
    page.get_by_text("a grade you just submitted was NOT saved").wait_for()
    page.get_by_text("the grade store file was deleted while in use").wait_for()
    # no form to submit again (waited for: Streamlit removes the last run's elements when its
    # rerun ends, which can be a moment after the error shows)
    page.get_by_role("button", name="Skip").wait_for(state="detached", timeout=10_000)
    page.reload()  # every page now says so, and takes no grade
    page.get_by_text("No grade can be saved now").wait_for()
    assert page.get_by_label("Name").count() == 0
    log = served.log.read_text()
    assert "nothing is saved" in log and "deleted while in use" in log
    assert not Path(served.store.url).exists()  # and no connection made a new empty store
