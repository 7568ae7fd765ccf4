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
- **strata**: samples per content type x length x single/stacked;
- **hard cases** (`metadata.hard_cases`), **languages** (`metadata.language`; "en" when not
  given), and the **length distribution** in tokens (chars/4: min, median, p95, max) with the
  share of emails of 2,000 tokens or more (the long threads the email set needs);
- **reference coverage**: the share of samples whose reference summary keeps every key fact
  by the same anchors rule as the automatic checks (a sample whose own reference misses an
  anchor has an anchor a good summary would paraphrase or translate).

`evalkit summarization audit FILE... [--json]` prints `audit(prompts).lines()` or `to_dict()`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from evalkit.records import Prompt
from evalkit.summarization.design import LONG_THREAD_TOKENS, sample_tokens
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
LONG_THREAD_USE_CASE = "email"  # the use case whose set needs long threads (design.py)


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
    """Sentences of five or more words, without email headers and a notification's
    `App · time` line (every sample has those: they are format, not writing)."""
    lines = [
        line
        for line in document.splitlines()
        if not _HEADER.match(line) and not _APP_LINE.match(line.strip())
    ]
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
    hard_cases: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # min, median, p95, max
    emails: int = 0
    long_email_share: float | None = None  # emails of LONG_THREAD_TOKENS or more
    reference_coverage: float | None = None  # references keeping every key fact
    references: int = 0

    def to_dict(self) -> dict[str, object]:
        """Every measure, as JSON-ready values (`--json`)."""
        data = asdict(self)
        data["vocabulary"] = {str(k): v for k, v in self.vocabulary.items()}
        data["top_patterns"] = [{"pattern": p, "samples": c} for p, c in self.top_patterns]
        data["long_email_tokens"] = LONG_THREAD_TOKENS
        data["frequent_samples"] = FREQUENT
        return data

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
        if self.tokens:
            t = self.tokens
            out.append(
                f"tokens (chars/4): min {t['min']:,.0f}, median {t['median']:,.0f}, "
                f"p95 {t['p95']:,.0f}, max {t['max']:,.0f}"
            )
        if self.long_email_share is not None:
            out.append(
                f"emails of {LONG_THREAD_TOKENS:,}+ tokens: {self.long_email_share:.1%} "
                f"of {self.emails}"
            )
        if self.reference_coverage is not None:
            out.append(
                f"reference summaries keeping every key fact (anchors rule): "
                f"{self.reference_coverage:.1%} of {self.references}"
            )
        hard = ", ".join(f"{k} {v}" for k, v in sorted(self.hard_cases.items())) or "none"
        out.append(f"hard cases: {hard}")
        languages = sorted(self.languages.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append("languages: " + ", ".join(f"{k} {v}" for k, v in languages))
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


def _quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation (numpy's default)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def length_distribution(prompts: Sequence[Prompt]) -> dict[str, float]:
    """min / median / p95 / max of the samples' tokens (chars/4 over their documents)."""
    tokens = [sample_tokens(p.documents or []) for p in prompts]
    if not tokens:
        return {}
    return {
        "min": float(min(tokens)),
        "median": _quantile(tokens, 0.5),
        "p95": _quantile(tokens, 0.95),
        "max": float(max(tokens)),
    }


def reference_keeps_key_facts(prompt: Prompt) -> bool:
    """Whether the sample's reference summary keeps every key fact (the checks' rule)."""
    from evalkit.summarization.checks import key_fact_coverage

    anchors = prompt.metadata.get("key_fact_anchors")
    facts = prompt.key_facts or []
    if anchors is not None and len(anchors) != len(facts):
        return False
    _, missing = key_fact_coverage(prompt.reference or "", facts, anchors)
    return not missing


def _hard_cases(prompt: Prompt) -> list[str]:
    return list(prompt.metadata.get("hard_cases") or [])


def _language(prompt: Prompt) -> str:
    return str(prompt.metadata.get("language") or "en")


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
    emails = [p for p in prompts if p.use_case == LONG_THREAD_USE_CASE]
    long_emails = sum(sample_tokens(p.documents or []) >= LONG_THREAD_TOKENS for p in emails)
    with_reference = [p for p in prompts if p.reference and p.key_facts]
    kept = sum(reference_keeps_key_facts(p) for p in with_reference)
    return Audit(
        samples=len(prompts),
        sentences=total,
        repeated_share=repeated / total if total else 0.0,
        frequent_share=frequent / total if total else 0.0,
        vocabulary=vocabulary_growth(prompts, vocabulary_points),
        first_line_diversity=len(set(firsts)) / len(firsts) if firsts else 0.0,
        stacks_3plus=len(stacks),
        late_fact_share=(sum(late_fact(p) for p in stacks) / len(stacks)) if stacks else None,
        strata=dict(sorted(strata.items())),
        top_patterns=[(p, c) for p, c in top.most_common(8) if c > 1],
        hard_cases=dict(sorted(Counter(h for p in prompts for h in _hard_cases(p)).items())),
        languages=dict(Counter(_language(p) for p in prompts).most_common()),
        tokens=length_distribution(prompts),
        emails=len(emails),
        long_email_share=long_emails / len(emails) if emails else None,
        reference_coverage=kept / len(with_reference) if with_reference else None,
        references=len(with_reference),
    )
