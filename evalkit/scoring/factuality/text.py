"""Text basics of the factuality rules: cleaning (NFKC, straight quotes, no markdown),
sentences and clauses, tokens, a light stemmer and content words.

Every reader (stance, numbers, entities, premises) sees a response and a claim through these,
so both sides of a comparison are normalized the same way.
"""

from __future__ import annotations

import re
import unicodedata

_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"'})


_MARKDOWN = re.compile(r"\*\*|__|^#+\s*|^\s*>\s?", re.MULTILINE)


def clean_text(text: str) -> str:
    """NFKC, straight quotes, markdown emphasis and headings gone, single spaces in lines."""
    text = unicodedata.normalize("NFKC", text).translate(_APOS)
    text = _MARKDOWN.sub("", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


# abbreviations and decimals whose dot does not end a sentence
_NO_BREAK = re.compile(
    r"\b(?:e\.g|i\.e|etc|vs|approx|ca|cf|Dr|Mr|Mrs|Ms|Prof|St|Mt|Jr|Sr|Fig|U\.S|U\.K|"
    r"a\.m|p\.m|B\.C|A\.D|B\.C\.E|C\.E)\.|\bNos?\.(?=\s?\d)|\d\.\d",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|(?<=[.!?])(?=[A-Z][a-z])")
_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|:\s+|\s+[—–-]{1,2}\s+|[—]|,?\s+\bbut\b\s+|,?\s+\bhowever\b,?\s+|"
    r"^\s*however,?\s+|,\s*(?:although|though|yet)\s+|,?(?<!\bnot)(?<!\bjust)(?<!\bonly)\s+(?:because|whereas|while)\s+|,?\s+\bso\b\s+(?=\w+\s)",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """The sentences of a text (bullets and lines are sentences; "8.8", "e.g." do not split)."""
    protected = _NO_BREAK.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    parts = _SENTENCE_BREAK.split(protected)
    out = []
    for part in parts:
        part = part.replace("\x00", ".").strip()
        part = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", part)
        if part:
            out.append(part)
    return out


_CONCESSIVE = re.compile(
    r"^((?:while|although|though|whereas|even though|despite|if|unless|when|since|because|as)"
    r"\b[^,]{3,160}),\s*",
    re.IGNORECASE,
)


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence: split at ; : dashes, "but", "however", and after a leading
    "While ..., " / "If ..., " (brackets stay in their clause)."""
    head = _CONCESSIVE.match(sentence)
    parts = [head.group(1), sentence[head.end() :]] if head else [sentence]
    out: list[str] = []
    for part in parts:
        out += [c.strip(" ,") for c in _CLAUSE_BREAK.split(part) if c and c.strip(" ,.!?")]
    return out


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\x00-\x7f]+", re.IGNORECASE)


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


_IRREGULAR = {
    "wore": "wear",
    "worn": "wear",
    "grew": "grow",
    "grown": "grow",
    "made": "make",
    "thought": "think",
    "knew": "know",
    "known": "know",
    "ate": "eat",
    "eaten": "eat",
    "went": "go",
    "gone": "go",
    "saw": "see",
    "seen": "see",
    "gave": "give",
    "given": "give",
    "took": "take",
    "taken": "take",
    "built": "build",
    "sank": "sink",
    "sunk": "sink",
    "won": "win",
    "fought": "fight",
    "caught": "catch",
    "brought": "bring",
    "bought": "buy",
    "taught": "teach",
    "found": "find",
    "held": "hold",
    "kept": "keep",
    "left": "leave",
    "lost": "lose",
    "met": "meet",
    "paid": "pay",
    "ran": "run",
    "said": "say",
    "sold": "sell",
    "sent": "send",
    "slept": "sleep",
    "spoke": "speak",
    "spoken": "speak",
    "stood": "stand",
    "swam": "swim",
    "told": "tell",
    "wrote": "write",
    "written": "write",
    "flew": "fly",
    "flown": "fly",
    "drank": "drink",
    "drunk": "drink",
    "froze": "freeze",
    "frozen": "freeze",
    "fell": "fall",
    "fallen": "fall",
    "began": "begin",
    "begun": "begin",
    "bled": "bleed",
    "fed": "feed",
    "landed": "land",
    "children": "child",
    "men": "man",
    "women": "woman",
    "teeth": "tooth",
    "feet": "foot",
    "mice": "mouse",
    "people": "person",
    "colour": "color",
    "colours": "color",
    "tyre": "tire",
    "tyres": "tire",
    "grey": "gray",
}
_KEEP_S = ("ss", "us", "is", "ous", "ys")


def stem(word: str) -> str:
    """A light suffix stemmer (same rules on both sides is what matters): shaving = shave,
    makes = make, juices = juice, metres = meters."""
    w = word.lower().replace("'", "")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w.isdigit():
        return w
    if re.search(r"[^aeiou]tre$|bre$", w) and len(w) >= 5:  # metre -> meter, fibre -> fiber
        w = w[:-2] + "er"
    if w.endswith("tres") or w.endswith("bres"):
        w = w[:-3] + "ers"
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith(_KEEP_S):
        w = w[:-1]
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if w.endswith("ise") or w.endswith("yse"):
        w = w[:-2] + "ze"
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]  # running -> runn -> run
    if w.endswith("y") and len(w) > 3:
        w = w[:-1] + "i"
    return w


def stem_forms(word: str) -> frozenset[str]:
    """The stem, plus for a comparative or superlative its degree form (closer ~ closest, but
    higher is not high: "boils at a higher temperature at high altitude")."""
    base = stem(word)
    forms = {base}
    for suffix in ("er", "est"):
        if base.endswith(suffix) and len(base) - len(suffix) >= 3:
            forms.add(stem(base[: -len(suffix)]) + "~")
    return frozenset(forms)


_STOPWORDS = frozenset(
    """a an the and or of to in on at by for with from as into onto over under about than
    then that this these those it its it's is are was were be been being am do does did done
    doing have has had having can could will would shall should may might must also just only
    very really actually so too such there here their they them he she his her him we our us
    you your i me my mine what which who whom whose when where why how if whether because
    while though although but not no never none nor n't any all some more most less many much
    each every both either neither own same other another up down out off again further once
    get gets got getting make sure thing things lot lots fact true false right wrong
    people person one ones s t don't doesn't didn't isn't aren't wasn't weren't won't can't
    cannot shouldn't wouldn't couldn't hasn't haven't hadn't let let's well yes yeah okay ok
    even still yet already always often usually sometimes ever just quite rather""".split()
)


def content_stems(text: str) -> list[frozenset[str]]:
    """The content words of a text as stem-form sets, in order, without repeats."""
    seen: set[frozenset[str]] = set()
    out: list[frozenset[str]] = []
    for tok in tokens(text):
        if tok in _STOPWORDS or (len(tok) < 2 and not tok.isdigit()):
            continue
        forms = stem_forms(tok)
        if forms not in seen:
            seen.add(forms)
            out.append(forms)
    return out


def _word_count(text: str) -> int:
    return len(tokens(text))
