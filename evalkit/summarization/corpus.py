"""A team's own corpus as the sampler's source (`evalkit summarization build --source FILE`).

Input: JSONL, one document per line: `{"text": ..., "content_type": ..., "thread_id": ...}`
(thread_id optional; other field names through `--map text=body,content_type=kind`). Lines of
one thread are stacked in file order, in windows of at most 10; a document without a thread
is a single sample. Two adapters read the public test corpora as they are: `aeslc` (Enron
emails: single documents, content type guessed from the subject line and body) and
`dialogsum` (two-person dialogues: each turn a document, the dialogue the thread, content
type guessed from the topic).

Key facts of corpus samples are extracted by rule (no annotation exists): money amounts,
dates (month + day, numeric dates, weekdays), clock times, then the most frequent proper
names (capitalized words or runs of them, not at a sentence start and not common words),
then other numbers of two or more digits; in that order, up to the bucket's count.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import InputError, UserError
from evalkit.jsonio import iter_json_lines
from evalkit.summarization.design import MAX_STACK, Cell, length_bucket, sample_tokens
from evalkit.summarization.text import (
    COMMON_CAPITALIZED,
    MONTHS,
    WEEKDAYS,
    fact_present,
    token_set,
)

FIELDS = ("text", "content_type", "thread_id")


@dataclass
class CorpusDoc:
    text: str
    content_type: str
    thread_id: str | None
    path: str
    line: int
    order: int = 0


@dataclass
class Unit:
    """One candidate sample: a single document or a window of one thread."""

    use_case: str
    docs: list[CorpusDoc]
    content_type: str
    thread_id: str | None
    order: int
    _facts: list[str] | None = field(default=None, repr=False)

    @property
    def documents(self) -> list[str]:
        return [d.text for d in self.docs]

    @property
    def cell(self) -> Cell:
        bucket = length_bucket(self.use_case, sample_tokens(self.documents))
        return Cell(self.content_type, bucket, len(self.docs) > 1)

    @property
    def lines(self) -> list[int]:
        return sorted({d.line for d in self.docs})

    @property
    def source(self) -> str:
        lines = self.lines
        span = str(lines[0]) if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"
        return f"corpus:{self.docs[0].path}:{span}"

    def key_facts(self, k: int) -> list[str]:
        return extract_key_facts("\n".join(self.documents), k)


# ------------------------------------------------------------------------------------------
def parse_map(entries: Iterable[str]) -> dict[str, str]:
    """`["text=body", "content_type=kind"]` (or comma-separated) -> {"text": "body", ...}."""
    mapping = {name: name for name in FIELDS}
    for entry in entries:
        for part in entry.split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or key not in FIELDS or not value:
                raise UserError(
                    f"--map {part!r}: expected FIELD=NAME with FIELD one of {', '.join(FIELDS)}"
                )
            mapping[key] = value
    return mapping


def _string(obj: dict[str, Any], name: str, path: str, line: int, required: bool) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError(path, line, name, "required field is missing")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and name != "text":
        return str(value)
    if not isinstance(value, str):
        raise InputError(path, line, name, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise InputError(path, line, name, "must not be empty")
    return value.strip() or None


def read_generic(path: Path, mapping: dict[str, str]) -> list[CorpusDoc]:
    docs = []
    for line, obj in iter_json_lines(path):
        text = _string(obj, mapping["text"], str(path), line, True)
        kind = _string(obj, mapping["content_type"], str(path), line, True)
        thread = _string(obj, mapping["thread_id"], str(path), line, False)
        docs.append(CorpusDoc(text or "", kind or "", thread, str(path), line))
    return docs


# AESLC: guess the email content type (design.CONTENT_TYPES) from the subject line and body
# (first match wins; "work" when nothing matches).
EMAIL_RULES: tuple[tuple[str, str], ...] = (
    ("orders_shipping", r"\b(order|purchase|shipp\w*|deliver\w*|tracking|package)\b"),
    ("bills_banking", r"\b(invoice|receipt|payment|paid|billing|bank\w*|statement)\b"),
    (
        "scheduling",
        r"\b(meeting|meet|schedul\w*|calendar|conference call|call on|lunch|"
        r"appointment|reschedul\w*|agenda)\b",
    ),
    (
        "support",
        r"\b(problem|issue|error|password|access|log ?in|fix|broken|help desk|"
        r"not working)\b",
    ),
    ("newsletter", r"\b(newsletter|digest|weekly|bulletin|update from|news)\b"),
    (
        "announcement",
        r"\b(announce\w*|effective|all employees|memo|policy|reorgani\w*|"
        r"welcome|congratulat\w*)\b",
    ),
    (
        "personal",
        r"\b(family|weekend|birthday|party|dinner|wedding|golf|game|kids|vacation|"
        r"holiday)\b",
    ),
)
CHAT_RULES: tuple[tuple[str, str], ...] = (
    (
        "work",
        r"\b(job|interview|work|office|meeting|business|company|boss|salary|colleague|"
        r"project|report|contract|client|employ\w*|career|promotion)\b",
    ),
    (
        "family",
        r"\b(family|child|children|kid|son|daughter|parent|mother|father|mom|dad|"
        r"wedding|baby|marriage|wife|husband|home|pet)\b",
    ),
    (
        "logistics",
        r"\b(direction\w*|taxi|bus|train|rent\w*|book\w*|reservation|hotel|"
        r"delivery|car|move|moving|apartment|ticket|airport|flight|bank|post office|repair)\b",
    ),
    (
        "planning",
        r"\b(plan\w*|trip|travel|vacation|holiday|party|weekend|dinner|date|movie|"
        r"invitation|invite|concert|restaurant|visit)\b",
    ),
)


def classify(text: str, rules: tuple[tuple[str, str], ...], default: str) -> str:
    lowered = text.lower()
    for kind, pattern in rules:
        if re.search(pattern, lowered):
            return kind
    return default


def read_aeslc(path: Path, mapping: dict[str, str]) -> list[CorpusDoc]:
    docs = []
    for line, obj in iter_json_lines(path):
        text = _string(obj, "email", str(path), line, True) or ""
        subject = _string(obj, "subject", str(path), line, False) or ""
        kind = classify(f"{subject}\n{text[:400]}", EMAIL_RULES, "work")
        docs.append(CorpusDoc(text, kind, None, str(path), line))
    return docs


def read_dialogsum(path: Path, mapping: dict[str, str]) -> list[CorpusDoc]:
    docs = []
    for line, obj in iter_json_lines(path):
        dialogue = _string(obj, "dialogue", str(path), line, True) or ""
        thread = _string(obj, "fname", str(path), line, True)
        topic = obj.get("topic") or obj.get("topic1") or ""
        if not isinstance(topic, str):
            raise InputError(str(path), line, "topic", "must be a string")
        kind = classify(f"{topic}\n{dialogue[:300]}", CHAT_RULES, "social")
        for turn in (t.strip() for t in dialogue.splitlines()):
            if turn:
                docs.append(CorpusDoc(turn, kind, thread, str(path), line))
    return docs


ADAPTERS: dict[str, Callable[[Path, dict[str, str]], list[CorpusDoc]]] = {
    "generic": read_generic,
    "aeslc": read_aeslc,
    "dialogsum": read_dialogsum,
}


def read_corpus(
    paths: Iterable[str | Path], adapter: str = "generic", mapping: dict[str, str] | None = None
) -> list[CorpusDoc]:
    if adapter not in ADAPTERS:
        raise UserError(f"unknown adapter {adapter!r}; expected one of {', '.join(ADAPTERS)}")
    docs: list[CorpusDoc] = []
    for path in paths:
        docs.extend(ADAPTERS[adapter](Path(path), mapping or parse_map([])))
    if not docs:
        raise UserError("the corpus has no documents")
    for order, doc in enumerate(docs):
        doc.order = order
    return docs


def units(docs: list[CorpusDoc], use_case: str) -> list[Unit]:
    """Singles for documents without a thread (or alone in theirs); threads split into
    consecutive windows of at most 10 documents, of nearly equal size."""
    threads: dict[str, list[CorpusDoc]] = {}
    result: list[Unit] = []
    for doc in docs:
        if doc.thread_id is None:
            result.append(Unit(use_case, [doc], doc.content_type, None, doc.order))
        else:
            threads.setdefault(f"{doc.path}\0{doc.thread_id}", []).append(doc)
    for members in threads.values():
        chunks = math.ceil(len(members) / MAX_STACK)
        size = math.ceil(len(members) / chunks)
        for start in range(0, len(members), size):
            window = members[start : start + size]
            kind = Counter(d.content_type for d in window).most_common(1)[0][0]
            result.append(Unit(use_case, window, kind, window[0].thread_id, window[0].order))
    return sorted(result, key=lambda u: u.order)


# ------------------------------------------------------------------------------------------
_MONTH = "(?:{})".format(
    "|".join([m.capitalize() for m in MONTHS] + [m[:3].capitalize() + r"\.?" for m in MONTHS])
)
_AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?(?:[a-zA-Z]+\b|\s(?:million|billion|thousand)\b)?")
_DATE = re.compile(
    rf"\b{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|"
    rf"\b(?:{'|'.join(d.capitalize() for d in WEEKDAYS)})\b"
)
_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s?[ap]\.?m\.?|\b\d{1,2}:\d{2}\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w$#.,/:])\d[\d,]*\d(?:\.\d+)?%?(?![\w/:])")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*|#:\s*)$")


def extract_key_facts(text: str, k: int) -> list[str]:
    """Checkable facts by rule: amounts, dates, times, frequent proper names, numbers."""
    clean = re.sub(r"#Person\d+#", " ", text)
    found: list[str] = []

    def add(items: Iterable[str]) -> None:
        for item in items:
            item = item.strip().rstrip(".,")
            if item and item not in found:
                found.append(item)

    add(m.group(0) for m in _AMOUNT.finditer(clean))
    add(m.group(0) for m in _DATE.finditer(clean))
    add(m.group(0) for m in _TIME.finditer(clean))
    names: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for match in _NAME.finditer(clean):
        words = match.group(0).split()
        if len(words) == 1 and _SENTENCE_START.search(clean[: match.start()]):
            continue  # a lone capitalized first word of a sentence is not evidence of a name
        while words and words[0].lower() in COMMON_CAPITALIZED:
            words = words[1:]
        if not words or any(w.lower() in COMMON_CAPITALIZED for w in words):
            continue
        if any(w.lower() in MONTHS or w.lower() in WEEKDAYS for w in words):
            continue
        name = " ".join(words)
        names[name] += 1
        first_seen.setdefault(name, match.start())
    add(sorted(names, key=lambda n: (-names[n], first_seen[n])))
    add(m.group(0) for m in _NUMBER.finditer(clean))
    tokens = token_set(text)  # the same rule the checks use must find each fact
    return [fact for fact in found if fact_present(fact, tokens)][:k]
