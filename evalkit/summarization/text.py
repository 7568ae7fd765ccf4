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
Korean weekdays, Vietnamese weekdays ("thứ Tư" is Wednesday, not "thu"), and Greek, Russian
and Arabic month names, are translated. A time given by the hour only ("12시", "11点", "13時",
and the Latin "13h") becomes an hour token ("12h") that a text also holds when it has the bare
number ("12") or the 12-hour time ("12:00", "noon", "12 pm"; "13h" and "1:00" match each
other, since am/pm is dropped everywhere).

What the rule cannot do: it does not translate or transliterate words, so a name or a word
written in another script ("수빈", "胃カメラ", "مكتب") is found in a summary only when the summary
keeps it in that script (an English summary writing "Subin" misses it; an author who wants an
English summary to match anchors a number, a date or a Latin-script name instead), and a word
of another Latin-script language ("septiembre", "domingo", "Tomka" for "Tomek") only as
written; numbers
written as words in other scripts ("十一点", "три") and relative dates ("오늘 밤", "明天") are
not read; a bare "12" in a text counts as the hour 12 for an hour anchor; Latin "5h" (five
hours) reads as the time 5:00; and numbers keep the English format rules, so a decimal comma
("212,74") or dot thousands ("200.000đ", "1.200 €") and space thousands ("1 140 €") do not
match "212.74", "200,000" or "1,140" (a summary that copies the form matches).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

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
    mt u.s no. jan feb mar apr jun jul aug sep sept oct nov dec"""
    # titles of other languages and ranks ("dr hab.", "Tr. Mercy", "Sra.", "mgr", "inż.")
    """ hab tr sra srta dra dña mgr inż inz ing lic mme mlle fr rev sgt capt col lt hon pres
    gov"""
    # addresses and references ("ul. Zabłocie", "ext. 220", "conf. 61-0938", "tel. 555")
    """ ul blvd apt bldg ste hwy ext tel conf ref nr vol pp fig incl excl approx""".split()
)
_SENTENCE_END = re.compile(r"([.!?]+)([\"'”’)\]]*)(\s+)")


@lru_cache(maxsize=1)
def _combining() -> dict[int, None]:
    return {c: None for c in range(0x300, 0x20000) if unicodedata.combining(chr(c))}


def strip_accents(text: str) -> str:
    """NFKD, combining marks removed."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_combining())


