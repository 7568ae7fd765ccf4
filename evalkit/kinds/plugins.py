"""A project's own grading kinds, found in every process that asks for kinds (the CLI, the rater
app, a notebook), as pytest finds plugins:

- `EVALKIT_KINDS`: a comma-separated list of modules (`mykinds.rating`) or Python files
  (`kinds/rating.py`, relative to the working directory); each registers its kind with
  `register_kind` when imported;
- the `evalkit.kinds` entry point group of any installed package, e.g. in its pyproject.toml:
  `[project.entry-points."evalkit.kinds"] rating = "mykinds.rating"` (a module that registers
  its kind, or a `GradingKind` instance or class, which is registered for it).

Each source is loaded once per process (the entry points are read once). A source that cannot
be loaded is a `UserError` naming it, never a silently missing kind.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from evalkit.errors import UserError

ENV = "EVALKIT_KINDS"
GROUP = "evalkit.kinds"
_loaded: set[str] = set()
_points: list[Any] | None = None


def load_plugins() -> None:
    """Import every kind source not yet loaded in this process (see the module docstring)."""
    for entry in _env_entries():
        key = f"env:{entry}"
        if key not in _loaded:
            _load_env_entry(entry)
            _loaded.add(key)  # only once it loaded: a broken source fails every call
    for point in _entry_points():
        key = f"ep:{point.name}={point.value}"
        if key not in _loaded:
            try:
                loaded = point.load()
            except Exception as exc:  # a broken plugin is named, not a traceback
                raise UserError(
                    f"entry point {point.name} = {point.value} ({GROUP}) could not be loaded: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            _register_object(loaded, f"entry point {point.name} ({GROUP})")
            _loaded.add(key)


def _entry_points() -> list[Any]:
    """The group's entry points, read once per process (reading every installed package's
    metadata takes a tenth of a second; the installed packages do not change while it runs)."""
    global _points
    if _points is None:
        _points = list(entry_points(group=GROUP))
    return _points


def _env_entries() -> list[str]:
    raw = os.environ.get(ENV, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def _load_env_entry(entry: str) -> None:
    where = f"{ENV} entry {entry!r}"
    try:
        if entry.endswith(".py") or os.sep in entry or "/" in entry:
            _import_file(Path(entry), where)
        else:
            importlib.import_module(entry)
    except UserError:
        raise
    except ModuleNotFoundError as exc:
        raise UserError(f"{where}: no module {exc.name!r} (a module name or a .py file)") from exc
    except Exception as exc:
        raise UserError(f"{where}: importing it failed: {type(exc).__name__}: {exc}") from exc


def _import_file(path: Path, where: str) -> None:
    path = path.expanduser().resolve()
    if not path.is_file():
        raise UserError(f"{where}: {path} is not a file")
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"evalkit_project_kind_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{where}: {path} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pydantic look their module up
    spec.loader.exec_module(module)


def _register_object(obj: Any, where: str) -> None:
    """An entry point may name a module (it registered itself), a kind, or a kind class."""
    from types import ModuleType

    from evalkit.kinds.base import KINDS, GradingKind, register_kind

    if isinstance(obj, ModuleType):
        return
    if isinstance(obj, type) and issubclass(obj, GradingKind):
        obj = obj()
    if not isinstance(obj, GradingKind):
        raise UserError(f"{where}: {obj!r} is neither a module nor a GradingKind")
    if KINDS.get(obj.name) is not obj:
        register_kind(obj)
