"""Untrusted text shown as what it is: invisible and direction-changing characters made visible.

Model output and prompts can hold characters a reader cannot see but that change what is shown:
a right-to-left override (U+202E) reverses the text after it ("Trojan Source"), a zero-width
space hides inside a word, tag characters (U+E0000–U+E007F) carry a hidden message. A rater
grading such text, or a reader of the report, would judge something other than what the model
wrote. `visible()` replaces each such character by a marked code point, `⟦U+202E⟧`, so the reader
sees exactly which characters are there, and nothing changes the direction of the text after it.

Marked: every format (Cf) and control (Cc) character except line feed and tab (so the bidi
embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and
U+061C, zero-width U+200B–U+200D, U+2060, U+FEFF and the soft hyphen U+00AD), line and paragraph
separators (U+2028, U+2029), variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF), the tag
block U+E0000–U+E007F, lone surrogates, and the blank-looking fillers U+115F, U+1160, U+3164,
U+FFA0 and U+2800. A CR LF line end is a line end; a lone carriage return is marked. The marker
itself (U+27E6, U+27E7) is ordinary text: a model that writes `⟦U+202E⟧` literally shows as that.
"""

from __future__ import annotations

import re
import unicodedata

KEPT = frozenset("\n\t")
MARKED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
BLANK_FILLERS = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800})
# anything outside printable ASCII (and line feed, tab) is looked at one character at a time
_CANDIDATES = re.compile(r"[^\x20-\x7e\n\t]")


def marker(char: str) -> str:
    """`⟦U+202E⟧`: how a hidden character is shown."""
    return f"⟦U+{ord(char):04X}⟧"


def is_hidden(char: str) -> bool:
    """Whether a character is invisible or changes how the text around it is shown."""
    if char in KEPT:
        return False
    code = ord(char)
    return (
        unicodedata.category(char) in MARKED_CATEGORIES
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
        or code in BLANK_FILLERS
    )


def _shown(match: re.Match[str]) -> str:
    char = match.group(0)
    return marker(char) if is_hidden(char) else char


def visible(text: str | None) -> str:
    """The text with every hidden character replaced by its marked code point (None -> "")."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n")
    return _CANDIDATES.sub(_shown, text)


def hidden_characters(text: str | None) -> list[str]:
    """The code points (`U+202E`) of the hidden characters in a text, in order."""
    return [f"U+{ord(c):04X}" for c in (text or "").replace("\r\n", "\n") if is_hidden(c)]
