"""Properties of a built set: strata counts, sentence repetition, and validation.

Repetition share: the share of sentence occurrences (sentences of at least five words, see
audit.MIN_WORDS) whose normalized text also occurs in another sample of the set.
Repeats inside one sample (a quoted subject line, a thread's own wording) do not count: what
matters is whether a rater reads the same text in two different samples.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from evalkit.records import Prompt
from evalkit.summarization.audit import MIN_WORDS as MIN_REPEAT_WORDS
from evalkit.summarization.design import (
    CONTENT_TYPES,
    KEY_FACTS,
    MAX_SENTENCES,
    MAX_STACK,
    MIN_STACK,
    cells,
)
from evalkit.summarization.sampler import measured_cell
from evalkit.summarization.text import (
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


def validate_set(
    prompts: list[Prompt], use_case: str, n: int | None = None, minimum: int = 0
) -> list[str]:
    """Problems of a generated set (empty when valid): counts, ids, strata, key facts."""
    problems: list[str] = []
    if n is not None and len(prompts) != n:
        problems.append(f"{len(prompts)} samples, expected {n}")
    ids = Counter(p.id for p in prompts)
    problems += [f"duplicate id {i}" for i, k in ids.items() if k > 1]
    for p in prompts:
        problems += _validate_prompt(p, use_case)
    counts = Counter(measured_cell(p) for p in prompts)
    for cell in cells(use_case):
        if counts.get(cell, 0) < minimum:
            problems.append(f"cell {cell.key}: {counts.get(cell, 0)} samples < minimum {minimum}")
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
    if p.stacked != (len(docs) > 1) or not (len(docs) == 1 or MIN_STACK <= len(docs) <= MAX_STACK):
        problems.append(f"{where}: stacked={p.stacked} with {len(docs)} documents")
    cell = measured_cell(p)
    if cell.length_bucket != p.length_bucket:
        problems.append(
            f"{where}: length_bucket {p.length_bucket} but measured {cell.length_bucket}"
        )
    bucket = p.length_bucket or "short"
    if p.max_sentences != MAX_SENTENCES.get(use_case, {}).get(bucket):
        problems.append(f"{where}: max_sentences {p.max_sentences}")
    facts = p.key_facts or []
    if len(facts) < KEY_FACTS.get(use_case, {}).get(bucket, 1):
        problems.append(f"{where}: only {len(facts)} key facts")
    tokens = token_set("\n".join(docs))
    problems += [
        f"{where}: key fact not in documents: {f!r}" for f in facts if not fact_present(f, tokens)
    ]
    if not all(doc in p.user_text for doc in docs):
        problems.append(f"{where}: the message does not contain every document")
    return problems
