"""Properties of a built set: strata counts, sentence repetition, and validation
(`validate_set`: the records, their key facts by the anchors rule, and, for a shipped set, the
design's rules: cells, hard cases, non-English share, long emails).

Repetition share: the share of sentence occurrences (sentences of at least five words, see
audit.MIN_WORDS) whose normalized text also occurs in another sample of the set.
Repeats inside one sample (a quoted subject line, a thread's own wording) do not count: what
matters is whether a rater reads the same text in two different samples.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from evalkit.records import Prompt
from evalkit.summarization.audit import LONG_THREAD_USE_CASE, late_fact
from evalkit.summarization.audit import MIN_WORDS as MIN_REPEAT_WORDS
from evalkit.summarization.authored import AUTHORED_SOURCE
from evalkit.summarization.design import (
    CONTENT_TYPES,
    HARD_CASES,
    KEY_FACTS,
    LONG_THREAD_SHARE,
    LONG_THREAD_TOKENS,
    MAX_SENTENCES,
    MAX_STACK,
    MIN_PER_CELL,
    MIN_PER_HARD_CASE,
    MIN_STACK,
    SET_SIZE,
    cells,
    sample_tokens,
)
from evalkit.summarization.sampler import measured_cell
from evalkit.summarization.text import (
    checkable,
    fact_present,
    normalize_sentence,
    split_sentences,
    token_set,
)


@dataclass
class Repetition:
    sentences: int  # sentence occurrences counted (>= MIN_REPEAT_WORDS words)
    repeated: int  # of which also occur in another sample
    top: list[tuple[str, int]]  # most shared sentences and in how many samples

    @property
    def share(self) -> float:
        return self.repeated / self.sentences if self.sentences else 0.0


def repetition(samples: list[list[str]], top: int = 10) -> Repetition:
    """Cross-sample sentence repetition of a set given as each sample's documents."""
    per_sample: list[list[str]] = []
    in_samples: dict[str, set[int]] = defaultdict(set)
    for index, documents in enumerate(samples):
        keys = []
        for doc in documents:
            for sentence in split_sentences(doc):
                key = normalize_sentence(sentence)
                if len(key.split()) >= MIN_REPEAT_WORDS:
                    keys.append(key)
                    in_samples[key].add(index)
        per_sample.append(keys)
    total = sum(len(keys) for keys in per_sample)
    repeated = sum(1 for keys in per_sample for key in keys if len(in_samples[key]) > 1)
    shared = Counter({k: len(v) for k, v in in_samples.items() if len(v) > 1})
    return Repetition(total, repeated, shared.most_common(top))


def strata_counts(prompts: list[Prompt]) -> pd.DataFrame:
    """Samples per measured cell (content type x length bucket x single/stacked)."""
    counts = Counter(measured_cell(p) for p in prompts)
    rows = [
        {
            "content_type": c.content_type,
            "length_bucket": c.length_bucket,
            "stacked": c.stacked,
            "n": k,
        }
        for c, k in sorted(counts.items())
    ]
    return pd.DataFrame(rows, columns=["content_type", "length_bucket", "stacked", "n"])


NON_ENGLISH_SHARE = 0.03  # the least share of non-English samples in a shipped set
_ID = re.compile(r"^(sum|sumadv)-([a-z]+)-(\d{4})$")


def validate_set(
    prompts: list[Prompt],
    use_case: str,
    n: int | None = None,
    minimum: int = 0,
    design: bool | None = None,
) -> list[str]:
    """Problems of a set (empty when valid).

    Always: the count (when `n` is given), ids (`sum-<use_case>-NNNN`, or `sumadv-` for the
    adversarial subset, numbered 1..N in file order, unique, one subset per set), the fields of
    every record (suite, use case, content type, documents and stacking, length bucket and
    stratum measured from the documents, max_sentences, enough key facts), every key fact found
    in the documents (by its anchors, each in the input and one in the fact's own document,
    when the record has `metadata.key_fact_anchors`; else by the fuzzy rule on its text), a
    late-item key fact in every stack of 3+ items (authored records), known hard-case labels,
    an injected instruction quoted from a document, and at least `minimum` samples per cell.

    With `design` (default: for an authored main set of `SET_SIZE` samples, i.e. a shipped
    set), the design's set rules too: every cell of the design with at least `MIN_PER_CELL`
    samples, every hard case at least `MIN_PER_HARD_CASE` times, at least 3% non-English
    samples, and for email at least 5% of samples of 2,000 tokens or more.
    """
    problems: list[str] = []
    if n is not None and len(prompts) != n:
        problems.append(f"{len(prompts)} samples, expected {n}")
    problems += _validate_ids(prompts, use_case)
    for p in prompts:
        problems += _validate_prompt(p, use_case)
    counts = Counter(measured_cell(p) for p in prompts)
    authored = bool(prompts) and all(p.source == AUTHORED_SOURCE for p in prompts)
    subsets = {p.metadata.get("subset") or "main" for p in prompts}
    if design is None:
        design = authored and subsets == {"main"} and len(prompts) == SET_SIZE
    floor = max(minimum, MIN_PER_CELL if design else 0)
    for cell in cells(use_case):
        if counts.get(cell, 0) < floor:
            problems.append(f"cell {cell.key}: {counts.get(cell, 0)} samples < minimum {floor}")
    if design:
        problems += design_problems(prompts, use_case)
    return problems


