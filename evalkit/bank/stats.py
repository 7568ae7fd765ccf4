"""Statistics of the bank and the adversarial suites, as pure pandas functions.

Prompts per category × difficulty, prompt lengths (per category and per difficulty, with the
long hard tail), turns and system messages; for the suites, prompts per area by expected,
severity, difficulty, subcategory, tactic and language. `bank_stats` and `adversarial_stats`
give the same as plain data for `--json`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from evalkit.bank.checks import has_system, user_turns
from evalkit.bank.duplicates import prompt_text
from evalkit.bank.rules import LONG_PROMPT_WORDS
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt


def bank_frame(prompts: Iterable[Prompt]) -> pd.DataFrame:
    """One row per prompt: id, category, difficulty, words (of what the model reads), user
    turns, and whether it opens with a system message."""
    rows = [
        {
            "id": prompt.id,
            "category": prompt.category or "(none)",
            "difficulty": prompt.difficulty or "(none)",
            "words": len(prompt_text(prompt).split()),
            "user_turns": user_turns(prompt),
            "system": has_system(prompt),
        }
        for prompt in prompts
    ]
    columns = ["id", "category", "difficulty", "words", "user_turns", "system"]
    return pd.DataFrame(rows, columns=columns)


def _category_order(index: Iterable[str]) -> list[str]:
    present = list(index)
    return [c for c in CATEGORIES if c in present] + sorted(
        c for c in present if c not in CATEGORIES
    )


def count_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Prompts per category × difficulty, with totals; difficulties in easy/medium/hard order."""
    table = pd.crosstab(frame["category"], frame["difficulty"])
    columns = [d for d in DIFFICULTIES if d in table.columns]
    columns += [c for c in table.columns if c not in DIFFICULTIES]
    table = table.reindex(columns=columns, fill_value=0)
    table["total"] = table.sum(axis=1)
    return table.reindex(_category_order(table.index))


def _lengths(grouped: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": grouped.size(),
            "min": grouped.min(),
            "median": grouped.median(),
            "p90": grouped.quantile(0.9),
            "max": grouped.max(),
        }
    )


def length_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Prompt length in words per category: n, min, median, p90, max."""
    table = _lengths(frame.groupby("category")["words"])
    return table.reindex(_category_order(table.index))


def difficulty_length_table(frame: pd.DataFrame, long: int = LONG_PROMPT_WORDS) -> pd.DataFrame:
    """Prompt length in words per difficulty (easy, medium, hard): n, min, median, p90, max,
    and how many and what share are over `long` words (the hard tail is meant to be long)."""
    words = frame["words"]
    table = _lengths(words.groupby(frame["difficulty"]))
    over = (words > long).groupby(frame["difficulty"])
    table["over_long"] = over.sum().astype(int)
    table["share_over_long"] = over.mean()
    order = [d for d in DIFFICULTIES if d in table.index]
    return table.reindex(order + sorted(d for d in table.index if d not in DIFFICULTIES))


def turns_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per category: prompts, multi-turn prompts (2+ user turns), prompts with a system
    message."""
    grouped = frame.groupby("category")
    table = pd.DataFrame(
        {
            "prompts": grouped.size(),
            "multi_turn": grouped["user_turns"].apply(lambda s: int((s >= 2).sum())),
            "system": grouped["system"].sum().astype(int),
        }
    )
    return table.reindex(_category_order(table.index))


def _length_row(row: pd.Series) -> dict[str, Any]:
    return {
        "n": int(row["n"]),
        "min": int(row["min"]),
        "median": float(row["median"]),
        "p90": float(row["p90"]),
        "max": int(row["max"]),
    }


def bank_stats(prompts: list[Prompt], long: int = LONG_PROMPT_WORDS) -> dict[str, Any]:
    """Counts, lengths (per category and per difficulty) and turns as plain data (`--json`)."""
    frame = bank_frame(prompts)
    if frame.empty:
        return {
            "n": 0,
            "counts": {},
            "lengths": {},
            "lengths_by_difficulty": {},
            "turns": {},
            "long_words": long,
        }
    counts = count_table(frame)
    lengths = length_table(frame)
    by_difficulty = difficulty_length_table(frame, long)
    turns = turns_table(frame)
    return {
        "n": int(len(frame)),
        "counts": {
            category: {column: int(value) for column, value in row.items()}
            for category, row in counts.iterrows()
        },
        "lengths": {category: _length_row(row) for category, row in lengths.iterrows()},
        "lengths_by_difficulty": {
            difficulty: {
                **_length_row(row),
                "over_long": int(row["over_long"]),
                "share_over_long": float(row["share_over_long"]),
            }
            for difficulty, row in by_difficulty.iterrows()
        },
        "turns": {
            category: {column: int(value) for column, value in row.items()}
            for category, row in turns.iterrows()
        },
        "long_words": long,
    }


ADVERSARIAL_FIELDS = ("expected", "severity", "difficulty", "subcategory", "tactic", "language")


def adversarial_frame(prompts: Iterable[Prompt]) -> pd.DataFrame:
    """One row per adversarial prompt: its area and the fields the suites are counted by."""
    rows = [
        {
            "id": p.id,
            "area": p.risk_area or "(none)",
            "expected": p.expected or "(none)",
            "severity": p.severity or "(none)",
            "difficulty": p.difficulty or "(none)",
            "subcategory": p.subcategory or "(none)",
            "tactic": str(p.metadata.get("tactic") or "(none)"),
            "language": str(p.metadata.get("language") or "en"),
            "twin": p.twin,
            "turns": user_turns(p),
        }
        for p in prompts
    ]
    columns = ["id", "area", *ADVERSARIAL_FIELDS, "twin", "turns"]
    return pd.DataFrame(rows, columns=columns)


def adversarial_table(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Prompts per value of `column` (rows) and area (columns), most frequent first."""
    table = pd.crosstab(frame[column], frame["area"])
    table["total"] = table.sum(axis=1)
    return table.sort_values(["total"], ascending=False, kind="stable")


def adversarial_stats(prompts: list[Prompt]) -> dict[str, Any]:
    """Per area: prompts, and counts by expected, severity, difficulty, subcategory, tactic
    and language; prompts with a twin, twin pairs, and multi-turn prompts."""
    frame = adversarial_frame(prompts)
    areas: dict[str, Any] = {}
    for area, members in frame.groupby("area", sort=True):
        entry: dict[str, Any] = {"n": int(len(members))}
        for column in ADVERSARIAL_FIELDS:
            counts = members[column].value_counts()
            entry[column] = {str(k): int(v) for k, v in sorted(counts.items())}
        twins = dict(zip(members["id"], members["twin"], strict=True))
        entry["with_twin"] = int(members["twin"].notna().sum())
        entry["twin_pairs"] = sum(
            1 for pid, twin in twins.items() if twin and twins.get(twin) == pid and pid < twin
        )
        entry["multi_turn"] = int((members["turns"] >= 2).sum())
        areas[str(area)] = entry
    return {"n": int(len(frame)), "areas": areas}
