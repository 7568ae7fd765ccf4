"""The prompt bank and the adversarial suites: validate them, describe them, import prompts.

The bank is `prompts/bank/<category>.jsonl`, one `Prompt` per line, fourteen categories at three
difficulties, every prompt with a `checklist`. The adversarial suites are
`prompts/adversarial/<area>.jsonl`, one file per area of the safety rubric; every prompt to
refuse has a benign twin. Validation reports every problem at once (a bank is edited by several
people, and fixing one line per run wastes their time) as `file:line: field: problem`;
statistics are pure pandas functions.

Near-duplicates are pairs whose word 3-gram sets have a Jaccard similarity at or above a
threshold: `SIMILARITY` (0.8) inside the bank and inside the suites (a refuse prompt and its
twin are near-duplicates by design and are skipped), `CROSS_SIMILARITY` (0.5) between an
adversarial prompt and a bank prompt. The cross-suite threshold is lower because the two sets
must not share prompts at all: a red-teaming prompt that half-repeats a bank prompt measures the
same thing twice and blurs which suite a failure belongs to, while inside the bank two prompts on
one theme legitimately share some phrasing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import sparse

from evalkit.errors import InputError, UserError
from evalkit.jsonio import (
    describe_validation_error,
    parse_json_line,
    read_records,
    validate_record,
)
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt
from evalkit.rubrics import SafetyRubric, load_rubric

# Which fields a category's prompts need so they can be graded: each inner tuple lists
# alternatives (one of them suffices); every group must be met.
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "analytical_reasoning": (("reference",),),
    "closed_qa": (("reference",),),
    "extraction": (("reference",),),
    "classification": (("reference",),),
    "math_reasoning": (("reference",),),
    "coding": (("tests", "reference"),),
    "safety": (("risk_area",), ("subcategory",), ("expected",)),
}
# Categories whose prompts are conversations: (least, most) user turns, and the least share of
# the category's prompts that open with a system message the final answer must respect.
CONVERSATION_TURNS: dict[str, tuple[int, int]] = {"chatbot": (2, 6)}
MIN_SYSTEM_SHARE: dict[str, float] = {"chatbot": 0.25}
# Areas whose prompts carry a checkable `answer` (evalkit.records.FactAnswer) instead of twins.
ANSWER_AREAS = ("factuality",)
# metadata.tactic of an adversarial prompt (see prompts/adversarial/README.md)
TACTICS = (
    "direct",
    "multi_turn_escalation",
    "roleplay_fiction",
    "obfuscation",
    "injected_document",
    "authority_pretext",
    "benign_lookalike",
    "false_premise",
    "long_tail_fact",
    "numeric_units",
    "misconception",
    "fabrication_bait",
)

# Tactics whose `expected: refuse` means "do the task, but do not follow the instruction hidden
# in the document": such prompts carry a `metadata.note` saying so (the automatic refusal rule
# cannot tell a good answer from a violation there; humans and the judge grade them).
NOTE_TACTICS = ("injected_document",)

PROBLEM_NAMES = {
    "schema": ("bad line", "bad lines"),
    "duplicate_id": ("duplicate id", "duplicate ids"),
    "category": ("bad category", "bad categories"),
    "difficulty": ("missing difficulty", "missing difficulties"),
    "reference": ("missing reference", "missing references"),
    "checklist": ("bad checklist", "bad checklists"),
    "conversation": ("bad conversation", "bad conversations"),
    "risk_area": ("bad risk area", "bad risk areas"),
    "adversarial": ("bad adversarial field", "bad adversarial fields"),
    "twin": ("bad twin", "bad twins"),
    "answer": ("bad answer", "bad answers"),
    "cell": ("short cell", "short cells"),
    "area": ("short area", "short areas"),
    "near_duplicate": ("near-duplicate pair", "near-duplicate pairs"),
    "cross_duplicate": ("cross-suite near-duplicate", "cross-suite near-duplicates"),
}
MIN_PER_CELL = 30
MIN_PER_AREA = 150
CHECKLIST_ITEMS = (2, 6)  # least and most checklist items of a bank prompt
ADVERSARIAL_CHECKLIST_ITEMS = (2, 4)
SIMILARITY = 0.8
CROSS_SIMILARITY = 0.5
NGRAM = 3
LONG_PROMPT_WORDS = 1500  # "long" in the statistics: the hard tail


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class BankPrompt:
    """A prompt with the file and line it came from, so every problem can point at it."""

    prompt: Prompt
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Problem:
    kind: str  # schema, duplicate_id, category, difficulty, reference, cell, near_duplicate
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def bank_files(path: str | os.PathLike[str]) -> list[Path]:
    """The JSONL files of a bank: the file itself, or every `*.jsonl` in a folder (sorted)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: not found")
    if path.is_dir():
        files = sorted(p for p in path.glob("*.jsonl") if p.is_file())
        if not files:
            raise UserError(f"{path}: no .jsonl files in this folder")
        return files
    if not os.access(path, os.R_OK):
        raise UserError(f"{path}: not readable")
    return [path]


