"""Talking to a Label Studio server through `label-studio-sdk` (2.x, `LabelStudio` client).

The URL comes from `--url` or `$LABEL_STUDIO_URL`, the API key only from
`$LABEL_STUDIO_API_KEY` (a legacy token or a personal access token; the SDK tells them apart).
The key is never printed, logged or written: every message passes through `scrub`, which also
drops credentials, query and fragment from URLs.

`LabelStudioAPI` is the small surface evalkit uses; it turns the SDK's and httpx's errors into
one-line `UserError`s (a 401 names the variable to fix).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from evalkit.errors import UserError

URL_ENV = "LABEL_STUDIO_URL"
KEY_ENV = "LABEL_STUDIO_API_KEY"
IMPORT_BATCH = 500
T = TypeVar("T")


def resolve_url(explicit: str | None = None) -> str:
    """`--url` > `$LABEL_STUDIO_URL`; a clear error when neither is set."""
    url = (explicit or os.environ.get(URL_ENV) or "").strip()
    if not url:
        raise UserError(
            f"Label Studio URL: pass --url or set ${URL_ENV} (e.g. http://localhost:8080)"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UserError(f"Label Studio URL {redact_url(url)!r}: not a URL") from None
    shown = redact_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"Label Studio URL {shown!r}: expected http(s)://host[:port]")
    if parts.username or parts.password:  # httpx would send them instead of the API key
        raise UserError(
            f"Label Studio URL {shown!r}: remove the user:password part; the API key comes "
            f"from ${KEY_ENV}"
        )
    if parts.query or parts.fragment:
        raise UserError(f"Label Studio URL {shown!r}: remove the ?query or #fragment")
    return url.rstrip("/")


def api_key() -> str:
    """The API key, from the environment only (never an option: it would land in shell history)."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise UserError(
            f"${KEY_ENV} is not set: copy the access token from Label Studio "
            "(Account & Settings) into that environment variable"
        )
    return key


def redact_url(url: str) -> str:
    """The URL as it may be shown: no user, password, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<unparsable URL>"


_URL_RE = re.compile(r"https?://[^\s'\"<>]+")


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Text safe to show: every URL redacted, every secret (the API key) replaced by ***."""
    text = _URL_RE.sub(lambda m: redact_url(m.group(0)), text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class Project:
    id: int
    title: str
    label_config: str | None = None


class LabelStudioAPI:
    """The calls evalkit makes, on a `label_studio_sdk.LabelStudio` client (or a test double)."""

    def __init__(self, client: Any, url: str, key: str = "") -> None:
        self.client = client
        self.url = url
        self.display_url = redact_url(url)
        self._secrets = (key,) if key else ()

    # -- error translation

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one SDK call; its failures become a one-line UserError naming `what`."""
        try:
            return fn()
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated below, re-raised when unknown
            raise self._translate(what, exc) from None

    def _translate(self, what: str, exc: Exception) -> Exception:
        import httpx
        from label_studio_sdk.core.api_error import ApiError

        where = f"Label Studio at {self.display_url}"
        if isinstance(exc, ApiError):
            status = exc.status_code
            if status == 401:
                return UserError(
                    f"{where} rejected the API key (401 Unauthorized) while trying to {what}: "
                    f"check ${KEY_ENV} (a legacy token needs legacy tokens enabled for the "
                    "organization; a personal access token must not be expired)"
                )
            if status == 403:
                return UserError(f"{where}: the user of ${KEY_ENV} may not {what} (403 Forbidden)")
            detail = self.scrub(_detail(exc.body))
            return UserError(f"{where}: could not {what} ({status}: {detail})")
        if isinstance(exc, httpx.HTTPError):
            reason = self.scrub(str(exc)) or type(exc).__name__
            return UserError(
                f"cannot reach {where} to {what}: {reason} (is the server running? "
                f"check --url / ${URL_ENV})"
            )
        return exc

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    # -- calls

    def check(self) -> str:
        """Who the API key belongs to (its email): an early, clear 401 instead of a late one."""
        user = self.call("check the API key", lambda: self.client.users.whoami())
        return str(getattr(user, "email", "") or getattr(user, "username", "") or "?")

    def projects_titled(self, title: str) -> list[Project]:
        """Projects whose title is exactly `title` (the server filters by substring)."""
        found = self.call(
            "list projects", lambda: list(self.client.projects.list(title=title, page_size=100))
        )
        return [Project(int(p.id), str(p.title)) for p in found if p.title == title]

    def projects_with_prefix(self, prefix: str) -> list[Project]:
        found = self.call(
            "list projects", lambda: list(self.client.projects.list(title=prefix, page_size=100))
        )
        return [Project(int(p.id), str(p.title)) for p in found if str(p.title).startswith(prefix)]

    def project(self, project_id: int) -> Project:
        got = self.call(f"read project {project_id}", lambda: self.client.projects.get(project_id))
        return Project(int(got.id), str(got.title), got.label_config)

    def create_project(self, title: str, **settings: Any) -> Project:
        got = self.call(
            f"create project {title!r}",
            lambda: self.client.projects.create(title=title, **settings),
        )
        return Project(int(got.id), str(got.title), settings.get("label_config"))

    def update_project(self, project_id: int, **settings: Any) -> None:
        self.call(
            f"update project {project_id}",
            lambda: self.client.projects.update(project_id, **settings),
        )

    def tasks(self, project_id: int, annotations: bool = True) -> Iterator[Any]:
        """Every task of a project, with its annotations unless told not to (paged by the SDK)."""
        fields = "all" if annotations else "task_only"
        pages = self.call(
            f"list the tasks of project {project_id}",
            lambda: self.client.tasks.list(project=project_id, fields=fields, page_size=100),
        )
        iterator = iter(pages)
        while True:
            task = self.call(
                f"list the tasks of project {project_id}", lambda: next(iterator, None)
            )
            if task is None:
                return
            yield task

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> int:
        """Import tasks in batches; returns how many the server created."""
        created = 0
        for start in range(0, len(tasks), IMPORT_BATCH):
            batch = tasks[start : start + IMPORT_BATCH]
            response = self.call(
                f"import tasks into project {project_id}",
                functools.partial(
                    self.client.projects.import_tasks,
                    project_id,
                    request=batch,
                    return_task_ids=True,
                ),
            )
            count = getattr(response, "task_count", None)
            created += int(count) if count is not None else len(batch)
        return created

    def users(self) -> dict[int, str]:
        """Label Studio user id -> email (lower case) of the organization's users."""
        found = self.call("list users", lambda: list(self.client.users.list()))
        return {int(u.id): str(u.email or u.username or f"user-{u.id}").lower() for u in found}


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "validation_errors", "message", "error"):
            if body.get(key):
                return str(body[key])[:500]
    return str(body)[:500]


def connect(url: str | None = None, httpx_client: Any = None) -> LabelStudioAPI:
    """A checked connection: URL from --url/$LABEL_STUDIO_URL, key from $LABEL_STUDIO_API_KEY.

    `httpx_client`: a configured `httpx.Client` (proxies, custom CA, or a test transport).
    """
    from label_studio_sdk import LabelStudio

    base = resolve_url(url)
    key = api_key()
    holder = LabelStudioAPI(None, base, key)
    options: dict[str, Any] = {"httpx_client": httpx_client} if httpx_client else {"timeout": 120}
    # the SDK decodes a personal access token (a JWT) at once: its errors are translated too
    holder.client = holder.call(
        "connect", lambda: LabelStudio(base_url=base, api_key=key, **options)
    )
    holder.check()
    return holder
