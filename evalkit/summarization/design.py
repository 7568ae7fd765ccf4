"""The design of the summarization sets: use cases, content types, length buckets, strata.

Everything a sample's stratum depends on lives here, so the generator, the sampler, the corpus
reader, the checks and the tests agree on one definition.

Token rule: evalkit approximates tokens as ``ceil(characters / 4)`` (the usual rule of thumb
for English BPE vocabularies). A sample's length is the sum over its documents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

LengthBucket = Literal["short", "medium", "long"]
LENGTH_BUCKETS: tuple[str, ...] = ("short", "medium", "long")
STACKING: tuple[bool, ...] = (False, True)
MIN_STACK, MAX_STACK = 2, 10
MIN_PER_CELL = 10
SET_SIZE = 750

CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "email": (
        "work_request",
        "scheduling",
        "newsletter",
        "order_receipt",
        "personal",
        "support",
        "announcement",
    ),
    "message": ("planning", "logistics", "social", "family", "work"),
    "notification": (
        "messaging",
        "calendar",
        "delivery",
        "finance",
        "news",
        "reminders",
        "social",
    ),
}
USE_CASES: tuple[str, ...] = tuple(CONTENT_TYPES)

# Upper token bounds of short and medium, and the largest sample the generator writes.
# short: tokens <= bounds[0]; medium: <= bounds[1]; long: above (generated up to bounds[2]).
TOKEN_BOUNDS: dict[str, tuple[int, int, int]] = {
    "email": (180, 350, 900),
    "message": (50, 150, 450),
    "notification": (45, 100, 300),
}

# Assumed traffic mix, used as the population shares of proportional allocation.
CONTENT_WEIGHTS: dict[str, dict[str, float]] = {
    "email": {
        "work_request": 0.20,
        "scheduling": 0.17,
        "newsletter": 0.12,
        "order_receipt": 0.13,
        "personal": 0.10,
        "support": 0.12,
        "announcement": 0.16,
    },
    "message": {"planning": 0.25, "logistics": 0.20, "social": 0.22, "family": 0.18, "work": 0.15},
    "notification": {
        "messaging": 0.24,
        "calendar": 0.13,
        "delivery": 0.14,
        "finance": 0.12,
        "news": 0.15,
        "reminders": 0.09,
        "social": 0.13,
    },
}
LENGTH_WEIGHTS: dict[str, float] = {"short": 0.40, "medium": 0.35, "long": 0.25}
STACKED_WEIGHTS: dict[str, dict[bool, float]] = {
    "email": {False: 0.55, True: 0.45},
    "message": {False: 0.30, True: 0.70},
    "notification": {False: 0.35, True: 0.65},
}

# The product's length instruction: at most this many sentences, by use case and bucket.
MAX_SENTENCES: dict[str, dict[str, int]] = {
    "email": {"short": 2, "medium": 3, "long": 4},
    "message": {"short": 1, "medium": 2, "long": 3},
    "notification": {"short": 1, "medium": 2, "long": 2},
}
# How many key facts a good summary must keep, by use case and bucket.
KEY_FACTS: dict[str, dict[str, int]] = {
    "email": {"short": 2, "medium": 3, "long": 4},
    "message": {"short": 2, "medium": 3, "long": 4},
    "notification": {"short": 2, "medium": 3, "long": 3},
}


@dataclass(frozen=True, order=True)
class Cell:
    """One stratum: content type x length bucket x single/stacked."""

    content_type: str
    length_bucket: str
    stacked: bool

    @property
    def key(self) -> str:
        return f"{self.content_type}|{self.length_bucket}|{'stacked' if self.stacked else 'single'}"

    @classmethod
    def parse(cls, key: str) -> Cell:
        content_type, bucket, stacking = key.split("|")
        return cls(content_type, bucket, stacking == "stacked")


def approx_tokens(text: str) -> int:
    """Approximate tokens: ceil(characters / 4)."""
    return math.ceil(len(text) / 4)


def sample_tokens(documents: list[str]) -> int:
    return sum(approx_tokens(doc) for doc in documents)


def length_bucket(use_case: str, tokens: int) -> str:
    short, medium, _ = TOKEN_BOUNDS[use_case]
    if tokens <= short:
        return "short"
    return "medium" if tokens <= medium else "long"


def bucket_range(use_case: str, bucket: str) -> tuple[int, int]:
    """The token range [low, high] of a bucket (long is capped at the generator's maximum)."""
    short, medium, longest = TOKEN_BOUNDS[use_case]
    return {"short": (1, short), "medium": (short + 1, medium), "long": (medium + 1, longest)}[
        bucket
    ]


def cells(use_case: str) -> list[Cell]:
    """Every cell of the design of a use case, in a stable order."""
    check_use_case(use_case)
    return [
        Cell(content_type, bucket, stacked)
        for content_type in CONTENT_TYPES[use_case]
        for bucket in LENGTH_BUCKETS
        for stacked in STACKING
    ]


def design_weights(use_case: str) -> dict[Cell, float]:
    """Population share of each cell: content mix x length mix x single/stacked mix."""
    return {
        cell: CONTENT_WEIGHTS[use_case][cell.content_type]
        * LENGTH_WEIGHTS[cell.length_bucket]
        * STACKED_WEIGHTS[use_case][cell.stacked]
        for cell in cells(use_case)
    }


def check_use_case(use_case: str) -> str:
    from evalkit.errors import UserError

    if use_case not in CONTENT_TYPES:
        raise UserError(f"unknown use case {use_case!r}; expected one of {', '.join(USE_CASES)}")
    return use_case
