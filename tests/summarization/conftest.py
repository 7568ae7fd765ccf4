"""The small authored fixture: eight email samples and two of the adversarial subset, written
by hand in the authoring format (evalkit/summarization/authored.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def authored_email() -> Path:
    return DATA / "email_authored.jsonl"


@pytest.fixture
def adversarial_email() -> Path:
    return DATA / "email_adversarial.jsonl"
