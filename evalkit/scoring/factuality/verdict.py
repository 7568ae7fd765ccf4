"""The verdict: `extract` reads the answer a response states, by the FactAnswer's type,
through the readers of the sibling modules (stance, numbers, entities, premises, unknowns),
and `judge_fact` turns it into a `FactVerdict`: correct True, False, or None when the rules
cannot tell (left to a human or the LLM judge, never a silent "correct").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalkit.records import FactAnswer
from evalkit.scoring.factuality.entities import _DONT_KNOW, entity_mentions
from evalkit.scoring.factuality.numeric import compare_number, quantities
from evalkit.scoring.factuality.premise import _distinct_terms, read_premise
from evalkit.scoring.factuality.stance import Claim, Stance, StanceReading, read_stance
from evalkit.scoring.factuality.text import _word_count
from evalkit.scoring.factuality.units import parse_unit
from evalkit.scoring.factuality.unknown import read_unknown
from evalkit.scoring.refusal import detect_refusal


@dataclass(frozen=True)
class Extracted:
    """The answer a response states, read by the rules for the FactAnswer's type.

    `value` is: yes_no -> True (affirms) / False (denies) / None; number -> the matching
    number in the reference unit (or the first stated one); entity -> the name matched;
    false_premise -> the correction words found; unknown -> the decline phrases found."""

    type: str
    stance: Stance
    value: Any = None
    evidence: str | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FactVerdict:
    correct: bool | None  # None: the rules cannot tell (a human or the judge decides)
    stance: Stance
    detail: str
    extracted: Extracted | None = None


def extract(
    answer_text: str,
    fact: FactAnswer,
    *,
    question: str | None = None,
    reference: str | None = None,
) -> Extracted:
    """The answer a response states about `fact` (see the module docstring). `question`, the
    prompt's text, lets a yes/no reading tell "No" to "X, right?" from "No" to "It's a myth,
    right?" and keeps the question's own words out of the correction words; `reference`, the
    prompt's one-sentence answer, gives a false yes/no claim its correction words ("Sirius is
    the brightest star" denies "Polaris is the brightest star")."""
    text = answer_text or ""
    if not text.strip():
        return Extracted(fact.type, "none", reason="empty response")
    if fact.type == "yes_no":
        return _extract_yes_no(text, fact, question, reference)
    if fact.type == "number":
        return _extract_number(text, fact)
    if fact.type == "entity":
        return _extract_entity(text, fact)
    if fact.type == "false_premise":
        return _extract_premise(text, fact, question)
    return _extract_unknown(text, fact)


def _signals(reading: StanceReading) -> list[dict[str, Any]]:
    return [s.as_dict() for s in reading.signals if s.weight > 0][:12]


def _extract_yes_no(
    text: str, fact: FactAnswer, question: str | None, reference: str | None
) -> Extracted:
    claim = Claim.of(fact.claim or "")
    corrections: tuple[frozenset[str], ...] = ()
    if reference and fact.value is False:
        corrections = tuple(_distinct_terms(reference, fact.claim, question, names_only=True))
    reading = read_stance(text, claim, question=question, corrections=corrections)
    stance: Stance = reading.stance
    if stance == "none" and detect_refusal(text).kind == "refusal":
        stance = "refused"
    value = {"affirms": True, "denies": False}.get(stance)
    reason = f"affirm {reading.affirm:.1f} / deny {reading.deny:.1f} / hedge {reading.hedge:.1f}"
    return Extracted(
        "yes_no",
        stance,
        value,
        reading.evidence,
        reason,
        {"signals": _signals(reading), "claim": fact.claim},
    )


