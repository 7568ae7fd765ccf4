"""The document generator: a realistic single document or stack for any cell of the design.

A sample is a pure function of (seed, use case, cell, index): each attempt draws from its own
`random.Random`, never the global one. An attempt is kept when its length lands in the cell's
bucket, its key facts are all found in its documents (by the same rule the checks use), and
none of its sentences appeared in an earlier sample of the same build (so raters do not read
the same text twice); otherwise the next attempt is drawn.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from evalkit.summarization import gen_email, gen_message, gen_notification
from evalkit.summarization.design import (
    KEY_FACTS,
    MAX_STACK,
    MIN_STACK,
    TOKEN_BOUNDS,
    Cell,
    approx_tokens,
    bucket_range,
)
from evalkit.summarization.text import fact_present, normalize_sentence, split_sentences, token_set
from evalkit.summarization.world import Draft, World

GENERATOR_ID = "evalkit-summarization-generator/1"
MAX_ATTEMPTS = 60
# A sentence counts for repetition when it has at least this many words (greetings and
# sign-offs such as "Thanks, Maria" are not something a rater would notice).
MIN_REPEAT_WORDS = 5

BUILDERS = {
    "email": gen_email.BUILDERS,
    "message": gen_message.BUILDERS,
    "notification": gen_notification.BUILDERS,
}

# Number of documents of a stacked sample, by use case and length bucket.
STACK_DOCS: dict[str, dict[str, tuple[int, int]]] = {
    "email": {"short": (2, 2), "medium": (2, 5), "long": (3, MAX_STACK)},
    "message": {"short": (2, 3), "medium": (3, 7), "long": (5, MAX_STACK)},
    "notification": {"short": (MIN_STACK, 2), "medium": (2, 6), "long": (5, MAX_STACK)},
}
# Token targets of single documents stay realistic (a single notification is rarely huge).
SINGLE_MAX: dict[str, int] = {"email": 560, "message": 240, "notification": 150}
SINGLE_MIN: dict[str, int] = {"email": 60, "message": 10, "notification": 10}


@dataclass
class GeneratedSample:
    use_case: str
    cell: Cell
    documents: list[str]
    key_facts: list[str]
    superseded: list[str]
    tokens: int
    key: str
    repeated_sentences: int = 0
    attempts: int = 1
    meta: dict = field(default_factory=dict)

    @property
    def thread_id(self) -> str:
        return "gen-" + hashlib.sha256(self.key.encode()).hexdigest()[:12]


def target_range(use_case: str, cell: Cell) -> tuple[int, int]:
    low, high = bucket_range(use_case, cell.length_bucket)
    if not cell.stacked:
        low = max(low, SINGLE_MIN[use_case])
        high = min(high, max(SINGLE_MAX[use_case], low + 20))
    if cell.stacked and cell.length_bucket == "short":
        low = max(low, TOKEN_BOUNDS[use_case][0] // 2)
    return low, high


def repeat_keys(documents: list[str]) -> set[str]:
    """The sentences of a sample that count for repetition, normalized."""
    keys = set()
    for doc in documents:
        for sentence in split_sentences(doc):
            norm = normalize_sentence(sentence)
            if len(norm.split()) >= MIN_REPEAT_WORDS:
                keys.add(norm)
    return keys


class DocumentGenerator:
    """Generates the samples of one build; remembers their sentences to avoid repeats."""

    def __init__(self, use_case: str, seed: int) -> None:
        self.use_case, self.seed = use_case, seed
        self.seen: set[str] = set()
        self.failed_attempts: dict[str, int] = {}

    def sample(self, cell: Cell, index: int) -> GeneratedSample:
        key = f"{self.seed}:{self.use_case}:{cell.key}:{index}"
        best: GeneratedSample | None = None
        for attempt in range(MAX_ATTEMPTS):
            rng = random.Random(f"{key}#{attempt}")
            candidate = self._attempt(cell, key, rng)
            if candidate is None:
                continue
            candidate.attempts = attempt + 1
            if best is None or candidate.repeated_sentences < best.repeated_sentences:
                best = candidate
            if candidate.repeated_sentences == 0:
                break
        if best is None:
            raise RuntimeError(f"generator could not fill {self.use_case} {cell.key} ({key})")
        self.seen |= repeat_keys(best.documents)
        return best

    def _attempt(self, cell: Cell, key: str, rng: random.Random) -> GeneratedSample | None:
        use_case = self.use_case
        low, high = target_range(use_case, cell)
        n_docs = rng.randint(*STACK_DOCS[use_case][cell.length_bucket]) if cell.stacked else 1
        target = rng.randint(low, high)
        world = World(rng)
        draft: Draft = BUILDERS[use_case][cell.content_type](world, n_docs, cell.length_bucket)
        docs = draft.docs
        texts = [doc.render() for doc in docs]
        tokens = sum(approx_tokens(t) for t in texts)
        for index, sentence in draft.pads:
            if tokens >= target:
                break
            where = index if index is not None and index < len(docs) else rng.randrange(len(docs))
            doc = docs[where]
            doc.extras.append(sentence)
            new_text = doc.render()
            new_tokens = tokens - approx_tokens(texts[where]) + approx_tokens(new_text)
            if new_tokens > high:
                doc.extras.pop()
                break
            texts[where], tokens = new_text, new_tokens
        if not low <= tokens <= high:
            return self._fail("length")
        tokens_in = token_set("\n".join(texts))
        facts = [f for f in dict.fromkeys(draft.facts) if f and fact_present(f, tokens_in)]
        if len(facts) < KEY_FACTS[use_case][cell.length_bucket]:
            return self._fail("facts")
        facts = facts[: KEY_FACTS[use_case][cell.length_bucket]]
        repeated = len(repeat_keys(texts) & self.seen)
        return GeneratedSample(
            use_case=use_case,
            cell=cell,
            documents=texts,
            key_facts=facts,
            superseded=[
                s for s in draft.superseded if s not in facts and fact_present(s, tokens_in)
            ],
            tokens=tokens,
            key=key,
            repeated_sentences=repeated,
            meta=draft.meta,
        )

    def _fail(self, reason: str) -> None:
        self.failed_attempts[reason] = self.failed_attempts.get(reason, 0) + 1
        return None