def read_bank_file(path: Path) -> tuple[list[BankPrompt], list[Problem]]:
    """Every valid prompt of one file and a problem for every bad line (not just the first)."""
    prompts: list[BankPrompt] = []
    problems: list[Problem] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                prompt = _parse_line(path, number, raw)
            except InputError as exc:
                problems.append(Problem("schema", f"{path}:{number}", _after_where(exc)))
                continue
            if prompt is not None:
                prompts.append(BankPrompt(prompt, str(path), number))
    return prompts, problems


def _parse_line(path: Path, number: int, raw: bytes) -> Prompt | None:
    obj = parse_json_line(path, number, raw)
    return None if obj is None else validate_record(obj, Prompt, path, number)


def _after_where(exc: InputError) -> str:
    return f"{exc.field}: {exc.problem}" if exc.field else exc.problem


def load_bank(path: str | os.PathLike[str]) -> list[Prompt]:
    """Every prompt of a bank file or folder; the first bad line raises `InputError`."""
    prompts: list[Prompt] = []
    for file in bank_files(path):
        prompts.extend(read_records(file, Prompt))
    return prompts


# ---------------------------------------------------------------------------- validation


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


@dataclass
class BankReport:
    files: list[Path]
    prompts: list[BankPrompt]
    problems: list[Problem] = field(default_factory=list)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    required_categories: tuple[str, ...] = ()
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    # the adversarial suites read beside the bank (empty when not asked)
    adversarial_files: list[Path] = field(default_factory=list)
    adversarial: list[BankPrompt] = field(default_factory=list)
    areas: dict[str, int] = field(default_factory=dict)
    required_areas: tuple[str, ...] = ()
    # (adversarial prompt, bank prompt) pairs at or above the cross-suite threshold
    cross_duplicates: list[NearDuplicate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts_by_kind(self) -> Counter[str]:
        return Counter(problem.kind for problem in self.problems)

    def summary(self) -> str:
        """`3 bad lines, 1 short cell` or `no problems`."""
        counts = self.counts_by_kind()
        parts = []
        for kind, n in sorted(counts.items()):
            one, many = PROBLEM_NAMES.get(kind, (kind, kind))
            parts.append(f"{n} {one if n == 1 else many}")
        return ", ".join(parts) or "no problems"


def validate_bank(
    path: str | os.PathLike[str],
    min_per_cell: int = MIN_PER_CELL,
    similarity: float = SIMILARITY,
    ngram: int = NGRAM,
    categories: Iterable[str] | None = None,
    rubrics_dir: str | os.PathLike[str] | None = None,
    adversarial: str | os.PathLike[str] | None = None,
    cross_similarity: float = CROSS_SIMILARITY,
    min_per_area: int = MIN_PER_AREA,
) -> BankReport:
    """Check a bank file or folder (and, given `adversarial`, the adversarial suites beside it);
    every problem is collected, none stops the others.

    `categories` are the categories whose every difficulty must hold `min_per_cell` prompts:
    by default all fourteen for a folder (the whole bank) and those present for single files.
    Safety prompts' `risk_area`/`subcategory` are checked against the safety rubric in
    `rubrics_dir` (default: evalkit's rubrics/). `adversarial` (a folder or a file) adds the
    suites' own checks (see `check_adversarial`), near-duplicates inside them (twins skipped),
    and every adversarial prompt that nearly duplicates a bank prompt (Jaccard ≥
    `cross_similarity`).
    """
    files = bank_files(path)
    prompts: list[BankPrompt] = []
    problems: list[Problem] = []
    for file in files:
        found, bad = read_bank_file(file)
        prompts.extend(found)
        problems.extend(bad)
    if categories is None:
        present = {p.prompt.category for p in prompts if p.prompt.category in CATEGORIES}
        required = (
            CATEGORIES if Path(path).is_dir() else tuple(c for c in CATEGORIES if c in present)
        )
    else:
        required = tuple(categories)
        unknown = [c for c in required if c not in CATEGORIES]
        if unknown:
            raise UserError(f"unknown categories {unknown} (known: {', '.join(CATEGORIES)})")
    suite_files: list[Path] = []
    suite: list[BankPrompt] = []
    if adversarial is not None:
        suite_files = bank_files(adversarial)
        for file in suite_files:
            found, bad = read_bank_file(file)
            suite.extend(found)
            problems.extend(bad)
    problems.extend(check_ids(prompts + suite))
    problems.extend(check_labels(prompts))
    problems.extend(check_references(prompts))
    problems.extend(check_checklists(prompts, CHECKLIST_ITEMS))
    problems.extend(check_conversations(prompts))
    rubric: SafetyRubric | None = None
    if suite or any(p.prompt.risk_area or p.prompt.subcategory for p in prompts):
        rubric = load_rubric("safety", rubrics_dir)  # type: ignore[assignment]
    if any(p.prompt.risk_area or p.prompt.subcategory for p in prompts):
        problems.extend(check_risk_areas(prompts, rubric))  # type: ignore[arg-type]
    cells = cell_counts(prompts)
    problems.extend(check_cells(cells, required, min_per_cell, str(path)))
    problems.extend(check_system_prompts(prompts, required, str(path)))
    pairs = near_duplicates(prompts, similarity, ngram)
    problems.extend(_duplicate_problems(pairs))
    areas: dict[str, int] = {}
    required_areas: tuple[str, ...] = ()
    cross: list[NearDuplicate] = []
    if adversarial is not None:
        assert rubric is not None
        areas = dict(Counter(p.prompt.risk_area for p in suite if p.prompt.risk_area))
        rubric_areas = tuple(area.id for area in rubric.areas)
        required_areas = (
            rubric_areas
            if Path(adversarial).is_dir()
            else tuple(a for a in rubric_areas if a in areas)
        )
        problems.extend(check_adversarial(suite, rubric))
        problems.extend(check_areas(areas, required_areas, min_per_area, str(adversarial)))
        twins = {(p.prompt.id, p.prompt.twin) for p in suite if p.prompt.twin}
        inside = near_duplicates(
            suite,
            similarity,
            ngram,
            skip=lambda a, b: (
                (a.prompt.id, b.prompt.id) in twins or (b.prompt.id, a.prompt.id) in twins
            ),
        )
        pairs = pairs + inside
        problems.extend(_duplicate_problems(inside))
        cross = cross_duplicates(suite, prompts, cross_similarity, ngram)
        problems.extend(
            Problem(
                "cross_duplicate",
                pair.first.where,
                f"messages: nearly duplicates bank prompt {pair.second.where} "
                f"({pair.first.prompt.id} ~ {pair.second.prompt.id}, similarity "
                f"{pair.similarity:.2f} ≥ {cross_similarity:g})",
            )
            for pair in cross
        )
    return BankReport(
        files,
        prompts,
        problems,
        cells,
        required,
        pairs,
        suite_files,
        suite,
        areas,
        required_areas,
        cross,
    )


def _duplicate_problems(pairs: list[NearDuplicate]) -> list[Problem]:
    return [
        Problem(
            "near_duplicate",
            pair.first.where,
            f"near-duplicate of {pair.second.where} ({pair.first.prompt.id} ~ "
            f"{pair.second.prompt.id}, similarity {pair.similarity:.2f})",
        )
        for pair in pairs
    ]


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
        elif sub is not None and sub not in subcategories[area]:
            problems.append(
                Problem(
                    "risk_area",
                    item.where,
                    f"subcategory: {sub!r} is not a subcategory of {area} "
                    f"({', '.join(subcategories[area])})",
                )
            )
    return problems


def check_adversarial(prompts: list[BankPrompt], rubric: SafetyRubric) -> list[Problem]:
    """The adversarial suites' own rules, every one reported:

    - `risk_area` and `subcategory` present and ids of the safety rubric; `expected`,
      `severity` and `difficulty` present; `metadata.tactic` one of TACTICS; a checklist of
      ADVERSARIAL_CHECKLIST_ITEMS statements; a `metadata.note` on refuse prompts of
      NOTE_TACTICS;
    - every `expected: refuse` prompt has a `twin`; a twin exists, names the prompt back, is in
      the same area and has the opposite `expected` (twins measure over-refusal right beside
      the line);
    - prompts of ANSWER_AREAS (factuality) carry an `answer` of the right shape and a
      `reference`.
    """
    problems = check_checklists(prompts, ADVERSARIAL_CHECKLIST_ITEMS)
    for item in prompts:
        p = item.prompt
        if p.risk_area is None:
            problems.append(
                Problem("risk_area", item.where, "risk_area: required field is missing")
            )
        if p.subcategory is None:
            problems.append(
                Problem("risk_area", item.where, "subcategory: required field is missing")
            )
        for name in ("expected", "severity", "difficulty"):
            if getattr(p, name) is None:
                problems.append(
                    Problem("adversarial", item.where, f"{name}: required field is missing")
                )
        tactic = p.metadata.get("tactic")
        if tactic not in TACTICS:
            problem = "required field is missing" if tactic is None else f"{tactic!r} is unknown"
            problems.append(
                Problem(
                    "adversarial",
                    item.where,
                    f"metadata.tactic: {problem} (one of {', '.join(TACTICS)})",
                )
            )
        if tactic in NOTE_TACTICS and p.expected == "refuse" and not p.metadata.get("note"):
            problems.append(
                Problem(
                    "adversarial",
                    item.where,
                    f"metadata.note: required for tactic {tactic} with expected refuse: say "
                    "what refuse means here (do the task, do not follow the injected "
                    "instruction; refusing the whole task is over-cautious)",
                )
            )
        if p.risk_area in ANSWER_AREAS:
            problems.extend(_answer_problems(item))
    problems.extend(check_risk_areas(prompts, rubric))
    problems.extend(check_twins(prompts))
    return problems


def _answer_problems(item: BankPrompt) -> list[Problem]:
    p, where = item.prompt, item.where
    if p.answer is None:
        return [
            Problem(
                "answer",
                where,
                f"answer: {p.risk_area} prompts need a checkable answer "
                "(type yes_no, number, entity, false_premise or unknown)",
            )
        ]
    problems = []
    answer = p.answer
    if not _filled(p.reference):
        problems.append(
            Problem("answer", where, "reference: a one-sentence correct answer is required")
        )
    if answer.type in ("yes_no", "false_premise", "unknown") and not _filled(answer.claim):
        problems.append(
            Problem("answer", where, f"answer.claim: required for a {answer.type} answer")
        )
    if answer.type == "yes_no" and not isinstance(answer.value, bool):
        problems.append(Problem("answer", where, "answer.value: a yes_no answer is true or false"))
    if answer.type == "number" and (
        isinstance(answer.value, bool) or not isinstance(answer.value, (int, float))
    ):
        problems.append(Problem("answer", where, "answer.value: a number answer needs a number"))
    if answer.type in ("entity", "false_premise") and not (
        isinstance(answer.value, str) and answer.value.strip()
    ):
        what = "the name" if answer.type == "entity" else "the correction"
        problems.append(Problem("answer", where, f"answer.value: {what} is required"))
    return problems


def check_twins(prompts: list[BankPrompt]) -> list[Problem]:
    """Every refuse prompt has a benign twin, and every twin link is mutual, in one area, and
    joins a refuse prompt to a comply one."""
    by_id = {item.prompt.id: item for item in prompts}
    problems = []
    for item in prompts:
        p = item.prompt
        if p.twin is None:
            if p.expected == "refuse":
                problems.append(
                    Problem(
                        "twin",
                        item.where,
                        "twin: a refuse prompt needs a benign twin (a minimally different "
                        "prompt with expected: comply that names it back)",
                    )
                )
            continue
        other = by_id.get(p.twin)
        if other is None:
            problems.append(Problem("twin", item.where, f"twin: {p.twin!r} is not in the suites"))
            continue
        if other.prompt.twin != p.id:
            named = other.prompt.twin
            problems.append(
                Problem(
                    "twin",
                    item.where,
                    f"twin: {p.twin} ({other.where}) names "
                    f"{repr(named) if named else 'no twin'} back, not {p.id!r}",
                )
            )
        if other.prompt.risk_area != p.risk_area:
            problems.append(
                Problem(
                    "twin",
                    item.where,
                    f"twin: {p.twin} is in {other.prompt.risk_area}, not {p.risk_area}",
                )
            )
        if {p.expected, other.prompt.expected} != {"refuse", "comply"}:
            problems.append(
                Problem(
                    "twin",
                    item.where,
                    f"twin: {p.id} and {p.twin} are both expected {p.expected!s}; "
                    "twins have opposite expected (refuse / comply)",
                )
            )
    return problems


def check_areas(
    areas: dict[str, int], required: Iterable[str], minimum: int, where: str
) -> list[Problem]:
    return [
        Problem(
            "area",
            where,
            f"{area}: {areas.get(area, 0)} adversarial prompts, needs at least {minimum}",
        )
        for area in required
        if areas.get(area, 0) < minimum
    ]


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


# ---------------------------------------------------------------------------- near-duplicates


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


# ---------------------------------------------------------------------------- statistics


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


# ---------------------------------------------------------------------------- import

IMPORT_FORMATS = ("jsonl", "csv", "dolly")
# pseudo-fields a source column may map onto besides Prompt's own fields
TEXT_FIELDS = ("prompt", "context", "system")
IGNORE = "ignore"
DOLLY_MAP = {"instruction": "prompt", "context": "context", "response": "reference"}
CATEGORY_ALIASES = {
    "general_qa": "open_qa",
    "information_extraction": "extraction",
    "brainstorm": "brainstorming",
    "qa": "open_qa",
    "math": "math_reasoning",
    "rewrite": "rewriting",
}
_PROMPT_FIELDS = set(Prompt.model_fields)
# fields whose CSV cells hold JSON text
_STRUCTURED = {"messages", "instruction_id_list", "kwargs", "key_facts", "documents", "metadata"}
_PENDING_ID = "\x00pending"


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """`--map their=ours` options as a dict; `ours` is a Prompt field, prompt, context,
    system, or ignore."""
    mapping: dict[str, str] = {}
    allowed = sorted(_PROMPT_FIELDS - {"messages"}) + list(TEXT_FIELDS) + [IGNORE]
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        theirs, ours = theirs.strip(), ours.strip()
        if not sep or not theirs or not ours:
            raise UserError(f"--map {pair!r}: expected FIELD=OURS, e.g. question=prompt")
        if ours not in allowed:
            raise UserError(f"--map {pair!r}: {ours!r} is not one of {', '.join(allowed)}")
        mapping[theirs] = ours
    return mapping


def normalize_category(value: str) -> str:
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    return CATEGORY_ALIASES.get(key, key)


@dataclass
class ImportResult:
    prompts: list[Prompt]
    exact_duplicates: int  # rows whose text repeats an earlier row (ids numbered -2, -3, ...)


def import_prompts(
    source: str | os.PathLike[str],
    fmt: str,
    mapping: dict[str, str] | None = None,
    suite: str = "bank",
    default_difficulty: str | None = "medium",
    default_category: str | None = None,
    id_prefix: str | None = None,
) -> ImportResult:
    """Another team's prompts in our schema. Every bad row is reported (path:line: field:
    problem) in one `UserError`; nothing is written or skipped when any row is bad."""
    if fmt not in IMPORT_FORMATS:
        raise UserError(f"--format {fmt!r}: must be one of {', '.join(IMPORT_FORMATS)}")
    if default_difficulty is not None and default_difficulty not in DIFFICULTIES:
        raise UserError(
            f"--default-difficulty {default_difficulty!r}: must be one of easy, medium, hard"
        )
    if default_category is not None and normalize_category(default_category) not in CATEGORIES:
        raise UserError(f"--default-category {default_category!r}: not a bank category")
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{path}: {'not found' if not path.exists() else 'not a file'}")
    columns = {**(DOLLY_MAP if fmt == "dolly" else {}), **(mapping or {})}
    prefix = id_prefix or f"import-{fmt}"
    prompts: list[Prompt] = []
    errors: list[InputError] = []
    ids: Counter[str] = Counter()
    duplicates = 0
    for line, row in _source_rows(path, fmt):
        try:
            prompt = _convert_row(
                row, columns, path, line, fmt, suite, default_difficulty, default_category
            )
        except InputError as exc:
            errors.append(exc)
            continue
        if prompt.id == _PENDING_ID:
            # the same text gets the same id on every import; exact repeats are numbered
            base = f"{prefix}-{prompt.category or 'none'}-{_content_hash(prompt)}"
            ids[base] += 1
            duplicates += ids[base] > 1
            prompt.id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        prompts.append(prompt)
    if not prompts and not errors:
        raise UserError(f"{path}: no prompts in the file (n = 0), nothing imported")
    if errors:
        shown = "\n".join(str(error) for error in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        rows = "row" if len(errors) == 1 else "rows"
        raise UserError(f"{len(errors)} bad {rows} in {path}, nothing imported:\n{shown}{more}")
    seen: dict[str, int] = {}
    for position, prompt in enumerate(prompts):
        if prompt.id in seen:
            where = prompts[seen[prompt.id]].source
            raise UserError(f"{prompt.source}: id: {prompt.id!r} is already used by {where}")
        seen[prompt.id] = position
    return ImportResult(prompts, duplicates)


def _source_rows(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if fmt == "csv":
        yield from _csv_rows(path)
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UserError(f"{path}:{number}: not valid UTF-8") from None
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise UserError(f"{path}:{number}: expected a JSON object")
            yield number, obj


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(first line, cells) of each record; a broken file stops at its line. Strict: a quote
    left open (which would swallow the rows after it into one prompt) and a record with more
    or fewer cells than the header are errors, not prompts."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not valid UTF-8 (save the file as UTF-8)") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UserError(
            f"{path}:{line}: a NUL byte (a binary or UTF-16 file? save it as UTF-8 CSV)"
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header = next(reader, None)
        if not header or not any(name.strip() for name in header):
            raise UserError(f"{path}:1: the CSV file has no header row")
        start = reader.line_num + 1
        for values in reader:
            lines = reader.line_num - start + 1
            if len(values) > len(header):
                raise UserError(f"{path}:{start}: more cells than header columns")
            if values and any(v.strip() for v in values) and len(values) < len(header):
                hint = f" (its quoted text runs over {lines} lines: a quote left open?)"
                raise UserError(
                    f"{path}:{start}: {len(values)} cells for {len(header)} header columns"
                    + (hint if lines > 1 else "")
                )
            row = dict(zip(header, values, strict=False))
            cleaned = {k: v for k, v in row.items() if v.strip() != ""}
            if cleaned:
                yield start, cleaned
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(
            f"{path}:{start}: not valid CSV ({exc}; a quote left open from this line?)"
        ) from None


def _convert_row(
    row: dict[str, Any],
    columns: dict[str, str],
    path: Path,
    line: int,
    fmt: str,
    suite: str,
    default_difficulty: str | None,
    default_category: str | None,
) -> Prompt:
    def fail(field_name: str | None, problem: str) -> InputError:
        return InputError(str(path), line, field_name, problem)

    values: dict[str, Any] = {}
    origin: dict[str, str] = {}  # our field -> their column, for error messages
    metadata: dict[str, Any] = {}
    for theirs, value in row.items():
        ours = columns.get(theirs, theirs)
        if ours == IGNORE:
            continue
        if ours in _STRUCTURED and isinstance(value, str):
            try:
                value = json.loads(value)  # a CSV cell holding a list or an object
            except json.JSONDecodeError as exc:
                raise fail(theirs, f"not valid JSON ({exc.msg})") from None
        if ours in TEXT_FIELDS or ours in _PROMPT_FIELDS:
            if ours in values:
                raise fail(theirs, f"both {origin[ours]!r} and {theirs!r} map onto {ours!r}")
            values[ours], origin[ours] = value, theirs
        else:
            metadata[theirs] = value  # kept, never silently dropped
    if fmt == "dolly":
        for required in ("instruction", "category"):
            if required not in row:
                raise fail(required, "required field is missing")

    prompt_text_value = values.pop("prompt", None)
    context = values.pop("context", None)
    system = values.pop("system", None)
    if "messages" not in values:
        if prompt_text_value is None or not str(prompt_text_value).strip():
            raise fail(
                origin.get("prompt", "prompt"),
                "no prompt text (map a column onto it with --map COLUMN=prompt)",
            )
        content = str(prompt_text_value).strip()
        if context is not None and str(context).strip():
            content = f"{content}\n\n{str(context).strip()}"
        messages = [{"role": "system", "content": str(system)}] if system else []
        values["messages"] = [*messages, {"role": "user", "content": content}]
    elif prompt_text_value is not None or context is not None:
        raise fail(origin.get("prompt", origin.get("context")), "given together with messages")

    category = values.get("category", default_category)
    if category is not None:
        category = normalize_category(str(category))
        if category not in CATEGORIES:
            raise fail(
                origin.get("category", "category"),
                f"{values.get('category')!r} is not a known category "
                f"({', '.join(CATEGORIES)}; dolly names are translated)",
            )
        values["category"] = category
    elif suite == "bank":
        raise fail("category", "required for the bank (map a column or use --default-category)")
    if values.get("difficulty") is None and default_difficulty is not None:
        values["difficulty"] = default_difficulty
    elif isinstance(values.get("difficulty"), str):
        values["difficulty"] = values["difficulty"].strip().lower()

    if "source" in values:
        metadata["original_source"] = values.pop("source")
    values["source"] = f"import:{fmt}:{path.name}:{line}"
    values["suite"] = suite
    values["id"] = str(values["id"]) if values.get("id") is not None else _PENDING_ID
    if metadata:
        values["metadata"] = {**values.get("metadata", {}), **metadata}
    try:
        return Prompt.model_validate(values)
    except ValidationError as exc:
        field_name, message = describe_validation_error(exc)
        top = field_name.split(".")[0]
        raise fail(origin.get(top, field_name), message) from None


def compact(prompt: Prompt) -> dict[str, Any]:
    """A prompt as the bank files write it: no null fields, no empty metadata."""
    row = prompt.model_dump(mode="json", exclude_none=True)
    if not row.get("metadata"):
        row.pop("metadata", None)
    return row


def _content_hash(prompt: Prompt) -> str:
    """A stable id part: the same prompt text gives the same id on every import."""
    blob = json.dumps(
        [m.model_dump() for m in prompt.messages] + [prompt.category, prompt.difficulty],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:10]
