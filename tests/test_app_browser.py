"""The rater app in a real browser (Debian chromium via playwright) against `evalkit app`:
log in, grade three items, check the store; no model name, item id (or value computed from
one) or other rater's grade anywhere the browser received; widget keys are per-session random
handles; an XSS payload in a response is shown as text and nothing runs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from evalkit.paths import PROJECT_ROOT
from evalkit.records import Grade
from evalkit.store import GradeStore
from tests.fixtures.browser import MODEL_NAMES, RATERS, AppServer, derived_from

pytestmark = [pytest.mark.slow, pytest.mark.browser]
# the README's picture is refreshed only on request, so a test run leaves the tree unchanged
SCREENSHOT = (
    PROJECT_ROOT / "reports" / "screenshots" / "rater_app.png"
    if os.environ.get("EVALKIT_UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "evalkit-rater_app.png"
)
TIMEOUT_MS = 30_000


class Capture:
    """Everything the server sent: HTTP bodies (text, JSON, JS) and websocket frames."""

    def __init__(self, page: Any) -> None:
        self.responses: list[Any] = []
        self.frames: list[bytes] = []
        self.dialogs: list[str] = []
        page.on("response", self._response)
        page.on("websocket", self._websocket)
        page.on("dialog", self._dialog)

    def _response(self, response: Any) -> None:
        self.responses.append(response)

    def _websocket(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        self.frames.append(payload.encode() if isinstance(payload, str) else payload)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def bodies(self) -> list[bytes]:
        out = []
        for response in self.responses:
            try:
                out.append(response.body())
            except Exception:  # redirects and aborted requests have no body
                continue
        return out


SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-stale="true"]');
}"""


def progress_is(page: Any, done: int, total: int) -> None:
    """Wait for the progress line, then for the script run to end (no stale elements left),
    so the next click lands on the new item's widgets and not on the old ones."""
    page.get_by_text(f"Progress: {done} / {total} done").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)


def log_in(page: Any, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password or one-time token").fill(RATERS[name][1])
    page.get_by_role("button", name="Log in").click()


def choose(page: Any, label: str) -> None:
    page.locator("label").filter(has_text=label).first.click()


KEYS = """() => {
    const out = [];
    for (const el of document.querySelectorAll('[class*="st-key-"], [id]')) {
        if (el.id) out.push(el.id);
        for (const c of el.classList) if (c.startsWith('st-key-')) out.push(c.slice(7));
    }
    return out;
}"""


def item_keys(page: Any) -> set[str]:
    """The widget keys (`st-key-*` classes) and element ids of the current item's form."""
    keys = set(page.evaluate(KEYS))
    return {key for key in keys if key.startswith(("form_", "comment_", "flag_", "submit_"))}


def test_grade_three_items_blinded_and_xss_inert(
    chromium_browser: Any, app_server: AppServer
) -> None:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    capture = Capture(page)
    contents: list[str] = []
    items = app_server.store.items
    other = "bob-private-comment-on-the-first-item"  # another rater's grade: never shown
    with GradeStore(app_server.store.url) as store:
        store.save_grade(Grade(item_id=items[0].id, rater_id="bob", choice=-2, comment=other))
    try:
        log_in(page, app_server.url, "alice")
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
        log_in(page, app_server.url, "alice")
        progress_is(page, 3, 5)
        page.get_by_text(items[3].prompt_text).wait_for()
        contents.append(page.content())
        after_reload = item_keys(page)
        assert page.evaluate("typeof window.__xss") == "undefined"
    finally:
        bodies = capture.bodies()
        context.close()

    with GradeStore(app_server.store.url) as store:
        mine = [g for g in store.current_grades() if g.rater_id == "alice"]
    assert [(g.item_id, g.choice) for g in mine] == [
        (items[0].id, 2),
        (items[1].id, -1),
        (items[2].id, 0),
    ]
    assert mine[1].comment == "A shows its steps and is right."
    assert all(g.seconds is not None and g.seconds > 0 for g in mine)

    assert capture.dialogs == []
    assert len(capture.frames) > 10 and len(bodies) > 3
    received = [c.encode() for c in contents] + bodies + capture.frames
    assert any(items[1].right_text.encode() in blob for blob in capture.frames)  # capture works
    for name in MODEL_NAMES:
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