# Latin letters that keep their stroke or ligature after accents are removed.
_LATIN_SPELLED = str.maketrans(
    {"ł": "l", "đ": "d", "ð": "d", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i",
     "þ": "th", "ħ": "h", "ŀ": "l"}
)  # fmt: skip
# Optional marks of other scripts, dropped before comparing: Greek accents and breathings,
# Arabic vowel marks, hamza and madda (so أ إ آ are ا), tatweel, Hebrew points.
_OPTIONAL_MARKS = dict.fromkeys(
    [0x300, 0x301, 0x308, 0x313, 0x314, 0x342, 0x345, 0x640, 0x670]
    + list(range(0x64B, 0x660))
    + list(range(0x591, 0x5C8))
)
_ARABIC_YEH = str.maketrans({"ى": "ي"})
# Letters outside these ranges (and above U+036F) belong to another script than Latin.
_LATIN_RANGES = (
    (0x0000, 0x036F), (0x1D00, 0x1DBF), (0x1E00, 0x1EFF), (0x2070, 0x214F),
    (0x2C60, 0x2C7F), (0xA720, 0xA7FF), (0xAB30, 0xAB6F), (0xFB00, 0xFB06), (0xFF21, 0xFF5A),
)  # fmt: skip
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def fold(text: str) -> str:
    """NFKC, case-folded, optional marks of other scripts dropped: the form in which a word of
    another script is searched as a substring."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFD", text).translate(_OPTIONAL_MARKS)
    return unicodedata.normalize("NFC", text).translate(_ARABIC_YEH)


def _ranges(codes: list[int]) -> str:
    parts: list[str] = []
    start: int | None = None
    prev = -2  # read only once start is set
    for code in codes + [-1]:
        if start is not None and code == prev + 1:
            prev = code
            continue
        if start is not None:
            parts.append(f"\\U{start:08x}" + (f"-\\U{prev:08x}" if prev > start else ""))
        start = prev = code
    return "".join(parts)


@lru_cache(maxsize=1)
def _other_script_run() -> re.Pattern[str]:
    """A run of letters (and their marks) of a script other than Latin."""
    letters, marks = [], []
    for code in range(0x0300, 0x10000):
        category = unicodedata.category(chr(code))
        if category[0] == "M":
            marks.append(code)
        elif category[0] == "L" and not any(lo <= code <= hi for lo, hi in _LATIN_RANGES):
            letters.append(code)
    letter = _ranges(letters) + r"\U00020000-\U000323af"  # and the CJK extensions
    return re.compile(f"[{letter}][{letter}{_ranges(marks)}]*")


def _folded_words(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(word): english for english, words in groups.items() for word in words}


# Month names of other scripts that become the English month (the Latin date rules then apply).
_OTHER_MONTHS = _folded_words(
    {
        "january": ("Ιανουάριος", "Ιανουαρίου", "январь", "января", "يناير"),
        "february": ("Φεβρουάριος", "Φεβρουαρίου", "февраль", "февраля", "فبراير", "شباط"),
        "march": ("Μάρτιος", "Μαρτίου", "март", "марта", "مارس", "آذار"),
        "april": ("Απρίλιος", "Απριλίου", "апрель", "апреля", "أبريل", "نيسان"),
        "may": ("Μάιος", "Μαΐου", "май", "мая", "مايو", "أيار"),
        "june": ("Ιούνιος", "Ιουνίου", "июнь", "июня", "يونيو", "يونيه", "حزيران"),
        "july": ("Ιούλιος", "Ιουλίου", "июль", "июля", "يوليو", "يوليه", "تموز"),
        "august": ("Αύγουστος", "Αυγούστου", "август", "августа", "أغسطس", "آب"),
        "september": ("Σεπτέμβριος", "Σεπτεμβρίου", "сентябрь", "сентября", "سبتمبر", "أيلول"),
        "october": ("Οκτώβριος", "Οκτωβρίου", "октябрь", "октября", "أكتوبر"),
        "november": ("Νοέμβριος", "Νοεμβρίου", "ноябрь", "ноября", "نوفمبر"),
        "december": ("Δεκέμβριος", "Δεκεμβρίου", "декабрь", "декабря", "ديسمبر"),
    }
)
# Weekdays of Korean, Japanese and Chinese, replaced wherever they occur (no spaces there).
_CJK_WEEKDAYS = {
    word: english
    for english, words in {
        "monday": ("월요일", "月曜日", "月曜", "星期一", "周一", "週一", "礼拜一", "禮拜一"),
        "tuesday": ("화요일", "火曜日", "火曜", "星期二", "周二", "週二", "礼拜二", "禮拜二"),
        "wednesday": ("수요일", "水曜日", "水曜", "星期三", "周三", "週三", "礼拜三", "禮拜三"),
        "thursday": ("목요일", "木曜日", "木曜", "星期四", "周四", "週四", "礼拜四", "禮拜四"),
        "friday": ("금요일", "金曜日", "金曜", "星期五", "周五", "週五", "礼拜五", "禮拜五"),
        "saturday": ("토요일", "土曜日", "土曜", "星期六", "周六", "週六", "礼拜六", "禮拜六"),
        "sunday": ("일요일", "日曜日", "日曜", "星期日", "星期天", "周日", "週日", "礼拜天",
                   "禮拜天"),
    }.items()
    for word in words
}  # fmt: skip
_CJK_WEEKDAY = re.compile("|".join(sorted(_CJK_WEEKDAYS, key=len, reverse=True)))
# Vietnamese weekdays (Latin script, but "thứ Tư" would otherwise read as "thu" = Thursday)
_VI_WEEKDAYS = {"hai": "monday", "ba": "tuesday", "tư": "wednesday", "năm": "thursday",
                "sáu": "friday", "bảy": "saturday"}  # fmt: skip
_VI_WEEKDAY = re.compile(r"\b(?:thứ\s+(hai|ba|tư|năm|sáu|bảy)|(chủ\s+nhật))\b", re.IGNORECASE)
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # kana, CJK, Hangul
_CJK_TIME = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:시(?!간)|時(?!間)|[点點](?:钟|鐘)?)(?:\s*(\d{1,2})\s*[분分]|\s*(반|半))?"
)
_CJK_YEAR = re.compile(r"(?<!\d)(\d{4})\s*[年년]")
_CJK_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*[月월]")
_CJK_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*[日일号號]")
# Latin hour forms: "13h30", "13 h 30" (a time), "13h" (the hour only)
# "15h30" is a time; "13 h 29 m" (hours and minutes) is a duration, left as numbers: a time
# written with "h" must not be followed by a minutes unit (shared with the summary checks)
NOT_MINUTES = r"(?!\s?m(?:ins?)?\b)"
_H_TIME = re.compile(r"\b(\d{1,2})\s?h\s?(\d{2})\b" + NOT_MINUTES + r"|\b(\d{1,2})h\b")
_HOUR = re.compile(r"(\d{1,2})h")


def _cjk_time(match: re.Match[str]) -> str:
    hour = int(match.group(1))
    if hour > 24:
        return match.group(0)
    if match.group(2) is not None:
        return f" {hour}:{int(match.group(2)):02d} "
    return f" {hour}:30 " if match.group(3) else f" {hour}h "


def _cjk_month(match: re.Match[str]) -> str:
    month = int(match.group(1))
    return f" {MONTHS[month - 1]} " if 1 <= month <= 12 else match.group(0)


def _h_time(match: re.Match[str]) -> str:
    if match.group(3) is not None:
        return f" {int(match.group(3))}h " if int(match.group(3)) <= 23 else match.group(0)
    return f" {match.group(1)}:{match.group(2)} "


def prepare(text: str) -> str:
    """NFKC; digits of any script as 0-9; Korean, Japanese and Chinese weekdays, dates and
    times, and Vietnamese weekdays, as their Latin forms."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.digit(m.group(0))), text)
    text = _VI_WEEKDAY.sub(
        lambda m: f" {_VI_WEEKDAYS[m.group(1).lower()] if m.group(1) else 'sunday'} ", text
    )
    if not _CJK.search(text):
        return text
    text = _CJK_WEEKDAY.sub(lambda m: f" {_CJK_WEEKDAYS[m.group(0)]} ", text)
    text = _CJK_TIME.sub(_cjk_time, text)
    text = _CJK_YEAR.sub(r" \1 ", text)
    text = _CJK_MONTH.sub(_cjk_month, text)
    return _CJK_DAY.sub(r" \1 ", text)


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
    """The normalized tokens of `text` (see the module docstring for the rules): Latin words,
    numbers and times, then the words of other scripts (folded; a month name translated)."""
    text = prepare(text)
    others: list[str] = []
    if not text.isascii():

        def take(match: re.Match[str]) -> str:
            word = fold(match.group(0))
            others.append(_OTHER_MONTHS.get(word, word))
            return " "

        text = _other_script_run().sub(take, text)
    text = strip_accents(text).replace("’", "'").lower().translate(_LATIN_SPELLED)
    text = re.sub(r"'s\b", "", text)
    text = _H_TIME.sub(_h_time, text)
    text = _TIME.sub(_time_repl, text)
    text = _ORDINAL.sub(r"\1", text)
    text = _NUMBER.sub(_number_repl, text)
    return [_normalize_token(token) for token in _TOKEN.findall(text)] + others


