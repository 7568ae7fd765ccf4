"""JSONL in and out, through `jsonlines`. A bad line is an `InputError` naming path:line: field."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import jsonlines
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from evalkit.errors import InputError, UserError

R = TypeVar("R", bound=BaseModel)


def describe_validation_error(error: ValidationError) -> tuple[str, str]:
    """The first problem of a pydantic error as (field path, message)."""
    return describe_error_details(error.errors()[0])


def describe_error_details(
    details: ErrorDetails, root: str = "record", missing: str = "required field is missing"
) -> tuple[str, str]:
    """One problem of a pydantic error as (field path, message); `root` names the whole record."""
    field = ".".join(str(part) for part in details["loc"]) or root
    message = details["msg"]
    if details["type"] == "extra_forbidden":
        message = "unknown field"
    elif details["type"] == "missing":
        message = missing
    return field, message


def iter_json_lines(
    path: str | os.PathLike[str], allow_torn_tail: bool = False
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; a line that is not a JSON object raises.

    With `allow_torn_tail`, a last line without its newline (a write cut short by a crash) is
    left out with a warning: it is the record an append-only writer had not finished."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), None, None, "file not found")
    if path.is_dir():
        raise InputError(str(path), None, None, "is a folder, expected a .jsonl file")
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if allow_torn_tail and not raw.endswith(b"\n"):
                print(f"evalkit: {path}:{number}: ignoring a torn last line", file=sys.stderr)
                return
            obj = parse_json_line(path, number, raw)
            if obj is not None:
                yield number, obj


def parse_json_line(path: str | os.PathLike[str], number: int, raw: bytes) -> dict[str, Any] | None:
    """One line of a JSONL file as an object (None for a blank line); else InputError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(str(path), number, None, "not valid UTF-8") from None
    if not text.strip():
        return None
    try:
        obj = jsonlines.Reader([text]).read()
    except jsonlines.InvalidLineError as exc:
        reason = str(exc.__cause__ or exc).split(" (")[0]
        raise InputError(str(path), number, None, f"not valid JSON ({reason})") from None
    if not isinstance(obj, dict):
        raise InputError(str(path), number, None, "expected a JSON object")
    return obj


def read_records(
    path: str | os.PathLike[str], record_type: type[R], allow_torn_tail: bool = False
) -> list[R]:
    """Every line of `path` validated as `record_type`; the first bad line raises InputError."""
    return [
        validate_record(obj, record_type, path, number)
        for number, obj in iter_json_lines(path, allow_torn_tail)
    ]


def validate_record(
    obj: Any, record_type: type[R], path: str | os.PathLike[str], number: int | None
) -> R:
    """`obj` validated as `record_type`; the first problem is an InputError `path:line: field`."""
    try:
        return record_type.model_validate(obj)
    except ValidationError as exc:
        field, message = describe_validation_error(exc)
        raise InputError(str(path), number, field, message) from None


def output_problem(path: Path) -> str | None:
    """Why `path` cannot be written as an output file, or None when it can (probably)."""
    if path.is_dir():
        return "is a folder, expected a file path"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write in {parent} (permission denied)"
    return None


def check_outputs(*paths: str | os.PathLike[str] | None) -> None:
    """Refuse, before any work, an output path that cannot be written (a folder, a parent that
    is a file, no permission): a UserError naming it. None entries are skipped."""
    for path in paths:
        if path is None:
            continue
        path = Path(path)
        if problem := output_problem(path):
            raise UserError(f"{path}: cannot write: {problem}")
        if path.exists() and not path.is_file():
            continue  # a device or a pipe, written directly
        made: list[Path] = []
        try:  # a probe, removed at once: permissions alone do not tell (root, /proc, quotas)
            made = _make_folders(path.parent)
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
        finally:
            _remove_folders(made)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "w") -> Iterator[Any]:
    """Write `path` all or nothing: a temporary file beside it, renamed over it on success and
    removed on failure (with any folder made for it), so no reader ever sees half a file. An
    I/O failure is a UserError naming the path (exit 2), never a traceback. A device or a pipe
    (`/dev/stdout`) is written directly: it cannot be replaced."""
    path = Path(path)
    problem = output_problem(path)
    if problem:
        raise UserError(f"{path}: cannot write: {problem}")
    if path.exists() and not path.is_file():
        with _direct_output(path, mode) as handle:
            yield handle
        return
    made: list[Path] = []
    try:
        made = _make_folders(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        _remove_folders(made)
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    handle = os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")
    try:
        with handle:
            yield handle
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _remove_folders(made)
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _remove_folders(made)
        raise


@contextlib.contextmanager
def _direct_output(path: Path, mode: str) -> Iterator[Any]:
    try:
        with path.open(mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; returns those created (outermost first)."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    made = []
    try:
        for each in reversed(missing):
            each.mkdir()
            made.append(each)
    except OSError:
        _remove_folders(made)
        raise
    return made


def _remove_folders(made: list[Path]) -> None:
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def write_texts(texts: dict[Path, str]) -> None:
    """Write several text files all or nothing (e.g. a CI job's JUnit XML and its Markdown
    summary): each goes to a temporary file first, and they are renamed into place only once
    all of them are written, so an I/O failure on one leaves none of them."""
    with contextlib.ExitStack() as stack:
        for path, text in texts.items():
            stack.enter_context(atomic_output(path)).write(text)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace a text file atomically (see `atomic_output`)."""
    with atomic_output(path) as handle:
        handle.write(text)


def write_records(path: str | os.PathLike[str], records: Iterable[BaseModel | dict]) -> int:
    """Write (replace) a JSONL file atomically; returns the number of lines."""
    count = 0
    with atomic_output(path) as handle:
        for record in records:
            handle.write(json.dumps(_as_dict(record), ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
            count += 1
    return count


class AppendWriter:
    """Append-only JSONL writer that flushes and fsyncs per record, so a crash loses at most
    the line being written (and `repair_torn_tail` removes that half line on the next start)."""

    def __init__(self, path: str | os.PathLike[str], fsync: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_torn_tail(self.path)
        self._handle = self.path.open("a", encoding="utf-8")
        self._fsync = fsync

    def write(self, record: BaseModel | dict) -> None:
        self._handle.write(json.dumps(_as_dict(record), ensure_ascii=False) + "\n")
        self._handle.flush()
        if self._fsync:
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> AppendWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def repair_torn_tail(path: Path) -> bool:
    """Cut a last line that has no newline (a write torn by a crash). Returns True if cut."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb+") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return False
        # find the last newline before the torn tail
        block = 1 << 16
        position = size
        cut_at = 0
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            index = chunk.rfind(b"\n")
            if index >= 0:
                cut_at = start + index + 1
                break
            position = start
        handle.truncate(cut_at)
    return True


def _as_dict(record: BaseModel | dict) -> dict:
    if isinstance(record, BaseModel):
        return record.model_dump(mode="json", exclude_none=False)
    return record
