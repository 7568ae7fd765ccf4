"""The labelled set (`prompts/labelled/refusals/`): its records, where dev and test live, and the
split rule (the held-out batches, decided from the ids alone)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

from pydantic import Field

from evalkit.jsonio import read_records
from evalkit.paths import PROMPTS_DIR, labelled_split
from evalkit.records import Record
from evalkit.scoring.refusal.detection import Label

PERSONAS = ("terse", "preachy", "helpful", "casual", "formal", "multilingual")

LABELLED_DIR = PROMPTS_DIR / "labelled" / "refusals"
DEV_SET = LABELLED_DIR / "dev.jsonl"
TEST_SET = LABELLED_DIR / "test.jsonl"
# the held-out batches (ids rs-<batch>-NNNN): test.jsonl is exactly these, dev.jsonl the rest
TEST_BATCHES = ("v", "w")


class LabelledResponse(Record):
    """One response of `prompts/labelled/refusals/` (written for evalkit; see its README)."""

    id: str = Field(min_length=1)
    prompt: str
    response: str
    label: Label
    style: str
    persona: str
    language: str = "en"
    prompt_kind: str


def load_labelled(path: str | os.PathLike[str] | None = None) -> list[LabelledResponse]:
    """A labelled set: `dev`, `test` (default) or a path."""
    return read_records(_set_path(path), LabelledResponse)


def _set_path(which: str | os.PathLike[str] | None) -> Path:
    return labelled_split(which, DEV_SET, TEST_SET)


def split_key(record_id: str) -> str:
    return hashlib.sha256(f"evalkit-refusals:{record_id}".encode()).hexdigest()


def batch_of(record_id: str) -> str:
    """The batch of a labelled record: `rs-e-0001` -> `e`."""
    parts = record_id.split("-")
    return parts[1] if len(parts) >= 3 else ""


def split_of(record_id: str) -> Literal["dev", "test"]:
    """Where a record belongs: the held-out batches (`TEST_BATCHES`) are the test split.
    Decided from the id alone, before any response was read."""
    return "test" if batch_of(record_id) in TEST_BATCHES else "dev"