def is_other_script(token: str) -> bool:
    """Whether a normalized token is a word of a script other than Latin (Latin words are
    [a-z] after normalization)."""
    return not token.isascii()


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
    """The numbers and words of a fact or anchor, stopwords left out (kept when the fact has
    nothing else: an anchor "off" or "IT" must still be found)."""
    tokens = normalize_tokens(fact)
    tokens = [t for t in tokens if t not in STOPWORDS] or tokens
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


def word_present(word: str, tokens: set[str]) -> bool:
    """A normalized word in a text's tokens: equal to one of them, or, for a word of another
    script, a substring of the folded text (of a `TokenSet`; of one of the tokens otherwise)."""
    if word in tokens:
        return True
    if not is_other_script(word):
        return False
    folded = getattr(tokens, "folded", None)
    if folded is not None:
        return word in folded
    return any(word in token for token in tokens if is_other_script(token))


def checkable(fact: str) -> bool:
    """Whether a fact or an anchor has anything to look for (a number or a word); one that has
    not (punctuation, symbols) would be found in any text."""
    parts = fact_parts(fact)
    return bool(parts.numbers or parts.words)


def only_stopwords(fact: str) -> bool:
    """Whether a fact or an anchor is made of stopwords only ("off", "IT"): found in most
    texts, so it tells little."""
    tokens = normalize_tokens(fact)
    return bool(tokens) and all(t in STOPWORDS for t in tokens)


