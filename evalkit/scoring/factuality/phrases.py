"""The English phrase patterns the stance reader weighs: negators and what only looks like
a negation ("no doubt", "not only"), verdicts ("that's a myth", "it's true that"), hedges,
reported beliefs ("many people think"), short elliptic answers, a leading "Yes" / "No" and
conclusions.

Kept apart from the reading logic (stance.py) so the vocabulary can be reviewed and extended
on its own.
"""

from __future__ import annotations

import re

_F = re.IGNORECASE

# phrases that look like negation but are intensifiers or idioms
_NOT_NEGATION = re.compile(
    r"\bno (?:question|doubt|wonder|matter|kidding|exception|surprise)s?\b|"
    r"\bwithout (?:a |any )?(?:question|doubt)\b|\bnot only\b|\bnot just\b|"
    r"\bnot (?:surprisingly|to mention)\b|\bno (?:one|body) (?:can|could) (?:deny|dispute)\b|"
    r"\b(?:can't|cannot|can not|couldn't) (?:stress|emphasi[sz]e|overstate|recommend)\b[^.]*?"
    r"\benough\b|\bcouldn't (?:agree|be) more\b|\bnothing short of\b|\bnone other than\b|"
    r"\bnot (?:un\w+|im\w+|in\w+ible)\b|\bnot a bad\b|\bno small\b|\bnever mind\b",
    _F,
)
_NEGATORS = frozenset(
    "not no never none nothing neither nor cannot impossible hardly barely unable fails fail "
    "failed nobody nowhere".split()
)


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith("n't")


