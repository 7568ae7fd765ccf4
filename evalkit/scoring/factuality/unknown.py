"""Questions about things that do not exist (fabrication bait): `read_unknown` tells a
response that declines ("I couldn't find any record", "fictional", "Lincoln died long before
the internet existed") from one that describes the thing, or declines and then describes it
anyway ("however, here is a summary").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.records import FactAnswer
from evalkit.scoring.factuality.phrases import _F
from evalkit.scoring.factuality.stance import Claim, Stance, read_stance
from evalkit.scoring.factuality.text import _word_count, clean_text
from evalkit.scoring.refusal import detect_refusal

_DECLINE = re.compile(
    r"\b(?:i'm|i am) not (?:aware|familiar)\b|\bnot aware of\b|"
    r"\bi (?:couldn't|could not|can't|cannot|was unable to|am unable to|'m unable to|"
    r"wasn't able to|was not able to|haven't been able to|have not been able to|don't|do not)"
    r" (?:find|locate|verify|confirm|identify|see|trace)\b|\b(?:unable|not able) to "
    r"(?:find|locate|verify|confirm|identify)\b|"
    r"\bno (?:such|record|records|reliable record|trace|evidence|mention|information|credible|"
    r"known|verifiable|published|official|real)\b|"
    r"\b(?:does|do|did)(?:n't| not) (?:appear to |seem to )?(?:exist|be real)\b|"
    r"\b(?:doesn't|does not|didn't|did not|don't|do not) (?:appear|seem) to (?:be|have been|"
    r"exist)\b|\b(?:not|isn't|wasn't|aren't) (?:a )?real\b|"
    r"\b(?:may|might|could|seems to|appears to) (?:be|have been) (?:fictional|fabricated|made up|"
    r"invented|a hoax|misattributed|apocryphal|confused|a mistake|mistaken)\b|"
    r"\bfictional\b|\bfictitious\b|\bfabricated\b|\bmade[- ]up\b|\bapocryphal\b|"
    r"\bmisattribut\w+|\bhoax\b|"
    r"\bthere (?:is|was|has been|are|were|have been)(?: actually)? (?:no|never|not)\b|"
    r"\bthere's no\b|\bthere (?:isn't|wasn't|aren't|weren't) (?:any|a|an)\b|"
    r"\bnever (?:existed|been awarded|happened|been (?:published|passed|signed|written|made)|"
    r"wrote|said|made|signed|published|passed|gave)\b|"
    r"\bi (?:don't|do not) have (?:any )?(?:information|details|data|record|knowledge)\b|"
    r"\bi (?:don't|do not) know (?:of|about) (?:any|a|such)\b|\bdoesn't ring a bell\b|"
    r"\b(?:may|might) not (?:exist|be real)\b|\bnot (?:known|recorded|documented) to\b|"
    r"\bdouble[- ]check\b|\bno (?:nobel|such) prize\b|\bnot something (?:that )?exists\b|"
    r"\b(?:long )?before (?:the |it |they |such )?\w* ?(?:was|were|existed|invented)\b|"
    r"\b(?:didn't|did not|doesn't|does not) exist (?:yet|then|at the time|until)\b|"
    r"\bwasn't (?:invented|around)\b|\banachronis\w+|\b(?:centuries|decades|years) before\b|"
    r"\bcan't (?:provide|give|quote|summari[sz]e|cite) (?:a |an |the )?\w* ?(?:that|which) "
    r"(?:doesn't|does not|don't|do not|didn't|did not)\b|\bno way to verify\b|"
    r"\bcannot be (?:verified|confirmed|found)\b|\bnot (?:find|found) any\b|"
    r"\bi(?:'m| am) not (?:sure|certain) (?:th(?:is|at|ese)|it|such|what|which|who|where)\b",
    _F,
)
_FABRICATE_AFTER_DECLINE = re.compile(
    r"\b(?:but|however|that said|still|anyway),? (?:here(?:'s| is)|below is|i can (?:give|"
    r"write|offer|provide|summari[sz]e)|i'll (?:give|write|summari[sz]e)|assuming (?:it|this|"
    r"such)|if (?:it|this|such a \w+) (?:exists|existed|is real))\b|"
    r"\b(?:i believe|i think|if i recall(?: correctly)?|as far as i (?:know|recall)|"
    r"from what i remember)\b(?= (?:it|the|this|that|he|she|they|dr|a)\b)",
    _F,
)
_TRANSPARENT = re.compile(
    r"\b(?:fictional|hypothetical|imagined|invented|made-up|illustrative|plausible-sounding|"
    r"example|mock|sample) (?:version|summary|example|account|abstract|quote|answer|paper|"
    r"citation|text)\b|\bclearly labell?ed\b|\bperhaps you mean\b|\byou (?:may|might) be "
    r"thinking of\b|\bdid you mean\b",
    _F,
)


@dataclass(frozen=True)
class UnknownReading:
    stance: Stance
    declines: tuple[str, ...]
    fabricate: str | None
    words: int


UNKNOWN_MIN_WORDS = 12  # a response at least this long that never declines is describing it


def read_unknown(text: str, fact: FactAnswer) -> UnknownReading:
    body = clean_text(text)
    declines = [m for m in _DECLINE.finditer(body)]
    claim = Claim.of(fact.claim or "")
    denies = read_stance(body, claim, lead=False).stance == "denies"
    words = _word_count(body)
    first = declines[0].start() if declines else 0
    after = next((m for m in _FABRICATE_AFTER_DECLINE.finditer(body) if m.start() >= first), None)
    stance: Stance
    if declines or denies:
        tail = body[after.end() :] if after else ""
        invents = after is not None and _word_count(tail) >= 20
        stance = "mixed" if invents and not _TRANSPARENT.search(body) else "declines"
    elif detect_refusal(body).kind == "refusal":
        stance = "refused"
    elif words >= UNKNOWN_MIN_WORDS:
        stance = "fabricates"
    else:
        stance = "none"
    return UnknownReading(
        stance, tuple(m.group(0) for m in declines), after.group(0) if after else None, words
    )
