"""`validate_bank`: every check of the bank (and the adversarial suites beside it) in one report.

Validation reports every problem at once (a bank is edited by several people, and fixing one
line per run wastes their time) as `file:line: field: problem`; `BankReport` carries the
problems with the counts `evalkit bank validate` prints.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.bank.adversarial import check_adversarial, check_areas
from evalkit.bank.checks import (
    cell_counts,
    check_cells,
    check_checklists,
    check_conversations,
    check_ids,
    check_labels,
    check_references,
    check_risk_areas,
    check_system_prompts,
)
from evalkit.bank.duplicates import NearDuplicate, cross_duplicates, near_duplicates
from evalkit.bank.reading import BankPrompt, Problem, bank_files, read_bank_file
from evalkit.bank.rules import (
    CHECKLIST_ITEMS,
    CROSS_SIMILARITY,
    MIN_PER_AREA,
    MIN_PER_CELL,
    NGRAM,
    PROBLEM_NAMES,
    SIMILARITY,
)
from evalkit.errors import UserError
from evalkit.records import CATEGORIES
from evalkit.rubrics import SafetyRubric, load_rubric


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
        rubric = load_rubric("safety", rubrics_dir)
    if rubric is not None and any(p.prompt.risk_area or p.prompt.subcategory for p in prompts):
        problems.extend(check_risk_areas(prompts, rubric))
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