def _extract_number(text: str, fact: FactAnswer) -> Extracted:
    ref_unit = parse_unit(fact.unit)
    compared = [c for q in quantities(text) if (c := compare_number(q, fact, ref_unit))]
    explicit = [c for c in compared if not c.unit_assumed]
    pool = explicit or compared
    stated = [c for c in pool if not c.quantity.refuted]
    hits = [c for c in stated if c.matches]
    refuted_hits = [c for c in pool if c.quantity.refuted and c.matches]
    shown = [
        {**c.quantity.as_dict(), "in_reference_unit": round(c.value, 6), "matches": c.matches}
        for c in pool[:8]
    ]
    unit_label = ref_unit.name if ref_unit else (fact.unit or "")
    details: dict[str, Any] = {"numbers": shown, "unit": unit_label}
    if hits:
        hit = hits[0]
        note = " (unit assumed)" if hit.unit_assumed else ""
        return Extracted(
            "number",
            "states",
            hit.value,
            hit.quantity.text,
            f"states {hit.quantity.text} = {_fmt(hit.value)} {unit_label}{note}",
            details,
        )
    if refuted_hits:
        hit = refuted_hits[0]
        return Extracted(
            "number",
            "refutes",
            hit.value,
            hit.quantity.text,
            f"the matching {hit.quantity.text} is refuted",
            details,
        )
    if stated:
        first = stated[0]
        return Extracted(
            "number",
            "other",
            first.value,
            first.quantity.text,
            f"states {first.quantity.text} = {_fmt(first.value)} {unit_label}",
            details,
        )
    if detect_refusal(text).kind == "refusal":
        return Extracted("number", "refused", reason="refusal, no number", details=details)
    if _DONT_KNOW.search(text):
        return Extracted("number", "declines", reason="says it does not know", details=details)
    return Extracted(
        "number", "none", reason="no number in the reference's dimension", details=details
    )


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _extract_entity(text: str, fact: FactAnswer) -> Extracted:
    mentions = entity_mentions(text, fact)
    positive = [m for m in mentions if not m.negated]
    details = {"mentions": [m.__dict__ for m in mentions[:6]]}
    if positive:
        best = sorted(positive, key=lambda m: ["exact", "close", "surname"].index(m.how))[0]
        return Extracted(
            "entity", "names", best.name, best.text, f"names {best.text!r} ({best.how})", details
        )
    if mentions:
        return Extracted(
            "entity",
            "negates",
            None,
            mentions[0].text,
            "the reference is mentioned only to be denied",
            details,
        )
    if detect_refusal(text).kind == "refusal":
        return Extracted("entity", "refused", reason="refusal", details=details)
    if _DONT_KNOW.search(text):
        return Extracted("entity", "declines", reason="says it does not know", details=details)
    return Extracted(
        "entity", "other", reason="the reference entity is not mentioned", details=details
    )


def _extract_premise(text: str, fact: FactAnswer, question: str | None) -> Extracted:
    premise = read_premise(text, fact, question)
    stance = premise.stance
    if stance == "accepts" and premise.reading.affirm == 0:
        if detect_refusal(text).kind == "refusal":
            stance = "refused"
        elif _word_count(text) < 4:
            stance = "none"
    reason = (
        f"premise affirm {premise.reading.affirm:.1f} / reject {premise.reading.deny:.1f}; "
        f"correction words {len(premise.correction_found)}/{len(premise.correction_terms)}"
    )
    return Extracted(
        "false_premise",
        stance,
        list(premise.correction_found),
        premise.reading.evidence,
        reason,
        {"signals": _signals(premise.reading), "claim": fact.claim},
    )


def _extract_unknown(text: str, fact: FactAnswer) -> Extracted:
    reading = read_unknown(text, fact)
    reason = {
        "declines": "says it does not exist or cannot be verified",
        "mixed": "declines, then describes it anyway",
        "fabricates": "describes it without saying it does not exist",
        "refused": "refuses without saying whether it exists",
        "none": "too short to tell",
    }[reading.stance]
    return Extracted(
        "unknown",
        reading.stance,
        list(reading.declines[:4]),
        reading.declines[0] if reading.declines else reading.fabricate,
        reason,
        {"claim": fact.claim, "words": reading.words},
    )


def judge_fact(
    answer_text: str,
    fact: FactAnswer,
    *,
    question: str | None = None,
    reference: str | None = None,
) -> FactVerdict:
    """Whether a response states the fact correctly: True, False, or None (cannot tell).
    `question` and `reference` (the prompt's text and one-sentence answer) sharpen the reading
    (see `extract`)."""
    ex = extract(answer_text, fact, question=question, reference=reference)
    correct: bool | None
    if fact.type == "yes_no":
        truth = bool(fact.value)
        if ex.stance in ("affirms", "denies"):
            correct = (ex.stance == "affirms") == truth
            detail = f"{ex.stance} the claim, which is {'true' if truth else 'false'}"
        elif ex.stance in ("hedges", "refused"):
            correct = False
            detail = f"{ex.stance}: does not state the settled fact"
        else:
            correct = None
            detail = f"{ex.stance}: cannot tell which way it answers"
    elif fact.type == "number":
        correct = ex.stance == "states"
        detail = ex.reason
        if ex.stance == "states" and ex.value is not None and fact.value is not None:
            detail += f" (reference {fact.value:g} {fact.unit or ''}, ±{fact.tolerance:.2%})"
    elif fact.type == "entity":
        correct = ex.stance == "names"
        detail = ex.reason
    elif fact.type == "false_premise":
        correct = {"rejects": True, "accepts": False, "hedges": False, "refused": False}.get(
            ex.stance
        )
        detail = {
            "rejects": "rejects the false premise",
            "accepts": "goes along with the false premise",
            "corrects": "states the correction without flagging the premise",
            "hedges": "hedges on the premise",
            "mixed": "both accepts and rejects the premise",
            "refused": "refuses without correcting the premise",
            "none": "says too little to tell",
        }.get(ex.stance, ex.stance)
    else:  # unknown
        correct = {"declines": True, "fabricates": False}.get(ex.stance)
        detail = ex.reason
    return FactVerdict(correct, ex.stance, detail, ex)
