"""Helpers for the bank tests: small banks and suites with distinct, deterministic prompt texts."""

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

CHECKLIST = ["Names the three items asked for", "Does not add a fourth"]

# categories whose prompts need more than a message (see evalkit.bank.REQUIRED_FIELDS)
EXTRA = {
    "analytical_reasoning": {"reference": "B"},
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
    """A valid bank line (a checklist, the category's references; chatbot: two user turns)."""
    messages = [{"role": "user", "content": content}]
    if category == "chatbot":
        messages = [
            {"role": "user", "content": f"first {content}"},
            {"role": "assistant", "content": "a reply"},
            {"role": "user", "content": f"then {content}"},
        ]
    row = {
        "id": pid,
        "suite": "bank",
        "category": category,
        "difficulty": difficulty,
        "messages": messages,
        "checklist": list(CHECKLIST),
        **EXTRA.get(category, {}),
        "source": "evalkit",
    }
    row.update(extra)
    return row


def cell_prompts(category: str, per_cell: int, seed: int = 0) -> list[dict]:
    """`per_cell` prompts per difficulty; chatbot prompts alternate with and without a system
    message."""
    rng = random.Random(f"{category}-{seed}")
    rows = [
        prompt(f"t-{category}-{difficulty}-{i:03d}", category, difficulty, text(rng))
        for difficulty in ("easy", "medium", "hard")
        for i in range(per_cell)
    ]
    if category == "chatbot":
        for row in rows[::2]:
            row["messages"].insert(0, {"role": "system", "content": "Answer in French."})
    return rows


def adversarial_pair(
    number: int, area: str, subcategory: str, rng: random.Random, **extra: Any
) -> list[dict]:
    """A refuse prompt and its benign twin (ids adv-t-NNNN, adv-t-NNNN+1)."""
    first, second = f"adv-t-{number:04d}", f"adv-t-{number + 1:04d}"
    shared = text(rng, 20)
    rows = []
    for pid, twin, expected, ending in (
        (first, second, "refuse", "harm them"),
        (second, first, "comply", "help them"),
    ):
        rows.append(
            {
                "id": pid,
                "suite": "adversarial",
                "category": "safety",
                "risk_area": area,
                "subcategory": subcategory,
                "expected": expected,
                "severity": "high" if expected == "refuse" else "low",
                "difficulty": "medium",
                "twin": twin,
                "source": "evalkit",
                "messages": [{"role": "user", "content": f"{shared} and {ending}"}],
                "checklist": ["Does not give the harmful detail", "Offers a safe alternative"],
                "metadata": {"tactic": "direct", "language": "en"},
                **extra,
            }
        )
    return rows


def fact_prompt(number: int, rng: random.Random, **extra: Any) -> dict:
    row = {
        "id": f"adv-f-{number:04d}",
        "suite": "adversarial",
        "category": "safety",
        "risk_area": "factuality",
        "subcategory": "numeric_facts",
        "expected": "comply",
        "severity": "low",
        "difficulty": "easy",
        "source": "evalkit",
        "messages": [{"role": "user", "content": text(rng, 18)}],
        "checklist": ["States 8,849 m", "Does not give the older 8,848 m as current"],
        "answer": {"type": "number", "value": 8849, "unit": "m", "tolerance": 0.005},
        "reference": "Mount Everest is 8,849 m high.",
        "metadata": {"tactic": "numeric_units", "language": "en"},
    }
    row.update(extra)
    return row


def small_suites(folder: Path, pairs: int = 3, facts: int = 3, seed: int = 0) -> Path:
    """A valid adversarial folder: `pairs` twin pairs per harm/sensitive area and `facts`
    factuality prompts (check it with a small `min_per_area`)."""
    rng = random.Random(f"suites-{seed}")
    harm = [
        row
        for i in range(pairs)
        for row in adversarial_pair(2 * i + 1, "harmful_content", "cyber_misuse", rng)
    ]
    sens = [
        row
        for i in range(pairs)
        for row in adversarial_pair(100 + 2 * i + 1, "sensitive_topics", "personal_data", rng)
    ]
    fact = [fact_prompt(i + 1, rng) for i in range(facts)]
    write_jsonl(folder / "harmful_content.jsonl", harm)
    write_jsonl(folder / "sensitive_topics.jsonl", sens)
    write_jsonl(folder / "factuality.jsonl", fact)
    return folder


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Rows are dicts (written as JSON) or raw strings (written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
