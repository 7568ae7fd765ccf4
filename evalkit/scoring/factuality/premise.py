"""False premises: `read_premise` tells whether a response rejects a question's false
premise (`fact.claim`), goes along with it, or only states the correction (`fact.value`),
from its stance on the claim plus mistake markers ("a mix-up", "you may be thinking of") and
the correction's own words (`_distinct_terms`, which yes/no claims with a reference use too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.records import FactAnswer
from evalkit.scoring.factuality.phrases import _F
from evalkit.scoring.factuality.stance import (
    PREMISE_AFFIRM_SHARE,
    Claim,
    Stance,
    StanceReading,
    read_stance,
)
from evalkit.scoring.factuality.text import (
    _STOPWORDS,
    clean_text,
    content_stems,
    stem,
    stem_forms,
    tokens,
)

_REJECT_MARKERS = re.compile(
    r"\bmix[- ]?up\b|\bmixed up\b|\bconfus(?:ed|ing|ion)\b|\bmistaken\b|\bmistake\b|"
    r"\b(?:a |one |small |quick |important |slight |minor |gentle )?correction\b|"
    r"\bto clarify\b|\bclarif(?:y|ication)\b|\bpremise\b|\bassumption\b|"
    r"\b(?:must|have to|need to|should|let me|i'll|allow me to|gently|to) correct\b|"
    r"\byou (?:may|might|could) be thinking of\b|\bi think you(?:'re| are) thinking of\b|"
    r"\byou(?:'re| are) (?:probably |likely )?thinking of\b|\bperhaps you mean\b|"
    r"\bdid you mean\b|\bcommon error\b|\berror\b|\bnot accurate\b|\binaccura\w+|"
    r"\bthere (?:was|is|were|has been|have been) (?:actually |in fact )?(?:never |no)\b|"
    r"\bnever (?:actually |really )?(?:landed|happened|existed|was|were|did|had|used|sailed|"
    r"invented|won|been|took place)\b|\b(?:did|does|do|was|were|is|are|has|had)(?:n't| not) "
    r"(?:actually|really|in fact)\b|\bnot actually\b|\bin reality\b|\bi should (?:point out|"
    r"note|mention)\b|\bworth (?:noting|pointing out|clarifying|correcting)\b|\bfor the record\b|"
    r"\bto be accurate\b|\bhistorically,? (?:though|however)\b|\bcan't (?:write|say|explain) "
    r"(?:that|it) (?:as|because)\b|\bstay(?:ing)? accurate\b|\bwouldn't be (?:accurate|right)\b|"
    r"\bi (?:can't|cannot|won't) (?:say|state|write|present|explain) (?:that|it|this)\b",
    _F,
)
# with the correction stated, these turn a silent correction into a rejection
_WEAK_REJECT = re.compile(
    r"\bactually\b|\bin fact\b|\bin reality\b|\brather\b|\binstead\b|,\s*not\b|"
    r"\bnot\b[^.;]{1,60}\bat all\b|\bnot\s+\w+(?:\s+\w+)?,?\s+but\b",
    _F,
)


@dataclass(frozen=True)
class PremiseReading:
    stance: Stance
    reading: StanceReading
    correction_terms: tuple[str, ...]
    correction_found: tuple[str, ...]
    weak_reject: bool


def _correction_terms(fact: FactAnswer, question: str | None) -> list[frozenset[str]]:
    if not isinstance(fact.value, str):
        return []
    return _distinct_terms(fact.value, fact.claim, question)


# words of a correction too common to show that a response states it ("long truces")
_GENERIC = frozenset(
    stem(w)
    for w in """first later year years only about around use no yes long short high low big
    small old new many few early late given name named called time times part way""".split()
)


def _distinct_terms(
    truth: str, claim: str | None, question: str | None, *, names_only: bool = False
) -> list[frozenset[str]]:
    """The words of the true answer that are neither in the claim nor in the question: what a
    response that states the correction would say ("Beagle", "1889", "Atlantic"). With
    `names_only`, only numbers and capitalized words (names: "Sirius", "Mercury", "First World
    War"), which a response rarely says by accident: for a reference sentence, which is longer
    and looser than a FactAnswer's `value`."""
    claim_forms = set().union(*content_stems(claim)) if claim and content_stems(claim) else set()
    asked = content_stems(question) if question else []
    question_forms = set().union(*asked) if asked else set()
    names: set[str] = set()
    for m in re.finditer(r"\b(?:[A-Z][\w'-]*|\d[\d,.]*)", truth):
        word = m.group(0).replace(",", "").rstrip(".")
        if word.lower() not in _STOPWORDS:
            names |= stem_forms(word)
    return [
        forms
        for forms in content_stems(truth)
        if not (forms & claim_forms or forms & question_forms or forms & _GENERIC)
        and (not names_only or forms & names)
    ]


def read_premise(text: str, fact: FactAnswer, question: str | None = None) -> PremiseReading:
    """Whether a response rejects a false premise (`fact.claim`), goes along with it, or only
    states the correction (`fact.value`) without saying the premise is wrong."""
    claim = Claim.of(fact.claim or "")
    terms = _correction_terms(fact, question)
    reading = read_stance(
        text,
        claim,
        lead=True,
        extra_deny=_REJECT_MARKERS,
        corrections=tuple(terms),
        affirm_share=PREMISE_AFFIRM_SHARE,
    )
    body_forms: set[str] = set()
    for tok in tokens(clean_text(text)):
        body_forms |= stem_forms(tok)
    found = [sorted(t)[0] for t in terms if t & body_forms]
    corrected = bool(terms) and (len(found) >= 2 or len(found) / len(terms) >= 0.2)
    weak = bool(_WEAK_REJECT.search(text))
    stance: Stance
    if reading.stance == "denies":
        stance = "rejects"
    elif reading.stance == "affirms":
        stance = "mixed" if corrected and reading.deny > 0 else "accepts"
    elif reading.stance == "mixed":
        stance = "rejects" if corrected and reading.deny > reading.affirm else "mixed"
    elif reading.stance == "hedges":
        stance = "hedges"
    elif corrected:
        stance = "rejects" if weak else "corrects"
    else:
        stance = "accepts"
    return PremiseReading(stance, reading, tuple(sorted(t)[0] for t in terms), tuple(found), weak)
