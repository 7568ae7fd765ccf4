"""The run folder: its layout, its writer lock, its manifest, and which grade store it uses.

    runs/<run>/
      prompts.jsonl     every prompt the run asked (new versions replace old)
      responses.jsonl   one Response per (prompt, model, sample); append-only
      scores.jsonl      automatic scores (rewritten by `evalkit score`)
      grades.sqlite     the grade store, unless --db / $EVALKIT_DB name another
      manifest.json     a `Manifest`: models, data hashes, and every session that wrote here
      .evalkit.lock     held by the one process writing the folder

Every module asks this one for a path, the manifest or the store, so a file name is spelled
once. One writer at a time: `RunDir.writing()` takes an exclusive lock (released by the
kernel when the process ends, so a lock left by a killed process is taken over safely),
refuses with the other process's pid and command when it is held, and records the session
in the manifest, marking sessions that were killed before they could say so.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalkit.errors import InputError, UserError
from evalkit.jsonio import describe_validation_error, write_text
from evalkit.records import utc_now

PROMPTS = "prompts.jsonl"
RESPONSES = "responses.jsonl"
SCORES = "scores.jsonl"
MANIFEST = "manifest.json"
GRADES_DB = "grades.sqlite"
LOCK = ".evalkit.lock"
DB_ENV = "EVALKIT_DB"
MANIFEST_SCHEMA = 1

SessionStatus = Literal["running", "completed", "failed", "interrupted", "killed"]


class Session(BaseModel):
    """One command that wrote to the run folder."""

    model_config = ConfigDict(extra="forbid")

    command: str = "run"
    status: SessionStatus = "completed"
    pid: int | None = None
    host: str | None = None
    started_at: str
    ended_at: str | None = None
    models: list[str] = Field(default_factory=list)
    # the `suite` of the prompts the session asked ("" for prompts without one): a config
    # that limits a model to some suites runs one session per suite, and `evalkit merge`
    # expects each model's responses only for the prompts its sessions were asked for
    prompt_suites: list[str] | None = None
    samples: int | None = None
    shard: str | None = None
    total: int | None = None
    cached: int | None = None
    asked: int | None = None
    ok: int | None = None
    errors: int | None = None
    message: str | None = None


class Manifest(BaseModel):
    """manifest.json: what a run is (models, data) and who wrote it when (sessions)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = MANIFEST_SCHEMA
    run_id: str
    evalkit_version: str | None = None
    project: str | None = None
    created_at: str = Field(default_factory=utc_now)
    updated_at: str | None = None
    models: dict[str, dict[str, Any]] = Field(default_factory=dict)
    datasets: dict[str, str] = Field(default_factory=dict)
    sessions: list[Session] = Field(default_factory=list)
    merged_from: list[str] = Field(default_factory=list)

    def candidates(self) -> list[str]:
        return [name for name, spec in self.models.items() if spec.get("role") == "candidate"]


