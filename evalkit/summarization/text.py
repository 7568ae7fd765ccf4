"""Text rules shared by the corpus reader, the authored-sample checks, the audit and the
summary checks.

One place defines what a sentence is, how text is normalized and when a key fact (or one of its
anchors) counts as present, so "the anchor is in the input" (checked when a sample is written
and when a set is built) and "the anchor is in the summary" (checked per response) use the very
same rule.

Latin-script normalization: lower case, accents removed (and ł, đ, ø, æ, œ, ß, ı spelled out),
possessive 's dropped, plural -s stripped; numbers lose thousands separators, currency signs and
trailing decimal zeros ("$1,200.00" == "1200"); ordinals lose their suffix ("13th" == "13");
times become 12-hour "h:mm" without am/pm ("3:30 PM" == "15:30" == "3.30pm" == "15h30" ->
"3:30"); month and weekday abbreviations are spelled out ("Thu, Mar 13" == "Thursday, March
13"); small number words become digits.

Other scripts (Hangul, kana, CJK, Arabic, Greek, Cyrillic, Hebrew, Devanagari, Thai...): a run of
letters of such a script is one token, NFKC-normalized and case-folded (Greek accents, Arabic
vowel marks and tatweel dropped, Arabic alef variants unified), and a fact's token of that kind
is found in a text when it occurs there as a substring (so "수빈" is found in "수빈이가", and a
Chinese or Japanese word inside a sentence written without spaces). Before that, what can be
read as a number, a date or a time is turned into the Latin forms above, so an English summary
can match it: digits of any script become 0-9; "3月29日", "3월 29일" -> "march 29"; "8号",
"12일" -> "8", "12"; "14시 50분", "11点30分", "11時半" -> "2:50", "11:30", "11:30"; CJK and
Korean weekdays, and Greek, Russian and Arabic month names, are translated. A time given by the
hour only ("12시", "11点", "13時", and the Latin "13h") becomes an hour token ("12h") that a text
also holds when it has the bare number ("12") or the 12-hour time ("12:00", "noon", "12 pm";
"13h" and "1:00" match each other, since am/pm is dropped everywhere).

What the rule cannot do: it does not translate or transliterate words, so a name or a word
written in another script ("수빈", "胃カメラ", "مكتب") is found in a summary only when the summary
keeps it in that script (an English summary writing "Subin" misses it; an author who wants an
English summary to match anchors a number, a date or a Latin-script name instead); numbers
written as words in other scripts ("十一点", "три") and relative dates ("오늘 밤", "明天") are
not read; a bare "12" in a text counts as the hour 12 for an hour anchor; and Latin "5h" (five
hours) reads as the time 5:00.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ABBREVIATED = {
    **{month[:3]: month for month in MONTHS},
    "sept": "september",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "noon": "12:00",
    "midnight": "12:00",
}
STOPWORDS = frozenset(
    """a an the of to in on at for and or with by from as is are was were be been it its this that
    these those your you my our their his her at about into over per via than then up out off
    s t""".split()
)
# Words a summary may capitalize that are not names (sentence starters, acronyms, titles).
COMMON_CAPITALIZED = frozenset(
    """i i'm i'll i've a an the this that these those there here they them their he she his her him
    it its we our us you your yours my me mine who what when where why how which while if and but
    or so yet also both either neither each every all any some no not none one two three four five
    six seven eight nine ten first second third next last new old after before during until since
    because although however meanwhile overall then later earlier finally today tomorrow tonight
    yesterday morning afternoon evening weekend week month year please thanks thank hi hello hey
    dear update updates reminder reminders note notes summary recap action actions request requests
    meeting meetings order orders delivery payment package invoice receipt ticket support team
    staff everyone someone nobody sender recipient customer manager mom dad mum grandma grandpa
    am pm ok okay fyi eta asap rsvp pdf tbd faq ceo cfo cto vp hr it qa ui ux id url pin room
    floor suite
    mr mrs ms dr prof jr sr st ave rd dept inc ltd llc co corp re fwd fw subject from to cc date
    is are was were be will would can could should may might must has have had do does did
    asks asked ask wants want needs need says said confirms confirmed confirm plans planned plan
    moved move rescheduled changed cancelled canceled shares shared sent sends received receives
    invites invited agrees agreed suggests suggested proposes proposed reports reported notes noted
    mentions mentioned announces announced explains explained requests requested reminds
    reminded offers offered arrives arrived arriving delivered shipped due""".split()
)

_TIME = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s?m\b\.?|\b(\d{1,2}):(\d{2})\b", re.IGNORECASE
)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_TOKEN = re.compile(r"\d+:\d{2}|\d+(?:\.\d+)?[a-z]*|[a-z]+")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st ave rd jr sr inc ltd co corp vs etc e.g i.e a.m p.m approx dept est
    mt u.s no. jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
_SENTENCE_END = re.compile(r"([.!?]+)([\"'”’)\]]*)(\s+)")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _time_repl(match: re.Match[str]) -> str:
    if match.group(4) is not None:  # 24-hour or bare h:mm
        hour, minute = int(match.group(4)), match.group(5)
    else:
        hour, minute = int(match.group(1)), match.group(2) or "00"
    if hour > 23:
        return match.group(0)
    hour = hour % 12 or 12
    return f" {hour}:{minute} "


def _number_repl(match: re.Match[str]) -> str:
    raw = match.group(0).replace(",", "")
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def _normalize_token(token: str) -> str:
    if token[0].isdigit():
        if token.endswith(("st", "nd", "rd", "th")) and token[:-2].isdigit():
            return token[:-2]
        return token
    token = _ABBREVIATED.get(token, token)
    token = NUMBER_WORDS.get(token, token)
    return _stem(token) if not token[0].isdigit() else token


def normalize_tokens(text: str) -> list[str]:
    """The normalized tokens of `text` (see the module docstring for the rules)."""
    text = strip_accents(text).replace("’", "'").lower()
    text = re.sub(r"'s\b", "", text)
    text = _TIME.sub(_time_repl, text)
    text = _ORDINAL.sub(r"\1", text)
    text = _NUMBER.sub(_number_repl, text)
    return [_normalize_token(token) for token in _TOKEN.findall(text)]


def is_number(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


@dataclass(frozen=True)
class FactParts:
    numbers: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def required_words(self) -> int:
        """Half the words (rounded up; rounded down when numbers anchor the fact)."""
        if self.numbers:
            return len(self.words) // 2
        return (len(self.words) + 1) // 2


def fact_parts(fact: str) -> FactParts:
    tokens = [t for t in normalize_tokens(fact) if t not in STOPWORDS]
    numbers = tuple(dict.fromkeys(t for t in tokens if is_number(t)))
    words = tuple(dict.fromkeys(t for t in tokens if not is_number(t)))
    return FactParts(numbers, words)


def number_supported(number: str, numbers: set[str]) -> bool:
    """Exact match, or an integer that is the rounding of a decimal in `numbers`."""
    if number in numbers:
        return True
    if re.fullmatch(r"\d+", number):
        value = int(number)
        for other in numbers:
            if re.fullmatch(r"\d+\.\d+", other) and round(float(other)) == value:
                return True
    if re.fullmatch(r"\d+\.\d+", number):
        return str(round(float(number))) in numbers
    return False


def fact_present(fact: str, tokens: set[str]) -> bool:
    """Fuzzy presence of a key fact in a text given as its set of normalized tokens.

    Every number of the fact must be there (amounts, times, dates, ids), and at least half of
    its other words (rounded up; rounded down when the fact has numbers), so "Maria Lopez" is
    kept by "Maria", and "Thursday, March 13" by "March 13" but not by "Thursday" alone.
    """
    parts = fact_parts(fact)
    if not parts.numbers and not parts.words:
        return True
    if not all(number_supported(n, tokens) for n in parts.numbers):
        return False
    found = sum(1 for word in parts.words if word in tokens)
    return found >= parts.required_words


def token_set(text: str) -> set[str]:
    return set(normalize_tokens(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`: every line on its own, then split after . ! ? before a capital,
    digit or quote, except after common abbreviations and initials."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*•").strip()
        if not line:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(line):
            end = match.end()
            nxt = line[end : end + 1]
            if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“‘#$@("):
                continue
            before = line[start : match.start()].split()
            last = before[-1].lower() if before else ""
            if match.group(1) == "." and (
                last.rstrip(".") + "." in _ABBREVIATIONS
                or last.rstrip(".") in _ABBREVIATIONS
                or (len(last) == 1 and last.isalpha())
            ):
                continue
            sentence = line[start : match.end(2)].strip()
            if sentence:
                sentences.append(sentence)
            start = end
        rest = line[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences


def normalize_sentence(sentence: str) -> str:
    """A sentence's identity for repetition counting: lower case, letters and digits only."""
    return " ".join(re.findall(r"[a-z0-9]+", strip_accents(sentence).lower()))
