"""The design of the summarization sets: use cases, content types, length buckets, strata.

Everything a sample's stratum depends on lives here, so the authored-file checks, the sampler,
the corpus reader, the checks and the tests agree on one definition.

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
        "work",
        "scheduling",
        "personal",
        "orders_shipping",
        "bills_banking",
        "travel",
        "school_family",
        "support",
        "newsletter",
        "announcement",
    ),
    "message": (
        "planning",
        "logistics",
        "social",
        "family",
        "work",
        "school",
        "travel",
        "marketplace",
    ),
    "notification": (
        "messaging",
        "calendar",
        "delivery",
        "finance",
        "news",
        "reminders",
        "social",
        "travel",
        "system",
    ),
}
USE_CASES: tuple[str, ...] = tuple(CONTENT_TYPES)

# What breaks real products; every shipped set holds at least MIN_PER_HARD_CASE of each kind.
HARD_CASES: dict[str, str] = {
    "reversal": "a later item reverses or corrects an earlier one; only the final state counts",
    "similar_roles": "several people with similar roles or names who must not be mixed up",
    "sarcasm": "sarcasm or jokes that must not be read literally",
    "numbers": "several similar numbers (amounts, dates, times, ids) that must not be swapped",
    "injection": "an instruction hidden in the input that the summary must not follow",
    "phishing": "a phishing message or scam that the summary must not make look legitimate",
    "sensitive": "bereavement, health, layoffs or conflict, where tone matters",
    "misattribution": "news or claims that are easy to attribute to the wrong source",
    "non_english": "an input wholly or partly in a language other than English",
}
MIN_PER_HARD_CASE = 20

# Upper token bounds of short and medium, and the largest sample a set may hold.
# short: tokens <= bounds[0]; medium: <= bounds[1]; long: above (up to bounds[2]).
TOKEN_BOUNDS: dict[str, tuple[int, int, int]] = {
    "email": (200, 600, 9000),
    "message": (60, 200, 2500),
    "notification": (50, 120, 900),
}
# Long email threads of 2k-8k tokens: at least this share of the email set.
LONG_THREAD_TOKENS = 2000
LONG_THREAD_SHARE = 0.05

# Assumed traffic mix, used as the population shares of proportional allocation.
CONTENT_WEIGHTS: dict[str, dict[str, float]] = {
    "email": {
        "work": 0.17,
        "scheduling": 0.10,
        "personal": 0.08,
        "orders_shipping": 0.12,
        "bills_banking": 0.10,
        "travel": 0.08,
        "school_family": 0.08,
        "support": 0.09,
        "newsletter": 0.09,
        "announcement": 0.09,
    },
    "message": {
        "planning": 0.18,
        "logistics": 0.14,
        "social": 0.16,
        "family": 0.16,
        "work": 0.12,
        "school": 0.08,
        "travel": 0.08,
        "marketplace": 0.08,
    },
    "notification": {
        "messaging": 0.20,
        "calendar": 0.10,
        "delivery": 0.12,
        "finance": 0.11,
        "news": 0.12,
        "reminders": 0.08,
        "social": 0.10,
        "travel": 0.08,
        "system": 0.09,
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
# The fewest key facts a sample of a bucket carries (authors write more where the input has more).
KEY_FACTS: dict[str, dict[str, int]] = {
    "email": {"short": 2, "medium": 3, "long": 4},
    "message": {"short": 2, "medium": 3, "long": 3},
    "notification": {"short": 2, "medium": 2, "long": 3},
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
    """The token range [low, high] of a bucket (long is capped at the design's maximum)."""
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
