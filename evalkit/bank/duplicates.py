"""Near-duplicate prompts: word 3-gram shingles and their Jaccard similarity.

Near-duplicates are pairs whose word 3-gram sets have a Jaccard similarity at or above a
threshold: `SIMILARITY` (0.8) inside the bank and inside the suites (a refuse prompt and its
twin are near-duplicates by design and are skipped), `CROSS_SIMILARITY` (0.5) between an
adversarial prompt and a bank prompt. The cross-suite threshold is lower because the two sets
must not share prompts at all: a red-teaming prompt that half-repeats a bank prompt measures the
same thing twice and blurs which suite a failure belongs to, while inside the bank two prompts on
one theme legitimately share some phrasing. Shared shingles are counted with one sparse matrix
product, so thousands of prompts compare quickly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from evalkit.bank.reading import BankPrompt
from evalkit.bank.rules import CROSS_SIMILARITY, NGRAM, SIMILARITY
from evalkit.records import Prompt


@dataclass(frozen=True)
class NearDuplicate:
    first: BankPrompt
    second: BankPrompt
    similarity: float

    def __str__(self) -> str:
        return (
            f"{self.first.where} ({self.first.prompt.id}) ~ {self.second.where} "
            f"({self.second.prompt.id}): similarity {self.similarity:.2f}"
        )


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation or accents, so trivial edits do not hide a copy."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9]+", text)


def shingles(text: str, n: int = NGRAM) -> frozenset[tuple[str, ...]]:
    """The set of word n-grams of a text (a short text is one shingle of all its words)."""
    words = normalize_words(text)
    if len(words) < n:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def prompt_text(prompt: Prompt) -> str:
    """Everything the model reads: system, user and assistant turns alike."""
    return "\n".join(message.content for message in prompt.messages)


def _shingle_matrix(
    groups: list[list[BankPrompt]], n: int
) -> tuple[list[sparse.csr_matrix], list[np.ndarray]]:
    """One binary prompts × shingles matrix per group (shared columns) and its row sizes."""
    vocabulary: dict[tuple[str, ...], int] = {}
    matrices, sizes = [], []
    for prompts in groups:
        rows, cols = [], []
        size = np.zeros(len(prompts), dtype=np.int64)
        for position, item in enumerate(prompts):
            found = shingles(prompt_text(item.prompt), n)
            size[position] = len(found)
            for shingle in found:
                rows.append(position)
                cols.append(vocabulary.setdefault(shingle, len(vocabulary)))
        matrices.append((rows, cols, len(prompts)))
        sizes.append(size)
    built = [
        sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.int64), (rows, cols)),
            shape=(count, max(len(vocabulary), 1)),
        )
        for rows, cols, count in matrices
    ]
    return built, sizes


def _similar(
    left: list[BankPrompt],
    right: list[BankPrompt] | None,
    threshold: float,
    n: int,
) -> Iterator[tuple[int, int, float]]:
    """(i, j, Jaccard) of pairs sharing a shingle with Jaccard ≥ threshold: inside `left`
    (i < j) when `right` is None, else between `left[i]` and `right[j]`. Shared shingle counts
    come from one sparse matrix product, so the cost grows with the overlap, not with the
    number of pairs."""
    groups = [left] if right is None else [left, right]
    matrices, sizes = _shingle_matrix(groups, n)
    a, size_a = matrices[0], sizes[0]
    b, size_b = (matrices[0], sizes[0]) if right is None else (matrices[1], sizes[1])
    common = (a @ b.T).tocoo()
    for i, j, shared in zip(common.row, common.col, common.data, strict=True):
        if right is None and i >= j:
            continue
        union = size_a[i] + size_b[j] - shared
        score = float(shared / union) if union else 1.0
        if score >= threshold:
            yield int(i), int(j), score


def near_duplicates(
    prompts: list[BankPrompt],
    threshold: float = SIMILARITY,
    n: int = NGRAM,
    skip: Callable[[BankPrompt, BankPrompt], bool] | None = None,
) -> list[NearDuplicate]:
    """Pairs whose shingle sets have Jaccard similarity ≥ threshold, most similar first
    (`skip` leaves out pairs that are alike by design, such as twins)."""
    found = [
        NearDuplicate(prompts[i], prompts[j], score)
        for i, j, score in _similar(prompts, None, threshold, n)
        if skip is None or not skip(prompts[i], prompts[j])
    ]
    found.sort(key=lambda pair: (-pair.similarity, pair.first.where, pair.second.where))
    return found


def cross_duplicates(
    suite: list[BankPrompt],
    bank: list[BankPrompt],
    threshold: float = CROSS_SIMILARITY,
    n: int = NGRAM,
) -> list[NearDuplicate]:
    """(suite prompt, bank prompt) pairs with Jaccard ≥ threshold, most similar first."""
    if not suite or not bank:
        return []
    found = [
        NearDuplicate(suite[i], bank[j], score)
        for i, j, score in _similar(suite, bank, threshold, n)
    ]
    found.sort(key=lambda pair: (-pair.similarity, pair.first.where, pair.second.where))
    return found