class RunDir:
    """One run folder (it need not exist yet)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ layout

    @property
    def prompts(self) -> Path:
        return self.path / PROMPTS

    @property
    def responses(self) -> Path:
        return self.path / RESPONSES

    @property
    def scores(self) -> Path:
        return self.path / SCORES

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def default_store(self) -> Path:
        return self.path / GRADES_DB

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK

    def require(self) -> RunDir:
        """This folder, which must exist: a clear error otherwise."""
        if not self.path.exists():
            raise UserError(f"{self.path}: run folder not found")
        if not self.path.is_dir():
            raise UserError(f"{self.path}: is a file, expected a run folder")
        return self

    def create(self) -> RunDir:
        if self.path.exists() and not self.path.is_dir():
            raise UserError(f"{self.path}: is a file, expected a run folder")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{self.path}: cannot create the run folder: {exc.strerror}") from None
        if not os.access(self.path, os.W_OK):
            raise UserError(f"{self.path}: cannot write in the run folder (permission denied)")
        for name in (PROMPTS, RESPONSES, SCORES):
            if (self.path / name).is_dir():
                raise UserError(f"{self.path / name}: is a folder, expected a file")
        return self

    # ------------------------------------------------------------------ manifest

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None when there is none yet; a corrupt one is an InputError."""
        path = self.manifest_path
        if not path.exists():
            return None
        if path.is_dir():
            raise InputError(str(path), None, None, "is a folder, expected a JSON file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise InputError(str(path), None, None, "not valid UTF-8") from None
        except json.JSONDecodeError as exc:
            raise InputError(str(path), exc.lineno, None, f"not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise InputError(str(path), None, None, "expected a JSON object")
        version = data.get("schema_version", MANIFEST_SCHEMA)
        if version != MANIFEST_SCHEMA:
            raise InputError(
                str(path), None, "schema_version",
                f"{version!r} is not a version this evalkit reads ({MANIFEST_SCHEMA})",
            )  # fmt: skip
        data.setdefault("run_id", self.path.name)
        try:
            return Manifest.model_validate(data)
        except ValidationError as exc:
            field, message = describe_validation_error(exc)
            raise InputError(str(path), None, field, message) from None

    def manifest(self) -> Manifest:
        """The manifest, or a fresh one named after the folder."""
        return self.read_manifest() or Manifest(run_id=self.path.name)

    def write_manifest(self, manifest: Manifest) -> None:
        manifest.updated_at = utc_now()
        write_text(self.manifest_path, manifest.model_dump_json(indent=2) + "\n")

    @property
    def run_id(self) -> str:
        manifest = self.read_manifest()
        return manifest.run_id if manifest else self.path.name

    # ------------------------------------------------------------------ the writer lock

    @contextlib.contextmanager
    def writing(self, command: str, **details: Any) -> Iterator[Session]:
        """Hold the folder's writer lock while inside; record the session in the manifest.

        Yields the Session; the caller may fill in counts. The session ends `completed`,
        `interrupted` (Ctrl-C, SIGTERM) or `failed` (an exception), and is written either way.
        """
        self.create()
        manifest = self.manifest()  # a corrupt manifest fails here, before any work
        with _exclusive_lock(self.lock_path, command):
            manifest = self.manifest()
            for earlier in manifest.sessions:
                if earlier.status == "running":  # its process died holding the lock
                    earlier.status = "killed"
            session = Session(
                command=command,
                status="running",
                pid=os.getpid(),
                host=socket.gethostname(),
                started_at=utc_now(),
                **details,
            )
            manifest.sessions.append(session)
            self.write_manifest(manifest)
            try:
                yield session
            except (KeyboardInterrupt, SystemExit) as exc:
                session.status = "interrupted"
                session.message = str(exc) or type(exc).__name__
                raise
            except BaseException as exc:
                session.status = "failed"
                session.message = str(exc)[:300]
                raise
            else:
                session.status = "completed"
            finally:
                session.ended_at = utc_now()
                latest = self.manifest()
                latest.sessions = [
                    session if (s.pid, s.started_at) == (session.pid, session.started_at) else s
                    for s in latest.sessions
                ]
                self.write_manifest(latest)

    def update_manifest(self, **fields: Any) -> Manifest:
        """Set manifest fields (while holding the lock)."""
        manifest = self.manifest()
        for name, value in fields.items():
            setattr(manifest, name, value)
        self.write_manifest(manifest)
        return manifest

    # ------------------------------------------------------------------ grade store

    def store_url(self, db: str | None = None, *, create: bool = False) -> str:
        """Which grade store the run uses: `db` > $EVALKIT_DB > RUN_DIR/grades.sqlite.

        Reading commands never create a store: without `create`, a missing default store is an
        error naming the path (only `plan` and `store init` create one)."""
        if db:
            return db
        if os.environ.get(DB_ENV):
            return os.environ[DB_ENV]
        path = self.default_store
        if not create and not path.exists():
            raise UserError(
                f"{path}: no grade store (run `evalkit plan` first, or pass --db / ${DB_ENV})"
            )
        return str(path)

    def has_store(self, db: str | None = None) -> bool:
        return bool(db or os.environ.get(DB_ENV) or self.default_store.exists())


@contextlib.contextmanager
def _exclusive_lock(path: Path, command: str) -> Iterator[None]:
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _holder(handle.read())
            raise UserError(
                f"{path.parent}: another evalkit process is writing this run folder ({holder}); "
                "wait for it to finish or stop it, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": f"evalkit {command}",
            "argv": " ".join(sys.argv[1:])[:200],
            "since": utc_now(),
        }
        handle.write(json.dumps(info) + "\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def _holder(text: str) -> str:
    try:
        info = json.loads(text)
        return f"pid {info['pid']} on {info['host']}: `{info['command']}` since {info['since']}"
    except (json.JSONDecodeError, KeyError, TypeError):
        return "another process"
