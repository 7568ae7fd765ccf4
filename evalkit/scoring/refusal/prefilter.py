"""A literal prefilter for the rule regexes: the same matches, found faster.

Most rules start with a word boundary and a long alternation, where Python's `re` cannot skip
ahead and tries every position of the text. For each rule, `required_factors` reads the parsed
pattern and finds literal strings of which every match must contain one (the alternatives of
"(?:decline|pass on)" give {"decline", "pass on"}). `Rule.search` looks for those with `in`
(fast, in C) and runs the regex only when one is there: a text without any of them cannot
match, so results are identical, only cheaper (`bench/refusal.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _parse  # type: ignore[attr-defined]
from typing import Any

MAX_FACTORS = 60  # more strings to look for than this costs more than the regex saves
MIN_FACTOR = 2  # a one-character factor is in nearly every text


def _factors(items: Any) -> set[str] | None:
    """Strings of which every match of the parsed sequence `items` contains one, or None."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is _sre.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        found: set[str] | None = None
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, body = av
            if not add_flags & re.IGNORECASE:
                found = _factors(body)
        elif op is _sre.BRANCH:
            alternatives = [_factors(alt) for alt in av[1]]
            if all(alternatives):
                found = set().union(*alternatives)  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, _high, body = av
            if low >= 1:
                found = _factors(body)
        # zero-width (AT, ASSERT...), classes (IN, ANY, NOT_LITERAL), back references: none
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    if not candidates:
        return None
    # every candidate is required; the one whose shortest string is longest skips the most
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


def required_factors(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """The literal prefilter of a compiled pattern, or None when it has none worth checking."""
    if pattern.flags & re.IGNORECASE:
        return None
    found = _factors(_parse.parse(pattern.pattern, pattern.flags))
    if not found or len(found) > MAX_FACTORS or min(map(len, found)) < MIN_FACTOR:
        return None
    return tuple(sorted(found, key=lambda s: (len(s), s)))


@dataclass(frozen=True)
class Rule:
    """A compiled rule pattern with its prefilter: `search` is `pattern.search`, faster."""

    pattern: re.Pattern[str]
    factors: tuple[str, ...] | None

    @classmethod
    def compile(cls, regex: str) -> Rule:
        pattern = re.compile(regex, re.MULTILINE)
        return cls(pattern, required_factors(pattern))

    def search(self, text: str) -> re.Match[str] | None:
        if self.factors is not None and not any(f in text for f in self.factors):
            return None
        return self.pattern.search(text)
