"""Text handling: normalisation (NFKC, markup, apostrophes, case), quoted spans set aside,
sentences, and the zones of a response (opening, middle, closing) that the rules read apart."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_QUOTED = re.compile(
    r"\"[^\"\n]{0,400}\"|“[^”\n]{0,400}”|„[^“”\"\n]{0,400}[“”\"]|«[^»\n]{0,400}»|「[^」\n]{0,400}」|"
    r"『[^』\n]{0,400}』|"
    # single quotes, keeping apostrophes inside words ("'I can't help'" is one span)
    r"(?<![\w])'(?:[^'\n]|(?<=\w)'(?=\w)){1,400}'(?![\w])"
)
_MARKUP = re.compile(r"\*\*|__|`{3}[^\n]*|^#+\s*", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?。！？؟।](?=\s|$|[^\x00-\x7f])|\n+")
_WORD = re.compile(r"[\w']+", re.UNICODE)
_TOKEN = re.compile(r"[\w']+|[!?]", re.UNICODE)

OPENING_SENTENCES = 3  # a decline here is the response's stance
OPENING_CHARS = 400
CLOSING_SENTENCES = 2


def normalize(text: str, nfkc: bool = True) -> str:
    """NFKC, no bold / heading / code-fence markup, straight apostrophes, lower case."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    return _MARKUP.sub("", text).translate(_APOSTROPHES).lower()


def strip_quotes(text: str) -> str:
    return _QUOTED.sub(" ", text)


def sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        parts.append(text[start : end.end()])
        start = end.end()
    parts.append(text[start:])
    return [p for p in (s.strip() for s in parts) if p]


@dataclass(frozen=True)
class Zones:
    """A response cut where refusals sit: its opening, middle and closing sentences."""

    whole: str
    opening: str
    middle: str
    closing: str
    n_sentences: int


def zones(clean: str, parts: list[str] | None = None) -> Zones:
    """The zones of a normalised response (`parts`: its sentences, when already split)."""
    if parts is None:
        parts = sentences(clean)
    head: list[str] = []
    used = 0
    for sentence in parts[:OPENING_SENTENCES]:
        if head and used + len(sentence) > OPENING_CHARS:
            break
        head.append(sentence)
        used += len(sentence)
    rest = parts[len(head) :]
    tail = rest[-CLOSING_SENTENCES:] if len(rest) > CLOSING_SENTENCES else rest
    middle = rest[: len(rest) - len(tail)]
    return Zones(clean, " ".join(head), " ".join(middle), " ".join(tail), len(parts))
