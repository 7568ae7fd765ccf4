"""Shared helpers of the rater app's tests: driving the page in a real browser (Debian chromium
through playwright, `tests/fixtures/browser.py`), capturing everything the browser received,
and a module-scoped app server (one `evalkit app` start per test module)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.fixtures.browser import RATERS, start_app, stop_app

TIMEOUT_MS = 30_000
SECRET_LABEL = "Password or token"

SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-stale="true"]');
}"""

KEYS = """() => {
    const out = [];
    for (const el of document.querySelectorAll('[class*="st-key-"], [id]')) {
        if (el.id) out.push(el.id);
        for (const c of el.classList) if (c.startsWith('st-key-')) out.push(c.slice(7));
    }
    return out;
}"""

# the texts of the main area's st.text elements, in page order (prompt, response A, response B)
MAIN_TEXTS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stText"]')].map(e => e.textContent)"""


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


def settled(page: Any) -> None:
    """Wait for the script run to end with no stale elements left."""
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)


def progress_is(page: Any, done: int, total: int) -> None:
    """Wait for the progress line, then for the script run to end (no stale elements left),
    so the next click lands on the new item's widgets and not on the old ones."""
    page.get_by_text(f"Progress: {done} / {total} done").wait_for(timeout=TIMEOUT_MS)
    settled(page)


def log_in(page: Any, url: str, name: str, secret: str | None = None) -> None:
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label(SECRET_LABEL).fill(secret if secret is not None else RATERS[name][1])
    page.get_by_role("button", name="Log in").click()


def choose(page: Any, label: str) -> None:
    page.locator("label").filter(has_text=label).first.click()


def item_keys(page: Any) -> set[str]:
    """The widget keys (`st-key-*` classes) and element ids of the current item's form."""
    keys = set(page.evaluate(KEYS))
    return {key for key in keys if key.startswith(("form_", "comment_", "flag_", "submit_"))}


def main_texts(page: Any) -> list[str]:
    return list(page.evaluate(MAIN_TEXTS))


def new_page(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


@contextmanager
def serving(store_url: str, log: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`evalkit app --db STORE` (its log in `log`) with extra environment; yields its URL."""
    saved = {key: os.environ.get(key) for key in env or {}}
    os.environ.update(env or {})
    try:
        process, url = start_app(store_url, log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    print(f"\n[browser] evalkit app serving {url} (store {store_url})", flush=True)
    try:
        yield url
    finally:
        stop_app(process)