def fact_present(fact: str, tokens: set[str]) -> bool:
    """Fuzzy presence of a key fact (or of one anchor) in a text given as its `token_set`.

    Every number of the fact must be there (amounts, times, dates, ids), and at least half of
    its other words (rounded up; rounded down when the fact has numbers), so "Maria Lopez" is
    kept by "Maria", and "Thursday, March 13" by "March 13" but not by "Thursday" alone. A word
    of another script counts as a word, found as a substring (see the module docstring). A fact
    with nothing to check (`checkable` is false) is present.
    """
    parts = fact_parts(fact)
    if not parts.numbers and not parts.words:
        return True
    if not all(number_supported(n, tokens) for n in parts.numbers):
        return False
    found = sum(1 for word in parts.words if word_present(word, tokens))
    return found >= parts.required_words


class TokenSet(set[str]):
    """The normalized tokens of a text, with the other forms its times take (an hour token
    "12h" also gives "12" and "12:00"; "12" gives "12h"; "1:00" gives "1h" and "13h"), and the
    folded text in which words of other scripts are searched."""

    def __init__(self, tokens: Iterable[str] = (), text: str = "") -> None:
        super().__init__(tokens)
        self.text = text

    @cached_property
    def folded(self) -> str:
        return fold(self.text)


def _hour_forms(token: str) -> tuple[str, ...]:
    if (match := _HOUR.fullmatch(token)) and int(match.group(1)) <= 23:
        hour = int(match.group(1))
        return (str(hour), f"{hour % 12 or 12}:00")
    if token.isdigit() and len(token) <= 2 and int(token) <= 23:
        return (f"{int(token)}h",)
    if len(token) <= 5 and token.endswith(":00") and token[:-3].isdigit():
        hour = int(token[:-3])
        if 1 <= hour <= 12:
            return (f"{hour}h", f"{hour + 12 if hour < 12 else 0}h")
    return ()


def token_set(text: str) -> TokenSet:
    """The tokens of a text in which facts are looked for (see `TokenSet`)."""
    tokens = set(normalize_tokens(text))
    forms = {form for token in tokens if token[:1].isdigit() for form in _hour_forms(token)}
    return TokenSet(tokens | forms, text)


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
            last = before[-1].lower().lstrip("([{\"'“‘") if before else ""
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
    """A sentence's identity for repetition counting: lower case, letters (of any script) and
    digits only."""
    return " ".join(re.findall(r"[^\W_]+", strip_accents(sentence).lower()))


