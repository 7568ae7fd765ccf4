"""Where evalkit finds shared data and keeps its cache."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROMPTS_DIR = PROJECT_ROOT / "prompts"
RUBRICS_DIR = PROJECT_ROOT / "rubrics"


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
