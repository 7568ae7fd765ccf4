"""Which FactAnswer a prompt is graded by: `fact_for` returns its own `answer`, or, for a
bare "Yes" / "No" `reference`, a yes_no answer whose claim is the question turned into a
statement by `question_to_claim` (a heuristic, no parser: "Does shaving make hair grow back
thicker?" -> "Shaving makes hair grow back thicker").
"""

from __future__ import annotations

import re

from evalkit.records import FactAnswer, Prompt
from evalkit.scoring.factuality.text import clean_text, sentences

_BARE = re.compile(r"^\s*(yes|no)\s*[.!]?\s*$", re.IGNORECASE)
_AUX = {
    "is": "is", "are": "are", "was": "was", "were": "were", "isn't": "is", "aren't": "are",
    "wasn't": "was", "weren't": "were", "can": "can", "can't": "can", "could": "could",
    "will": "will", "would": "would", "should": "should", "may": "may", "might": "might",
    "must": "must", "has": "has", "have": "have", "had": "had", "hasn't": "has",
    "haven't": "have", "does": "does", "do": "do", "did": "did", "doesn't": "does",
    "don't": "do", "didn't": "did", "shall": "shall",
}  # fmt: skip
_QUESTION_PREFIX = re.compile(
    r"^(?:(?:so|and|but|also|honestly|seriously|quick question|really|ok|okay|tell me|"
    r"be honest)[,:]?\s+)*(?:(?:is|isn't) it (?:really |actually |actually |still )?"
    r"(?:true|correct|right|a fact|the case) that|(?:do|would) you (?:think|say|agree)(?: that)?|"
    r"can you confirm(?: that)?|is it a myth that|true or false[:,]?|yes or no[:,]?)\s+",
    re.IGNORECASE,
)
_TAG = re.compile(
    r",?\s*(?:right|isn't it|aren't they|don't they|doesn't it|correct|true|"
    r"no|yes|or not|or is (?:it|that) a myth)\s*$",
    re.IGNORECASE,
)
_VERBS = frozenset(
    """make cause get wear store bury detect have go come see use help work need kill grow
    turn become lose burn keep live feel die eat drink mean affect protect prevent increase
    reduce remember exist happen contain weaken improve damage lower raise heal spread attract
    believe know think say sleep swim fly run walk hear smell taste sense glow float sink melt
    freeze boil warm cool dry cure treat fix stop start boost lead give take put bring hold
    carry build speak sing cry shed change drop fall rise hurt harm break crack stunt shrink
    last travel move reach pass follow beat win play count matter mind invent discover land
    fight rule vote wash brush shave cut pull chew swallow digest absorb produce release hunt
    learn read write teach pay buy sell save spend clean kill survive breathe see blink show
    appear cool float orbit contain cross flow sail spread transmit carry need
    lay hatch migrate hibernate recognize recognise remember forget attack bite sting charge
    detect react respond wake sleepwalk choke drown suffocate explode evolve descend""".split()
)
_IRREGULAR_PAST = {
    "wear": "wore", "grow": "grew", "make": "made", "think": "thought", "know": "knew",
    "eat": "ate", "go": "went", "see": "saw", "give": "gave", "take": "took", "build": "built",
    "sink": "sank", "win": "won", "fight": "fought", "catch": "caught", "bring": "brought",
    "buy": "bought", "teach": "taught", "find": "found", "hold": "held", "keep": "kept",
    "leave": "left", "lose": "lost", "meet": "met", "pay": "paid", "run": "ran", "say": "said",
    "sell": "sold", "send": "sent", "sleep": "slept", "speak": "spoke", "stand": "stood",
    "swim": "swam", "tell": "told", "write": "wrote", "fly": "flew", "drink": "drank",
    "freeze": "froze", "fall": "fell", "begin": "began", "have": "had", "do": "did",
    "get": "got", "come": "came", "become": "became", "feel": "felt", "hear": "heard",
    "lead": "led", "put": "put", "cut": "cut", "hurt": "hurt", "rise": "rose", "shed": "shed",
    "bite": "bit", "sting": "stung", "lay": "laid", "break": "broke", "read": "read",
    "spend": "spent", "mean": "meant", "burn": "burned", "shrink": "shrank", "forget": "forgot",
}  # fmt: skip
_PREDICATE_START = frozenset(
    """a an really actually truly always ever never still more less very too unusually only
    just made caused known used visible safe true possible dangerous bad good better worse
    harmful healthy necessary able likely unlikely blue red green black white yellow
    colour-blind colorblind blind deaf short tall taller shorter bigger smaller larger
    faster slower hotter colder older younger heavier lighter thicker thinner stronger weaker
    in on at from into inside within near made responsible related linked toxic poisonous
    edible effective useful real fake flat round alive dead immune contagious illegal legal
    required allowed """.split()
)
_ADJECTIVE_END = frozenset(
    """blue red green black white yellow purple orange pink brown grey gray blind deaf
    short tall flat round dangerous safe harmful healthy toxic poisonous alive dead visible
    invisible true false real fake possible impossible effective useless contagious legal
    illegal hyperactive smarter dumber bad good wrong""".split()
)
_DETERMINERS = frozenset("the a an my your our his her their its this that these those".split())


