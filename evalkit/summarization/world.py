"""The little world one generated sample lives in: its people, dates, places and amounts.

Every choice goes through one `random.Random`, so a sample is a pure function of its seed.
`World.say` expands a sentence template: `[a|b|c]` picks one alternative (alternatives may be
empty), then `{slot}` fills a value; the combinations are what keep sentences from repeating.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from evalkit.summarization import pools

T = TypeVar("T")
_ALTERNATION = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")


@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    def email(self, domain: str) -> str:
        local = f"{self.first}.{self.last}".lower().replace(" ", "").replace("'", "")
        return f"{local}@{domain}"

    def __str__(self) -> str:
        return self.full


@dataclass(frozen=True)
class Day:
    value: date

    @property
    def full(self) -> str:
        """'Thursday, March 13'"""
        return f"{self.wd}, {self.md}"

    @property
    def md(self) -> str:
        return f"{self.value:%B} {self.value.day}"

    @property
    def wd(self) -> str:
        return f"{self.value:%A}"

    @property
    def short(self) -> str:
        """'Thu, Mar 13'"""
        return f"{self.value:%a}, {self.value:%b} {self.value.day}"

    def __str__(self) -> str:
        return self.full


@dataclass
class Doc:
    """One document: an email, a chat message or a notification, rendered by `kind`."""

    kind: str
    head: str
    body: list[str]
    greeting: str = ""
    closing: str = ""
    # detail sentences added to reach a length: after the body, as a list under
    # `extras_heading` when there is one (emails), else as more prose
    extras: list[str] = field(default_factory=list)
    extras_heading: str = ""

    def render(self) -> str:
        if self.kind == "message":
            return f"{self.head}: {join_sentences(self.body + self.extras)}"
        if self.kind == "notification":
            return f"{self.head}\n{join_sentences(self.body + self.extras)}"
        body = list(self.body)
        if self.extras and self.extras_heading:
            body += [self.extras_heading, *(f"- {extra}" for extra in self.extras)]
        else:
            body += self.extras
        parts = [self.head, self.greeting, *self._blocks(body), self.closing]
        return "\n\n".join(part for part in parts if part)

    @staticmethod
    def _blocks(sentences: list[str]) -> list[str]:
        """Paragraphs of up to three sentences; a list ("Heading:" then "- item" lines) is
        kept together as one block."""
        blocks: list[str] = []
        prose: list[str] = []
        listing: list[str] = []
        for sentence in sentences:
            if is_list_line(sentence):
                if sentence.endswith(":") and listing:
                    blocks.append("\n".join(listing))
                    listing = []
                if prose:
                    blocks.append(" ".join(prose))
                    prose = []
                listing.append(sentence)
                continue
            if listing:
                blocks.append("\n".join(listing))
                listing = []
            prose.append(sentence)
            if len(prose) == 3:
                blocks.append(" ".join(prose))
                prose = []
        if listing:
            blocks.append("\n".join(listing))
        if prose:
            blocks.append(" ".join(prose))
        return blocks


def join_sentences(sentences: list[str]) -> str:
    """Join chat-style sentences, adding a period where one ends without punctuation."""
    out = []
    for i, sentence in enumerate(sentences):
        if i < len(sentences) - 1 and sentence and sentence[-1].isalnum():
            sentence += "."
        out.append(sentence)
    return " ".join(out)


def is_list_line(sentence: str) -> bool:
    return sentence.startswith("- ") or sentence.endswith(":")


@dataclass
class Draft:
    """What a content-type builder returns: documents, key facts (most important first),
    values a later document replaced, and optional detail sentences to reach a length."""

    docs: list[Doc]
    facts: list[str]
    superseded: list[str] = field(default_factory=list)
    pads: list[tuple[int | None, str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


class World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()
        self.today = Day(date(2025, 1, 6) + timedelta(days=rng.randrange(0, 330)))
        self.clock = datetime.combine(self.today.value, datetime.min.time()) + timedelta(
            hours=rng.randint(7, 10), minutes=rng.randrange(0, 60)
        )

    # choices --------------------------------------------------------------------------
    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def unique(self, seq: Sequence[str]) -> str:
        """A value not used before in this sample (so two people never share a name)."""
        for _ in range(50):
            value = self.pick(seq)
            if value not in self._used:
                self._used.add(value)
                return value
        return self.pick(seq)

    def shuffled(self, seq: Sequence[T]) -> list[T]:
        items = list(seq)
        self.rng.shuffle(items)
        return items

    # values ---------------------------------------------------------------------------
    def person(self) -> Person:
        return Person(self.unique(pools.FIRST_NAMES), self.unique(pools.LAST_NAMES))

    def people(self, n: int) -> list[Person]:
        return [self.person() for _ in range(n)]

    def company(self) -> str:
        return f"{self.unique(pools.COMPANY_HEADS)} {self.pick(pools.COMPANY_TAILS)}"

    def domain(self, company: str) -> str:
        head = company.split()[0].lower()
        return f"{head}{self.pick(['.com', '.co', '.io', '-group.com', 'hq.com'])}"

    def day(
        self, lo: int = 1, hi: int = 21, after: Day | None = None, workday: bool = False
    ) -> Day:
        base = (after or self.today).value
        for _ in range(20):
            value = base + timedelta(days=self.rng.randint(lo, hi))
            if workday and value.weekday() >= 5:
                value += timedelta(days=7 - value.weekday())
            candidate = Day(value)
            if candidate.md not in self._used:
                self._used.add(candidate.md)
                return candidate
        return candidate

    def time(self, lo: int = 8, hi: int = 18) -> str:
        for _ in range(20):
            hour = self.rng.randint(lo, hi)
            minute = self.pick([0, 0, 15, 30, 30, 45])
            text = f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
            if text not in self._used:
                self._used.add(text)
                return text
        return text

    def money(self, lo: float, hi: float, cents: bool = True) -> str:
        value = self.rng.uniform(lo, hi)
        if cents:
            return f"${value:,.2f}"
        step = 10 if hi > 500 else 5 if hi > 50 else 1
        return f"${int(round(value / step) * step):,}"

    def number(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def code(self, digits: int = 6, prefix: str = "") -> str:
        return prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))

    def city(self) -> str:
        return self.unique(pools.CITIES)

    def address(self) -> str:
        street = f"{self.unique(pools.STREETS)} {self.pick(pools.STREET_TYPES)}"
        return f"{self.rng.randint(12, 2980)} {street}"

    def venue(self) -> str:
        return f"{self.unique(pools.VENUE_HEADS)} {self.pick(pools.VENUE_KINDS)}"

    def room(self) -> str:
        if self.chance(0.5):
            return f"the {self.unique(pools.ROOM_NAMES)} room"
        if self.chance(0.5):
            return f"Room {self.rng.randint(1, 9)}{self.pick('ABCDEFGH')}"
        return f"Room {self.rng.randint(1, 9)}{self.rng.randint(0, 3)}{self.rng.randint(1, 9)}"

    def topic(self) -> str:
        return f"{self.pick(pools.WORK_QUALIFIERS)} {self.unique(pools.WORK_TOPICS)}"

    def project(self) -> str:
        return f"Project {self.unique(pools.PROJECT_CODENAMES)}"

    def product(self) -> str:
        return self.unique(pools.PRODUCTS)

    def store(self) -> str:
        return self.unique(pools.STORE_HEADS)

    # text -----------------------------------------------------------------------------
    def clause(self, template: str, **slots: Any) -> str:
        """Like `say`, without capitalizing (for text that goes inside a sentence)."""
        return self.say(template, _capitalize=False, **slots)

    def say(self, template: str, _capitalize: bool = True, **slots: Any) -> str:
        """Expand `[a|b]` alternatives, fill `{slots}`, tidy spaces, capitalize."""
        text = template
        while True:  # innermost first, so alternatives may nest
            expanded = _ALTERNATION.sub(lambda m: self.pick(m.group(1).split("|")), text)
            if expanded == text:
                break
            text = expanded
        text = text.format(**slots) if slots or "{" in text else text
        text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
        return text[:1].upper() + text[1:] if _capitalize else text

    def says(self, templates: Sequence[str], **slots: Any) -> str:
        return self.say(self.pick(templates), **slots)

    def stamp(self, min_minutes: int = 7, max_minutes: int = 300) -> datetime:
        self.clock += timedelta(minutes=self.rng.randint(min_minutes, max_minutes))
        return self.clock

    def clock_text(self) -> str:
        moment = self.stamp(1, 90)
        return f"{moment:%I:%M %p}".lstrip("0")
