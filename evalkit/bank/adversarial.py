"""The adversarial suites' own checks: required fields and tactics, factuality answers, twins,
and prompts per area.

Kept apart from the bank's checks because the suites follow different rules: every prompt to
refuse has a benign twin, and the factuality area carries checkable answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from evalkit.bank.checks import _filled, check_checklists, check_risk_areas
from evalkit.bank.reading import BankPrompt, Problem
from evalkit.bank.rules import ADVERSARIAL_CHECKLIST_ITEMS, ANSWER_AREAS, NOTE_TACTICS, TACTICS
from evalkit.rubrics import SafetyRubric


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
