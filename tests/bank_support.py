"""Helpers for the bank tests: small banks with distinct, deterministic prompt texts."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

WORDS = (
    "apple river lamp quiet orbit velvet harbor pencil meadow copper lantern basket thunder "
    "garden violin marble candle forest rocket saddle pepper island mirror ladder window "
    "silver cactus engine falcon pillow tunnel wallet bridge canyon feather jacket kettle "
    "magnet needle oyster parcel ribbon shovel ticket umbrella walnut yogurt zipper anchor "
    "blanket chimney dolphin eagle fountain glacier hammer igloo jungle kayak lemon mustard "
    "noodle orchard puzzle quartz rabbit sponge trumpet unicorn vacuum whistle"
).split()

# categories whose prompts need more than a message (see evalkit.bank.REQUIRED_FIELDS)
EXTRA = {
    "closed_qa": {"reference": "yes"},
    "extraction": {"reference": "[]"},
    "classification": {"reference": "label"},
    "math_reasoning": {"reference": "42"},
    "coding": {"tests": "assert True"},
    "safety": {"risk_area": "harmful_content", "subcategory": "self_harm", "expected": "refuse"},
}


def text(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def prompt(pid: str, category: str, difficulty: str, content: str, **extra: Any) -> dict:
    row = {
        "id": pid,
        "suite": "bank",
        "category": category,
        "difficulty": difficulty,
        "messages": [{"role": "user", "content": content}],
        **EXTRA.get(category, {}),
        "source": "evalkit",
    }
    row.update(extra)
    return row


def cell_prompts(category: str, per_cell: int, seed: int = 0) -> list[dict]:
    rng = random.Random(f"{category}-{seed}")
    return [
        prompt(f"t-{category}-{difficulty}-{i:03d}", category, difficulty, text(rng))
        for difficulty in ("easy", "medium", "hard")
        for i in range(per_cell)
    ]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Rows are dicts (written as JSON) or raw strings (written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
