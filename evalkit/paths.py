"""Where evalkit finds shared data and keeps its cache.

The prompt sets, rubrics, rater app and example files live in the repository's top-level
`prompts/`, `rubrics/`, `app/` and `examples/` folders. A wheel ships them as package data under
`evalkit/_data/` (pyproject.toml maps `evalkit._data.<name>` to the folder `<name>`), so an
installed evalkit finds them through `importlib.resources`; a source checkout (the editable
install the repository uses) falls back to the folders themselves.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("prompts", "rubrics", "app", "examples")


def shipped_dir(name: str) -> Path:
    """The folder evalkit ships as `name` (one of SHIPPED): the installed package data, else
    the repository's top-level folder."""
    if name not in SHIPPED:
        raise ValueError(f"unknown shipped folder {name!r} (known: {', '.join(SHIPPED)})")
    packaged = resources.files("evalkit") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    repository = PROJECT_ROOT / name
    if (PROJECT_ROOT / "pyproject.toml").is_file() and repository.is_dir():
        return repository
    return Path(str(packaged))  # missing: errors name where evalkit looked


PROMPTS_DIR = shipped_dir("prompts")
RUBRICS_DIR = shipped_dir("rubrics")
APP_DIR = shipped_dir("app")
EXAMPLES_DIR = shipped_dir("examples")


def rubric_file(name: str, rubrics_dir: str | os.PathLike[str] | None = None) -> Path:
    """`<name>.yaml` from an explicit folder, else the project's own `rubrics/` in the working
    directory (written by `evalkit init` for the team to edit) when it has that file, else the
    rubrics evalkit ships."""
    if rubrics_dir:
        return Path(rubrics_dir) / f"{name}.yaml"
    local = Path("rubrics") / f"{name}.yaml"
    return local if local.is_file() else RUBRICS_DIR / f"{name}.yaml"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Public evaluation data: an explicit path, else $EVALKIT_DATA_DIR, else ../shared/data."""
    if explicit:
        return Path(explicit)
    if os.environ.get("EVALKIT_DATA_DIR"):
        return Path(os.environ["EVALKIT_DATA_DIR"])
    for candidate in (Path.cwd() / "../shared/data", PROJECT_ROOT / "../shared/data"):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def cache_dir() -> Path:
    """evalkit's cache ($EVALKIT_CACHE or ~/.cache/evalkit): assembled GGUF files, NLTK data."""
    root = Path(os.environ.get("EVALKIT_CACHE", Path.home() / ".cache" / "evalkit"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def labelled_split(which: str | os.PathLike[str] | None, dev: Path, test: Path) -> Path:
    """A labelled set named as the graders' `--set` takes it: `test` (default), `dev`, or a
    path (the refusal and the summary sets alike)."""
    if which is None or str(which) == "test":
        return test
    if str(which) == "dev":
        return dev
    return Path(which)


def mtimes(*paths: Path) -> tuple[float, ...]:
    """The files' modification times (0.0 for a missing one): a cache key that changes when
    any of them does."""
    return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)