# ------------------------------------------------------------------------------------------
# Words a summary may add or translate that are not names the documents must hold (used by the
# groundedness check): countries, nationalities and languages (a summary may say "a German
# number" for +49, "Nigerian customs" for "la douane nigériane"), continents and regions,
# currencies, international bodies, and capitalized common words (roles, kinship, titles,
# imperatives and nouns a summary starts a sentence or a label with: "Recruiter Whitney",
# "Aunt Bernadette", "Pay Ksh 1,200", "Sunday Mass").
PLACE_WORDS = frozenset(
    """afghanistan afghan albania albanian algeria algerian andorra angola angolan argentina
    argentine argentinian armenia armenian australia australian austria austrian azerbaijan
    azerbaijani bahrain bahraini bangladesh bangladeshi barbados belarus belarusian belgium
    belgian belize benin beninese bhutan bolivia bolivian bosnia bosnian botswana brazil
    brazilian brunei bulgaria bulgarian burkina burundi cambodia cambodian cameroon cameroonian
    canada canadian chad chile chilean china chinese colombia colombian comoros congo congolese
    croatia croatian cuba cuban cyprus cypriot czech czechia denmark danish djibouti dominica
    dominican ecuador ecuadorian egypt egyptian eritrea estonia estonian eswatini ethiopia
    ethiopian fiji finland finnish france french gabon gambia georgia georgian germany german
    ghana ghanaian greece greek grenada guatemala guatemalan guinea guyana haiti haitian honduras
    hungary hungarian iceland icelandic india indian indonesia indonesian iran iranian iraq
    iraqi ireland irish israel israeli italy italian jamaica jamaican japan japanese jordan
    jordanian kazakhstan kazakh kenya kenyan korea korean kosovo kuwait kuwaiti kyrgyzstan laos
    latvia latvian lebanon lebanese lesotho liberia liberian libya libyan lithuania lithuanian
    luxembourg madagascar malawi malaysia malaysian maldives mali malian malta maltese
    mauritania mauritius mexico mexican moldova monaco mongolia mongolian montenegro morocco
    moroccan mozambique myanmar namibia namibian nepal nepali nepalese netherlands dutch zealand
    nicaragua niger nigeria nigerian norway norwegian oman omani pakistan pakistani palestine
    palestinian panama paraguay peru peruvian philippines philippine filipino filipina poland
    polish portugal portuguese qatar qatari romania romanian russia russian rwanda rwandan samoa
    saudi senegal senegalese serbia serbian seychelles singapore singaporean slovakia slovak
    slovenia slovenian somalia somali spain spanish sri lanka lankan sudan sudanese suriname
    sweden swedish switzerland swiss syria syrian taiwan taiwanese tajikistan tanzania tanzanian
    thailand thai togo togolese tonga trinidad tunisia tunisian turkey turkish turkiye
    turkmenistan uganda ugandan ukraine ukrainian emirates emirati uae uk britain british
    england english scotland scottish scot wales welsh usa us america american americas uruguay
    uzbekistan vanuatu venezuela venezuelan vietnam vietnamese yemen yemeni zambia zambian
    zimbabwe zimbabwean europe european africa african asia asian oceania arab arabic latin
    caribbean nordic scandinavian balkan gulf middle eastern western northern southern
    hindi urdu bengali tamil telugu punjabi swahili hausa yoruba igbo amharic tagalog malay
    mandarin cantonese hebrew persian farsi catalan basque galician flemish""".split()
)
CURRENCY_WORDS = frozenset(
    """usd eur gbp jpy cny rmb inr pkr bdt lkr npr idr php thb vnd myr sgd hkd twd krw aud nzd
    cad mxn brl ars clp cop pen chf sek nok dkk pln czk huf ron bgn try rub uah zar ngn ghs kes
    ksh ugx tzs etb egp mad tnd xof xaf fcfa cfa aed sar qar kwd bhd omr jod ils dollar dollars
    euro euros pound pounds naira cedi cedis rupee rupees rupiah peso pesos baht ringgit dong
    yen yuan won rand shilling shillings dirham dirhams riyal riyals franc francs zloty""".split()
)
BODY_WORDS = frozenset(
    """un eu nato who unicef unesco unhcr ecowas cedeao asean opec imf wto oecd fifa uefa iso
    gmt utc cet cest est pst pdt bst ist""".split()
)
COMMON_TITLE_WORDS = frozenset(
    """ai aunt auntie uncle cousin granny grandmother grandfather granddad granddaddy nana
    sister brother father mother son daughter wife husband pastor reverend father imam rabbi
    coach captain officer sergeant teacher nurse doctor professor principal director chair
    chairman chairwoman president secretary treasurer recruiter agent landlord landlady tenant
    neighbour neighbor driver courier manager supervisor lawyer counsel mayor minister sheriff
    judge detective colleague boss owner host guest parent parents family families mass church
    pay send call bring ask book check contact reply return collect submit upload confirm
    attend note bring buy keep tell remember avoid arrive leave meet join sign share visit
    interview interviews deadline deadlines deposit fee fees rent price cost total balance
    refund claim appointment booking reservation schedule plan plans trip event party
    registration application applications documents document form forms status result
    results""".split()
)
# English names of places whose documents use the local name (the summary may translate):
# exonym -> local forms
EXONYMS = {
    "venice": ("venezia",), "rome": ("roma",), "milan": ("milano",), "florence": ("firenze",),
    "naples": ("napoli",), "turin": ("torino",), "genoa": ("genova",), "munich": ("munchen",),
    "cologne": ("koln",), "vienna": ("wien",), "prague": ("praha",), "warsaw": ("warszawa",),
    "cracow": ("krakow",), "lisbon": ("lisboa",), "moscow": ("moskva",),
    "brussels": ("bruxelles", "brussel"), "hague": ("haag",), "antwerp": ("antwerpen",),
    "ghent": ("gent",), "geneva": ("geneve", "genf"), "copenhagen": ("kobenhavn",),
    "athens": ("athina",), "seville": ("sevilla",), "beijing": ("peking",),
    "philadelphia": ("philly",), "gothenburg": ("goteborg",), "zurich": ("zurich",),
    "bucharest": ("bucuresti",), "belgrade": ("beograd",), "kyiv": ("kiev", "kyiv"),
}  # fmt: skip
