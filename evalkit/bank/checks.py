"""The per-prompt and per-cell checks of the bank: ids, labels, references, checklists,
conversations, system prompts, risk areas and cell counts.

Each check takes the prompts (with where they came from) and returns a `Problem` for every
violation it finds, none stopping the others; `evalkit.bank.validate` runs them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from evalkit.bank.reading import BankPrompt, Problem
from evalkit.bank.rules import CONVERSATION_TURNS, MIN_SYSTEM_SHARE, REQUIRED_FIELDS
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt
from evalkit.rubrics import SafetyRubric


def check_ids(prompts: list[BankPrompt]) -> list[Problem]:
    """An id must be unique across every file: grades and responses join on it."""
    first_seen: dict[str, BankPrompt] = {}
    problems = []
    for item in prompts:
        earlier = first_seen.setdefault(item.prompt.id, item)
        if earlier is not item:
            problems.append(
                Problem(
                    "duplicate_id",
                    item.where,
                    f"id: {item.prompt.id!r} is already used at {earlier.where}",
                )
            )
    return problems


def check_labels(prompts: list[BankPrompt]) -> list[Problem]:
    """Every bank prompt needs a known category and a difficulty (the cells of the bank)."""
    problems = []
    for item in prompts:
        category, difficulty = item.prompt.category, item.prompt.difficulty
        if category is None:
            problems.append(Problem("category", item.where, "category: required field is missing"))
        elif category not in CATEGORIES:
            problems.append(
                Problem(
                    "category",
                    item.where,
                    f"category: {category!r} is not one of {', '.join(CATEGORIES)}",
                )
            )
        if difficulty is None:
            problems.append(
                Problem("difficulty", item.where, "difficulty: required field is missing")
            )
        if not item.prompt.user_text.strip():
            problems.append(Problem("schema", item.where, "messages: the user message is empty"))
    return problems


def check_references(prompts: list[BankPrompt]) -> list[Problem]:
    """Categories graded against an answer must carry it (see REQUIRED_FIELDS)."""
    problems = []
    for item in prompts:
        for group in REQUIRED_FIELDS.get(item.prompt.category or "", ()):
            if not any(_filled(getattr(item.prompt, name)) for name in group):
                needed = " or ".join(group)
                problems.append(
                    Problem(
                        "reference",
                        item.where,
                        f"{group[0]}: {item.prompt.category} prompts need {needed}",
                    )
                )
    return problems


def check_checklists(prompts: list[BankPrompt], items: tuple[int, int]) -> list[Problem]:
    """Every prompt carries a checklist of `items` (least, most) non-blank, distinct statements:
    raters see it and the judge gets it."""
    least, most = items
    problems = []
    for item in prompts:
        checklist = item.prompt.checklist
        if not checklist:
            problems.append(
                Problem(
                    "checklist",
                    item.where,
                    f"checklist: required field is missing ({least}-{most} checkable statements)",
                )
            )
        elif not least <= len(checklist) <= most:
            problems.append(
                Problem(
                    "checklist",
                    item.where,
                    f"checklist: {len(checklist)} items, needs {least}-{most}",
                )
            )
        elif any(not entry.strip() for entry in checklist):
            problems.append(Problem("checklist", item.where, "checklist: an item is blank"))
        elif len({entry.strip().lower() for entry in checklist}) < len(checklist):
            problems.append(Problem("checklist", item.where, "checklist: an item is repeated"))
    return problems


def user_turns(prompt: Prompt) -> int:
    return sum(1 for message in prompt.messages if message.role == "user")


def has_system(prompt: Prompt) -> bool:
    return prompt.messages[0].role == "system"


def check_conversations(prompts: list[BankPrompt]) -> list[Problem]:
    """Conversation categories (CONVERSATION_TURNS): the number of user turns, and turns that
    alternate user / assistant after an optional opening system message."""
    problems = []
    for item in prompts:
        limits = CONVERSATION_TURNS.get(item.prompt.category or "")
        if limits is None:
            continue
        least, most = limits
        n = user_turns(item.prompt)
        if not least <= n <= most:
            problems.append(
                Problem(
                    "conversation",
                    item.where,
                    f"messages: {item.prompt.category} prompts have {least}-{most} user turns, "
                    f"this one has {n}",
                )
            )
            continue
        roles = [message.role for message in item.prompt.messages]
        if roles and roles[0] == "system":
            roles = roles[1:]
        for position, role in enumerate(roles):
            want = "user" if position % 2 == 0 else "assistant"
            if role != want:
                problems.append(
                    Problem(
                        "conversation",
                        item.where,
                        f"messages: turn {position + 1} is {role!r} where {want!r} belongs "
                        "(an optional system message first, then user and assistant turns "
                        "alternate)",
                    )
                )
                break
    return problems


def check_system_prompts(
    prompts: list[BankPrompt], categories: Iterable[str], where: str
) -> list[Problem]:
    """Conversation categories must include prompts with a system message (a persona, a policy,
    a format) that the final answer has to respect: at least MIN_SYSTEM_SHARE of them."""
    problems = []
    for category in categories:
        share = MIN_SYSTEM_SHARE.get(category)
        members = [p.prompt for p in prompts if p.prompt.category == category]
        if share is None or not members:
            continue
        with_system = sum(has_system(p) for p in members)
        if with_system < share * len(members):
            problems.append(
                Problem(
                    "conversation",
                    where,
                    f"{category}: {with_system} of {len(members)} prompts open with a system "
                    f"message, needs at least {share:.0%}",
                )
            )
    return problems


def check_risk_areas(prompts: list[BankPrompt], rubric: SafetyRubric) -> list[Problem]:
    """risk_area and subcategory must be ids of the safety rubric: the violation statistics
    group by them and raters choose from them."""
    subcategories = {area.id: [s.id for s in area.subcategories] for area in rubric.areas}
    problems = []
    for item in prompts:
        area, sub = item.prompt.risk_area, item.prompt.subcategory
        if area is not None and area not in subcategories:
            problems.append(
                Problem(
                    "risk_area",
                    item.where,
                    f"risk_area: {area!r} is not an area of the safety rubric "
                    f"({', '.join(subcategories)})",
                )
            )
        elif sub is not None and area is None:
            problems.append(
                Problem("risk_area", item.where, "risk_area: required when subcategory is set")
            )
        elif sub is not None and area is not None and sub not in subcategories[area]:
            problems.append(
                Problem(
                    "risk_area",
                    item.where,
                    f"subcategory: {sub!r} is not a subcategory of {area} "
                    f"({', '.join(subcategories[area])})",
                )
            )
    return problems


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def cell_counts(prompts: Iterable[BankPrompt]) -> dict[tuple[str, str], int]:
    counts: Counter[tuple[str, str]] = Counter()
    for item in prompts:
        if item.prompt.category and item.prompt.difficulty:
            counts[(item.prompt.category, item.prompt.difficulty)] += 1
    return dict(counts)


def check_cells(
    cells: dict[tuple[str, str], int], categories: Iterable[str], minimum: int, where: str
) -> list[Problem]:
    problems = []
    for category in categories:
        for difficulty in DIFFICULTIES:
            n = cells.get((category, difficulty), 0)
            if n < minimum:
                problems.append(
                    Problem(
                        "cell",
                        where,
                        f"{category} × {difficulty}: {n} prompts, needs at least {minimum}",
                    )
                )
    return problems
