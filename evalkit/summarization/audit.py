"""Data-quality audit of a summarization set: does it read like real, varied input?

Measures, for any set of Prompt records with `documents` (`evalkit summarization audit FILE`):

- **masked-pattern repetition**: each sentence of five or more words is masked (numbers -> 0,
  names and other capitalized words that are not common words -> N, months and weekdays -> D,
  addresses -> U); the share of sentences whose pattern also occurs in another sample, and the
  share whose pattern occurs in ten or more samples. Template text scores high; real mail low.
  Header lines (From:, To:, Date:, Subject: ...) are left out: every email has them.
- **vocabulary growth**: distinct word types in the first 10k, 20k and 50k word tokens;
- **first-line diversity**: distinct masked first lines over samples (the first line of three
  or more words after email headers and a notification's `App · time` line);
- **late key facts**: the share of stacks of three or more items with a key fact from a later
  item (from `metadata.key_fact_docs` when the author gave it, else where the fact is found);
- **strata**: samples per content type x length x single/stacked.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from evalkit.records import Prompt
from evalkit.summarization.text import (
    COMMON_CAPITALIZED,
    MONTHS,
    STOPWORDS,
    WEEKDAYS,
    fact_present,
    split_sentences,
    strip_accents,
    token_set,
)

_HEADER = re.compile(r"^\s*(from|to|cc|bcc|date|sent|subject|reply-to)\s*:", re.IGNORECASE)
_APP_LINE = re.compile(r"^[^·\n]{1,60} · [^·\n]{1,25}$")  # a notification's `App · time`
_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_NUMBERISH = re.compile(r"[#$€£]?\d[\d,.:/\-]*\w*")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
_DATES = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(m[:3] for m in MONTHS)
MIN_WORDS = 5
FREQUENT = 10


def _mask_word(word: str) -> str:
    lower = strip_accents(word).lower().strip("'’-")
    if lower in _DATES:
        return "D"
    if word[:1].isupper() and lower not in COMMON_CAPITALIZED and lower not in STOPWORDS:
        return "N"
    return lower


def mask(sentence: str) -> str:
    """A sentence's pattern: numbers, names, dates and addresses masked, case folded."""
    text = _ADDRESS.sub(" U ", sentence)
    text = _NUMBERISH.sub(" 0 ", text)
    words = [
        w if w in ("U", "0") else _mask_word(w) for w in re.findall(r"U|0|" + _WORD.pattern, text)
    ]
    return " ".join(words)


def body_sentences(document: str) -> list[str]:
    lines = [line for line in document.splitlines() if not _HEADER.match(line)]
    return [s for s in split_sentences("\n".join(lines)) if len(s.split()) >= MIN_WORDS]


def first_line(document: str) -> str:
    """The masked first line of three or more words (after headers and an `App · time` line)."""
    for line in document.splitlines():
        line = line.strip()
        if len(line.split()) >= 3 and not _HEADER.match(line) and not _APP_LINE.match(line):
            return mask(line)
    return ""


@dataclass
class Audit:
    samples: int
    sentences: int
    repeated_share: float
    frequent_share: float
    vocabulary: dict[int, int]
    first_line_diversity: float
    stacks_3plus: int
    late_fact_share: float | None
    strata: dict[str, int] = field(default_factory=dict)
    top_patterns: list[tuple[str, int]] = field(default_factory=list)

    def lines(self) -> list[str]:
        vocab = ", ".join(f"{v:,} in {k // 1000}k" for k, v in sorted(self.vocabulary.items()))
        late = "n/a" if self.late_fact_share is None else f"{self.late_fact_share:.1%}"
        out = [
            f"samples: {self.samples}   sentences of {MIN_WORDS}+ words: {self.sentences}",
            f"masked-pattern repetition: {self.repeated_share:.1%} of sentences recur in "
            f"another sample; {self.frequent_share:.1%} in {FREQUENT}+ samples",
            f"vocabulary (word types in the first N word tokens): {vocab}",
            f"first-line diversity: {self.first_line_diversity:.1%} distinct",
            f"stacks of 3+ items: {self.stacks_3plus}; with a late-item key fact: {late}",
        ]
        if self.top_patterns:
            out.append("most repeated patterns (samples):")
            out += [f"  {count:4d}  {pattern[:90]}" for pattern, count in self.top_patterns]
        out.append("strata (content type | length | stacking: samples):")
        out += [f"  {key:45s} {count}" for key, count in sorted(self.strata.items())]
        return out


def late_fact(prompt: Prompt) -> bool:
    """Whether a stack has a key fact from an item after the first."""
    docs = prompt.metadata.get("key_fact_docs")
    if docs:
        return any(int(d) > 1 for d in docs)
    first = token_set((prompt.documents or [""])[0])
    anchors = prompt.metadata.get("key_fact_anchors") or [[f] for f in prompt.key_facts or []]
    return any(not all(fact_present(a, first) for a in group) for group in anchors)


def vocabulary_growth(prompts: Sequence[Prompt], points: Sequence[int]) -> dict[int, int]:
    seen: set[str] = set()
    counted = 0
    growth: dict[int, int] = {}
    targets = sorted(points)
    for prompt in prompts:
        for document in prompt.documents or []:
            for word in _WORD.findall(document):
                counted += 1
                seen.add(strip_accents(word).lower())
                while targets and counted >= targets[0]:
                    growth[targets.pop(0)] = len(seen)
                if not targets:
                    return growth
    return growth


def audit(
    prompts: Sequence[Prompt], vocabulary_points: Sequence[int] = (10_000, 20_000, 50_000)
) -> Audit:
    patterns_by_sample: list[list[str]] = []
    samples_with: dict[str, set[int]] = defaultdict(set)
    for index, prompt in enumerate(prompts):
        patterns = [mask(s) for doc in prompt.documents or [] for s in body_sentences(doc)]
        patterns_by_sample.append(patterns)
        for pattern in patterns:
            samples_with[pattern].add(index)
    total = sum(len(p) for p in patterns_by_sample)
    repeated = sum(1 for ps in patterns_by_sample for p in ps if len(samples_with[p]) > 1)
    frequent = sum(1 for ps in patterns_by_sample for p in ps if len(samples_with[p]) >= FREQUENT)
    firsts = [first_line((p.documents or [""])[0]) for p in prompts]
    stacks = [p for p in prompts if (p.n_docs or len(p.documents or [])) >= 3]
    strata = Counter(
        f"{p.content_type}|{p.length_bucket}|{'stacked' if p.stacked else 'single'}"
        for p in prompts
    )
    top = Counter({pattern: len(where) for pattern, where in samples_with.items()})
    return Audit(
        samples=len(prompts),
        sentences=total,
        repeated_share=repeated / total if total else 0.0,
        frequent_share=frequent / total if total else 0.0,
        vocabulary=vocabulary_growth(prompts, vocabulary_points),
        first_line_diversity=len(set(firsts)) / len(firsts) if firsts else 0.0,
        stacks_3plus=len(stacks),
        late_fact_share=(sum(late_fact(p) for p in stacks) / len(stacks)) if stacks else None,
        strata=dict(strata),
        top_patterns=[(p, c) for p, c in top.most_common(8) if c > 1],
    )