def _third_person(verb: str) -> str:
    if verb == "have":
        return "has"
    if verb == "do":
        return "does"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(verb) > 2 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _past(verb: str) -> str:
    if verb in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[verb]
    if verb.endswith("e"):
        return verb + "d"
    if len(verb) > 2 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


_TAG_QUESTION = re.compile(
    r"^(?:(?:is|isn't|was) (?:that|this|it) (?:really |actually )?(?:true|right|correct|so|real|"
    r"a myth|a fact|accurate)|(?:am i|are they|is she|is he) right|right|true|really|correct)$",
    re.IGNORECASE,
)
_SAYS = re.compile(
    r"^.{0,60}?\b(?:says?|said|thinks?|thought|claims?|claimed|told me|tells me|believes?|"
    r"heard|read)\b(?: that)?\s+",
    re.IGNORECASE,
)


def question_to_claim(question: str) -> str:
    """A yes/no question turned into the statement it asks about: "Does shaving make hair
    grow back thicker?" -> "Shaving makes hair grow back thicker"; "Is the blood in our veins
    blue?" -> "The blood in our veins is blue"; "My grandma says carrots improve night vision.
    Is that true?" -> "Carrots improve night vision". Heuristic (no parser): when it cannot
    find the verb it keeps the words in order, which is what the content matching uses."""
    text = clean_text(question).strip()
    parts = sentences(text)
    if not parts:
        return question.strip().rstrip("?")
    asked = [i for i, s in enumerate(parts) if s.rstrip().endswith("?")]
    index = asked[-1] if asked else len(parts) - 1
    sentence = parts[index].rstrip(" ?!.")
    if _TAG_QUESTION.match(sentence) and index > 0:  # "X. Is that true?" asks about X
        sentence = _SAYS.sub("", parts[index - 1].rstrip(" ?!."))
    sentence = _QUESTION_PREFIX.sub("", sentence)
    stripped = _TAG.sub("", sentence) or sentence
    words = stripped.split()
    aux = words[0].lower() if words else ""
    if aux not in _AUX or len(words) < 3:
        return _capitalize(stripped)
    base = _AUX[aux]
    rest = words[1:]
    lower = [w.lower().strip(",") for w in rest]
    if base in ("do", "does", "did"):
        for i in range(1, len(lower)):
            if lower[i] in _VERBS and lower[i - 1] not in _DETERMINERS:
                form = {"does": _third_person, "did": _past}.get(base, lambda v: v)(lower[i])
                return _capitalize(" ".join(rest[:i] + [form] + rest[i + 1 :]))
        return _capitalize(" ".join(rest))
    # be / modal / have: the subject ends where the predicate starts
    cut = 1
    for i in range(1, len(lower)):
        word = lower[i]
        if base in ("is", "are", "was", "were"):
            if (
                word in _PREDICATE_START
                or word == "the"
                or (word.endswith(("ed", "ly")) and len(word) > 4)
            ):
                cut = i
                break
        elif word in _VERBS or (word.endswith(("ed", "en")) and base in ("has", "have", "had")):
            cut = i
            break
    if (
        base in ("is", "are", "was", "were")
        and lower[cut] in ("in", "on", "at", "of", "from", "inside", "within", "near")
        and lower[-1] in _ADJECTIVE_END
        and cut < len(lower) - 1
    ):
        cut = len(lower) - 1  # "the blood in our veins | blue"
    return _capitalize(" ".join(rest[:cut] + [base] + rest[cut:]))


def _capitalize(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def fact_for(prompt: Prompt) -> FactAnswer | None:
    """The FactAnswer to grade a prompt by: its own `answer`, or, when its `reference` is a
    bare "No" / "Yes", a yes_no answer whose claim is the question as a statement."""
    if prompt.answer is not None:
        return prompt.answer
    if prompt.reference and (bare := _BARE.match(prompt.reference)):
        return FactAnswer(
            type="yes_no",
            claim=question_to_claim(prompt.user_text),
            value=bare.group(1).lower() == "yes",
        )
    return None
