"""Entity answers: `normalize_name` and `entity_mentions`, which find the reference name or
an alias in a response (exact, a letter or two off, or a surname) and whether each mention is
negated ("it's not Sydney"). Also `_DONT_KNOW`, the "I don't know" phrases that the number
and entity verdicts share.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from evalkit.records import FactAnswer
from evalkit.scoring.factuality.text import clean_text


def normalize_name(text: str) -> str:
    """Lower case, no accents, no punctuation, no articles, single spaces."""
    text = unicodedata.normalize("NFKD", clean_text(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("ø", "o").replace("æ", "ae").replace("ß", "ss").replace("'", "")
    text = re.sub(r"[^0-9a-z\u0080-\uffff]+", " ", text)
    text = re.sub(r"\b(?:the|a|an|le|la|les|el|los|las|der|die|das|de)\b", " ", text)
    return " ".join(text.split())


_ENTITY_NEGATED_BEFORE = re.compile(
    r"(?:\bnot|\bisn't|\bwasn't|\baren't|\bweren't|\bnever|\bnor|\brather than|\binstead of|"
    r"\bnot actually|\bno,?|\bunlike|\bcontrary to|\bmistaken for|\bconfused with|"
    r"\bthink of|\bthinking of)\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_ENTITY_NEGATED_AFTER = re.compile(
    r"^\s*,?\s*(?:is|was)?\s*(?:a common (?:mistake|misconception|guess|answer)|incorrect|wrong|"
    r"is wrong|is incorrect|is a myth)\b",
    re.IGNORECASE,
)
_DONT_KNOW = re.compile(
    r"\bi (?:don't|do not) know\b|\bi(?:'m| am) not (?:sure|certain)\b|\bi (?:couldn't|could "
    r"not|can't|cannot) (?:find|say|tell|determine|confirm|verify)\b|\bno (?:reliable )?"
    r"(?:information|record|data)\b|\bunknown\b|\bnot (?:known|recorded)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class EntityMention:
    name: str  # the reference name or alias matched
    text: str  # the words of the response that matched
    negated: bool
    how: Literal["exact", "close", "surname"]


_NAME_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def entity_mentions(text: str, fact: FactAnswer) -> list[EntityMention]:
    """Mentions of the reference entity (value or an alias) in a text, each with whether it is
    negated ("it's not Sydney"). Exact after normalization, close (one or two letters off) for
    names of 6+ letters, or the last word of a multi-word name (a surname, 4+ letters)."""
    body = clean_text(text)
    spans: list[tuple[str, int, int]] = []
    for m in _NAME_TOKEN.finditer(body):
        for part in normalize_name(m.group(0)).split():
            spans.append((part, m.start(), m.end()))
    words = [w for w, _, _ in spans]
    out: list[EntityMention] = []
    seen: set[int] = set()
    names = [str(fact.value)] + [a for a in fact.aliases if a.strip()]
    for how in ("exact", "close", "surname"):
        for name in names:
            target = normalize_name(name).split()
            if not target or (how == "surname" and not _surname_ok(name, fact)):
                continue
            want = [target[-1]] if how == "surname" else target
            joined = " ".join(want)
            n = len(want)
            for i in range(len(words) - n + 1):
                if i in seen:
                    continue
                window = " ".join(words[i : i + n])
                if how == "close":
                    hit = len(joined) >= 6 and window != joined and _close(window, joined)
                elif how == "surname":
                    hit = window == joined and body[spans[i][1]].isupper()
                else:
                    hit = window == joined
                if not hit:
                    continue
                seen.update(range(i, i + n))
                start, end = spans[i][1], spans[i + n - 1][2]
                before = re.split(r"[.;!?:]|\bbut\b|\bhowever\b", body[max(0, start - 40) : start])
                after = body[end : end + 40]
                negated = bool(_ENTITY_NEGATED_BEFORE.search(before[-1])) or bool(
                    _ENTITY_NEGATED_AFTER.match(after)
                )
                out.append(EntityMention(name, body[start:end], negated, how))
    return out


def _surname_ok(name: str, fact: FactAnswer) -> bool:
    """The last word alone names the entity only for a proper name of 2-4 capitalized words
    (a person, a ship: "Klaproth", "Beagle"), the reference value itself, 4+ letters."""
    words = name.split()
    return (
        name == str(fact.value)
        and 2 <= len(words) <= 4
        and all(w[:1].isupper() for w in words if w.lower() not in ("de", "von", "van", "of"))
        and len(normalize_name(words[-1])) >= 4
    )


def _close(a: str, b: str) -> bool:
    from difflib import SequenceMatcher

    return abs(len(a) - len(b)) <= 3 and SequenceMatcher(None, a, b).ratio() >= 0.88