# verdicts that the claim is true; matched first so "not a myth" is not read as "myth"
_AFFIRM_VERDICT = re.compile(
    r"\b(?:is|'s|it's|that's|this is|it is|that is)?\s*(?:not|n't|no|never)\s+(?:a |just a |"
    r"merely a |simply a |an? (?:old |urban )?)?(?:myth|misconception|old wives' tale|"
    r"urban legend|false|untrue|a lie|made up)\b|"
    r"\b(?:that's|that is|this is|it's|it is|you're|you are|he's|she's|they're|they are|"
    r"(?:your|the) \w+(?: \w+)? (?:is|are|was))\s+(?:absolutely |completely |quite |exactly |"
    r"perfectly |totally |indeed |actually |partly |100% )?(?:right|correct|true|accurate)\b"
    r"(?! to\b| about the\b| that (?:many|some|people))|"
    r"\b(?:it's|it is|that's|that is)\s+(?:indeed |actually |absolutely |definitely )?"
    r"(?:a (?:fact|reality)|the case)\b|"
    r"\bwell[- ](?:established|documented|supported)\b|\b(?:is|are) (?:indeed )?"
    r"(?:real|true|accurate|correct)\b(?! (?:that|of)\b)|\btrue that\b|"
    r"\b(?:indeed|in fact|really) (?:does|do|can|is|are|did|was|were)\b",
    _F,
)
_DENY_VERDICT = re.compile(
    r"\bmyths?\b|\bmisconceptions?\b|\bold wives' tales?\b|\burban legends?\b|\bdebunked\b|"
    r"\bmisinformation\b|\bfolk(?:lore| belief| tale)\b|\bpseudoscien\w*|\bfallacy\b|"
    r"\bnonsense\b|\bbogus\b|\bunfounded\b|\bbaseless\b|\billusion\b|\bdisproven\b|"
    r"\b(?:is|are|was|were|'s|'re)\s+(?:simply |actually |just |completely |totally |entirely |"
    r"absolutely |definitely |plainly |unfortunately )?(?:untrue|false|incorrect|inaccurate|"
    r"wrong|mistaken|a mistake|outdated|not (?:true|correct|accurate|right|the case|quite "
    r"right|quite true|supported|how))\b|"
    r"\b(?:not|isn't|aren't|wasn't) (?:actually |quite |entirely |strictly |really )?"
    r"(?:true|correct|accurate|the case|right)\b(?! to\b| away\b| now\b)|"
    r"\b(?:no|little|zero|not any|n't any|lacks?) (?:good |solid |scientific |credible |"
    r"reliable |real |strong |clinical |medical |historical |convincing )*(?:evidence|proof|"
    r"support|basis|truth|link|connection|scientific basis)\b|"
    r"\b(?:not|isn't|aren't) (?:supported|backed|borne out)\b|"
    r"\b(?:found|find|finds|show|showed|shown|shows|saw) no (?:\w+ )?(?:difference|effect|link|"
    r"connection|association|change|increase|benefit)\b|"
    r"\b(?:hasn't|haven't|has not|have not|didn't|did not|doesn't|does not|never|failed to) "
    r"(?:been )?(?:found|find|show|shown|showed|establish\w*|prove[dn]?|demonstrate\w*|confirm\w*)"
    r" (?:a |any )?(?:\w+ )?(?:link|connection|association|effect|difference|causal)\b|"
    r"\bthere's no (?:truth|basis|link)\b|\b(?:has|have|had|got|gets|get) (?:it|that|this)"
    r" (?:wrong|backwards?|the wrong way round)\b|\bnot (?:because of|due to|thanks to)\b|"
    r"\b(?:has|have|had) (?:nothing|little) to do with\b|\b(?:doesn't|does not|don't|do not) work "
    r"(?:that way|like that)\b|\bthat's not how\b|\bunsupported\b|"
    r"\b(?:mito|mythos|mythe|irrtum|falsch|faux|stimmt nicht|não é verdade|no es cierto|"
    r"es falso|c'est faux|pas vrai|klopt niet|fabeltje)\b|迷信|俗説|誤解|根拠はありません|"
    r"근거가 없|사실이 아닙니다|속설",
    _F,
)
_HEDGE = re.compile(
    r"\bit depends\b|\bdepends (?:on|largely)\b|\b(?:evidence|research|science|jury|verdict)"
    r" (?:is|remains) (?:still )?(?:mixed|unclear|inconclusive|out|divided|limited)\b|"
    r"\bmixed (?:evidence|results|findings)\b|\b(?:not|isn't|is not|aren't|are not) (?:yet |"
    r"entirely |completely |fully )?(?:clear|settled|certain|conclusive)\b|"
    r"\bothers (?:don't|do not|find no|disagree|say no)\b|\bmay depend\b|"
    r"\bunclear\b|\b(?:hotly |still |widely )?debated\b|"
    r"\bcontroversial\b|\binconclusive\b|\b(?:partly|partially|somewhat) true\b|"
    r"\b(?:some|a grain of|a kernel of|an element of) truth\b|\byes and no\b|"
    r"\bit's complicated\b|\b(?:hard|difficult|impossible) to say\b|"
    r"\bi(?:'m| am) not (?:sure|certain)\b|\bi (?:don't|do not) know\b|\bnot necessarily\b|"
    r"\bmay or may not\b|\bmight or might not\b|\bno (?:clear|simple|definitive) answer\b|"
    r"\bit's possible\b(?= but| that)|\bcould go either way\b|\bnobody knows\b",
    _F,
)
# a clause that reports a belief or a condition: what it contains is not asserted
_REPORTED = re.compile(
    r"\b(?:many|some|most|lots of|plenty of|a lot of|numerous) (?:\w+ )?(?:people|folks|"
    r"parents|players|athletes|cooks|chefs|patients|drivers|users|fans|students)\b|"
    r"\bpeople (?:\w+ )?(?:believe|think|say|claim|assume|swear|used to)\b|"
    r"\b(?:commonly|widely|often|popularly|generally|long|frequently|traditionally)"
    r" (?:believed|thought|said|claimed|assumed|held|repeated|cited|taught|told)\b|"
    r"\b(?:belief|idea|notion|claim|assumption|saying|theory|perception|impression|rumou?r|"
    r"story|advice|tale|legend|thinking|logic|reasoning)s? (?:is )?that\b|"
    r"\byou (?:may|might|could) (?:have heard|think|believe|assume|expect|have been told)\b|"
    r"\b(?:your|his|her|their|my|the) (?:\w+ ){0,2}(?:says|said|thinks|thought|believes|claims|"
    r"claimed|told you|tells you|swears|insists|worksheet|article|book|flyer|script|doc)\b|"
    r"\b(?:seems?|seemed|appears?|appeared|looks?|looked|feels?|felt|sounds?) (?:like|as if|"
    r"as though|to)\b|\bmay seem\b|\bwould seem\b|\bit's tempting\b|"
    r"^\s*(?:if|whether|unless|even if|as if|suppose|imagine|assuming)\b|\bwhether\b|"
    r"\b(?:supposedly|allegedly|so-called|the myth|the misconception|the legend)\b|"
    r"\bwhy (?:people|many|some|it|this|the idea) (?:think|believe|seems|persists|spread)\b|"
    r"\b(?:you|users|readers|viewers) (?:asked|wonder|wondered|mentioned)\b|"
    r"\bis (?:it|that) (?:true|right)\b|\bthe (?:old )?(?:saying|phrase|expression|idiom|"
    r"proverb|slogan|headline)\b|\b(?:you'll|you will) (?:often )?hear\b|"
    r"\b(?:was|were) (?:once )?(?:believed|thought|taught)\b",
    _F,
)
_CONTRARY = re.compile(
    r"\b(?:contrary to|despite|unlike) (?:what (?:many|most|some) (?:people )?"
    r"(?:think|believe)|(?:the )?(?:popular|common|widespread) (?:belief|opinion|myth|wisdom|"
    r"perception)|(?:the )?myth)\b,?",
    _F,
)
# short answers: "It doesn't." / "They do."
_ELLIPTIC_DENY = re.compile(
    r"^(?:no|nope|actually|well|sadly|unfortunately)?,?\s*(?:it|they|that|this|he|she|you|we|"
    r"there|one)\s+(?:does|do|did|is|are|was|were|can|will|would|could|has|have|had)"
    r"(?:n't| not)\b(?:\s+\S+){0,4}\s*[.!]?$",
    _F,
)
_ELLIPTIC_AFFIRM = re.compile(
    r"^(?:yes|yeah|yep|indeed)?,?\s*(?:it|they|that|this|he|she|you|we|there|one)\s*"
    r"(?:really |actually |indeed |definitely |absolutely |certainly )?"
    r"(?:does|do|did|is|are|was|were|can|will|could|has|have|'s|'re)"
    r"(?:\s+(?:indeed|really|actually|definitely|absolutely|entirely|quite|very|still))?"
    r"(?:\s+(?:possible|true|real|the case|so|happen|occur|a real risk|a fact))?\s*[.!]?$",
    _F,
)
_PREAMBLE = re.compile(
    r"^(?:(?:great|good|excellent|interesting|fair|important) (?:question|point|catch)[.!,]*"
    r"\s*|(?:the )?(?:short|quick|simple|brief) answer(?: is)?[:,]?\s*|in short[:,]?\s*|"
    r"tl;?dr[:,]?\s*|answer[:,]\s*|honestly,?\s*|well,\s*|so,\s*|ah,?\s*|oh,?\s*|hmm,?\s*|"
    r"(?:i'm|i am) (?:glad|happy) you asked[.!,]*\s*)+",
    _F,
)
_LEAD = re.compile(
    r"^(?:(?:actually|unfortunately|sadly|surprisingly|in fact|honestly|well)[,:]?\s+)?"
    r"(?P<word>absolutely not|definitely not|certainly not|of course not|not really|not quite|"
    r"not exactly|not at all|not true|not correct|nope|nah|no|"
    r"yes|yeah|yep|yup|indeed|correct|incorrect|right|wrong|true|false|"
    r"that's (?:not )?(?:quite )?(?:right|correct|true|accurate|wrong|incorrect|false)|"
    r"that is (?:not )?(?:quite )?(?:right|correct|true|accurate|wrong|incorrect|false)|"
    r"you're (?:absolutely |quite )?(?:right|correct|wrong|mistaken)|"
    r"you are (?:absolutely |quite )?(?:right|correct|wrong|mistaken)|"
    r"nein|non|não|nao|nee|ja|oui|sim|sí|いいえ|はい|아니요|아닙니다|네)"
    r"(?P<after>\s*(?:[.,!;:—–-]|$)|\s+(?!(?:one|matter|doubt|question|wonder|longer|more|"
    r"less|body|way|need|problem|worries|to|now|away|here|there|after|before|about|answer|"
    r"choice|thanks|story|dose|amount|technique|first|way|and|or)\b))",
    _F,
)
_LEAD_AFFIRM = {
    "yes",
    "yeah",
    "yep",
    "yup",
    "indeed",
    "correct",
    "right",
    "true",
    "ja",
    "oui",
    "sim",
    "sí",
    "はい",
    "네",
}
_CONCLUSION = re.compile(
    r"^(?:so|in short|in summary|to sum up|bottom line|the bottom line|overall|in conclusion|"
    r"tl;?dr|the takeaway|takeaway|the short version)\b",
    _F,
)

# share of the claim's content words a clause must restate to count: a denial needs less
# ("hair doesn't grow back thicker"), an affirmation nearly all of it, since correct answers