def design_problems(prompts: list[Prompt], use_case: str) -> list[str]:
    """The design's rules of a shipped set: hard-case quotas, non-English share, long emails."""
    problems = []
    hard = Counter(h for p in prompts for h in p.metadata.get("hard_cases") or [])
    for kind in HARD_CASES:
        if hard.get(kind, 0) < MIN_PER_HARD_CASE:
            problems.append(f"hard case {kind}: {hard.get(kind, 0)} samples < {MIN_PER_HARD_CASE}")
    total = len(prompts) or 1
    other = sum((p.metadata.get("language") or "en") != "en" for p in prompts)
    if other / total < NON_ENGLISH_SHARE:
        problems.append(
            f"non-English samples: {other} ({other / total:.1%}) < {NON_ENGLISH_SHARE:.0%}"
        )
    if use_case == LONG_THREAD_USE_CASE:
        long = sum(sample_tokens(p.documents or []) >= LONG_THREAD_TOKENS for p in prompts)
        if long / total < LONG_THREAD_SHARE:
            problems.append(
                f"samples of {LONG_THREAD_TOKENS}+ tokens: {long} ({long / total:.1%}) < "
                f"{LONG_THREAD_SHARE:.0%}"
            )
    return problems


def _validate_ids(prompts: list[Prompt], use_case: str) -> list[str]:
    problems = []
    ids = Counter(p.id for p in prompts)
    problems += [f"duplicate id {i}" for i, k in ids.items() if k > 1]
    subsets = {p.metadata.get("subset") or "main" for p in prompts}
    if len(subsets) > 1:
        problems.append(f"one set mixes the subsets {', '.join(sorted(subsets))}")
    for number, p in enumerate(prompts, start=1):
        prefix = "sumadv" if (p.metadata.get("subset") or "main") == "adversarial" else "sum"
        expected = f"{prefix}-{use_case}-{number:04d}"
        if p.id != expected:
            problems.append(f"{p.id}: id expected {expected} (numbered in file order)")
    return problems


def _validate_prompt(p: Prompt, use_case: str) -> list[str]:
    where = p.id
    problems = []
    if p.suite != "summarization" or p.category != "summarization":
        problems.append(f"{where}: suite/category must be 'summarization'")
    if p.use_case != use_case:
        problems.append(f"{where}: use_case {p.use_case!r} != {use_case!r}")
    if p.content_type not in CONTENT_TYPES.get(use_case, ()):
        problems.append(f"{where}: unknown content_type {p.content_type!r}")
    docs = p.documents or []
    if not docs or p.n_docs != len(docs):
        problems.append(f"{where}: n_docs {p.n_docs} != {len(docs)} documents")
    # a corpus stack is a window of at most MAX_STACK; a written conversation may run longer
    longest = len(docs) if p.source == AUTHORED_SOURCE else MAX_STACK
    if p.stacked != (len(docs) > 1) or not (len(docs) == 1 or MIN_STACK <= len(docs) <= longest):
        problems.append(f"{where}: stacked={p.stacked} with {len(docs)} documents")
    cell = measured_cell(p)
    if cell.length_bucket != p.length_bucket:
        problems.append(
            f"{where}: length_bucket {p.length_bucket} but measured {cell.length_bucket}"
        )
    stratum = p.metadata.get("stratum")
    if stratum is not None and stratum != cell.key:
        problems.append(f"{where}: metadata.stratum {stratum} but measured {cell.key}")
    bucket = p.length_bucket or "short"
    if p.max_sentences != MAX_SENTENCES.get(use_case, {}).get(bucket):
        problems.append(f"{where}: max_sentences {p.max_sentences}")
    facts = p.key_facts or []
    if len(facts) < KEY_FACTS.get(use_case, {}).get(bucket, 1):
        problems.append(f"{where}: only {len(facts)} key facts")
    problems += _key_fact_problems(p, facts, docs)
    unknown = [h for h in p.metadata.get("hard_cases") or [] if h not in HARD_CASES]
    if unknown:
        problems.append(f"{where}: unknown hard cases {unknown}")
    injected = p.metadata.get("injected_instruction")
    if injected and not any(injected in doc for doc in docs):
        problems.append(f"{where}: metadata.injected_instruction is not in the documents")
    if not all(doc in p.user_text for doc in docs):
        problems.append(f"{where}: the message does not contain every document")
    return problems


def _key_fact_problems(p: Prompt, facts: list[str], docs: list[str]) -> list[str]:
    where = p.id
    tokens = token_set("\n".join(docs))
    anchors = p.metadata.get("key_fact_anchors")
    if anchors is None:
        return [
            f"{where}: key fact not in documents: {f!r}"
            for f in facts
            if not fact_present(f, tokens)
        ]
    if len(anchors) != len(facts):
        return [f"{where}: {len(anchors)} anchor lists for {len(facts)} key facts"]
    problems = []
    fact_docs = p.metadata.get("key_fact_docs") or [None] * len(facts)
    if len(fact_docs) != len(facts):
        return [f"{where}: {len(fact_docs)} key_fact_docs for {len(facts)} key facts"]
    doc_tokens = [token_set(doc) for doc in docs] if any(fact_docs) else []
    for fact, group, doc in zip(facts, anchors, fact_docs, strict=True):
        if not group:
            problems.append(f"{where}: key fact {fact!r} has no anchors")
            continue
        missing = [a for a in group if not checkable(a) or not fact_present(a, tokens)]
        if missing:
            problems.append(f"{where}: key fact {fact!r}: anchors {missing} not in the documents")
        elif doc is not None:
            if not 1 <= int(doc) <= len(docs):
                problems.append(f"{where}: key fact {fact!r}: doc {doc} of {len(docs)}")
            elif not any(fact_present(a, doc_tokens[int(doc) - 1]) for a in group):
                problems.append(f"{where}: key fact {fact!r}: no anchor in document {doc}")
    if len(docs) >= 3 and p.metadata.get("key_fact_docs") and not late_fact(p):
        problems.append(f"{where}: a stack of {len(docs)} items without a late-item key fact")
    return problems
