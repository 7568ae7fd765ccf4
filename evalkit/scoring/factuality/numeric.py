"""Numbers in a response and how they compare with a number reference.

`quantities` reads every number with its unit, scale words ("29 thousand"), number words
("two hundred and six"), ranges ("68-71 °C"), compounds ("8 minutes 20 seconds") and whether
it is refuted ("it's not 100 °C") or only a bound ("more than 8,000 m"); `compare_number`
converts one to the reference unit and checks it against the tolerance and its own written
precision. (Named numeric.py, not quantities.py, so that the module does not shadow the
`quantities` function the package re-exports.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evalkit.records import FactAnswer
from evalkit.scoring.factuality.text import clean_text
from evalkit.scoring.factuality.units import _UNIT_RX, UNITS, Unit

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")

_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_WORD_NUM_RX = re.compile(
    r"\b(?:(?:" + "|".join(list(_WORD_NUMBERS) + list(_SCALES) + ["a"]) + r")(?:[\s-]+and[\s-]+|"
    r"[\s-]+|\b))+",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\w.,/])(?P<sign>[-−](?=\d))?(?P<num>\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)"
    r"(?!\.\d)(?:\s?(?:[x×*]|times)\s?10\s?(?:\^|\*\*)\s?(?P<exp>[-−]?\d+)|[eE](?P<e>[-+]?\d+)"
    r"(?![a-z]))?(?P<ord>st|nd|rd|th)?(?!\d)",
)
_SCALE_AFTER = re.compile(r"\s?(?P<word>thousand|million|billion|trillion|bn)\b|k\b", re.IGNORECASE)
_EXPONENT = re.compile(r"(10)\s?([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)")
_DEGREES = re.compile(
    r"[\s-]?(?:°|degrees?\b|deg\b)(?![CFcf]\b|\s?[CFcf]\b|\s(?:celsius|"
    r"fahrenheit|centigrade|kelvin))",
    re.IGNORECASE,
)
_REFUTE_BEFORE = re.compile(
    r"(?:\bnot|n't|\bnever|\bnor|\brather than|\binstead of|\bno longer|\bcontrary to|"
    r"\bsupposedly|\ballegedly|\bmyth(?:ical)?|\bthe (?:often|commonly|widely)[- ]"
    r"(?:quoted|cited|repeated)|\b(?:people|many|some) (?:think|say|believe|assume|claim)|"
    r"\byou (?:said|mentioned|wrote)|\bthe claimed|\bnot quite|\bnot exactly|\bnot actually|"
    r"\bnot even|\bfar from|\bmore than|\bless than|\bunder|\bover|\babove|\bbelow|\bexceeds?)"
    r"(?:\s+\S+){0,3}\s*$",
    re.IGNORECASE,
)
_REFUTE_AFTER = re.compile(
    r"^[^.;]{0,25}?\b(?:is|are|was|would be)\s+(?:a myth|wrong|incorrect|false|outdated|"
    r"a misconception|not right|not correct|a common mistake)\b",
    re.IGNORECASE,
)
_BOUND_WORDS = re.compile(
    r"\b(?:more than|less than|under|over|above|below|exceeds?)\s+\S*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Quantity:
    """A number read from a text: as written, in its unit, and in the reference unit."""

    text: str
    value: float  # as written (scale applied)
    unit: str | None  # the unit read, None if none
    start: int
    sig_digits: int
    refuted: bool = False
    bound: bool = False  # "more than 8,000 m": a bound, not a value
    range_with: float | None = None  # the other end of "270-300", as written

    def in_unit(self, unit: Unit | None, factor: float | None = None) -> float:
        return _convert(self.value, self.unit, unit, factor)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "refuted": self.refuted,
            "bound": self.bound,
        }


def _convert(
    value: float, unit_name: str | None, target: Unit | None, factor: float | None = None
) -> float:
    if unit_name is None or target is None:
        return value
    unit = UNITS[unit_name]
    base = value * (factor if factor is not None else unit.factor) + unit.offset
    return (base - target.offset) / target.factor


def _sig_digits(num: str) -> int:
    digits = num.replace(",", "").replace(" ", "").lstrip("-−")
    if "." in digits:
        whole, frac = digits.split(".", 1)
        return len((whole + frac).lstrip("0")) or 1
    stripped = digits.lstrip("0")
    return len(stripped.rstrip("0")) or 1


def _word_number(words: str) -> float | None:
    total, current, seen = 0.0, 0.0, False
    for word in re.split(r"[\s-]+", words.lower()):
        if word in ("and", ""):
            continue
        if word == "a":
            current = current or 1
            continue
        if word in _WORD_NUMBERS:
            current += _WORD_NUMBERS[word]
            seen = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen = True
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def _unit_after(text: str, pos: int) -> tuple[str | None, int]:
    tail = text[pos : pos + 40]
    if re.match(r"'?s\b", tail):
        return None, pos  # "the 1990s"
    for rx, _, name in _UNIT_RX:
        found = rx.match(tail)
        if found:
            return name, pos + found.end()
    degrees = _DEGREES.match(tail)
    if degrees:
        return "°", pos + degrees.end()
    return None, pos


def quantities(text: str) -> list[Quantity]:
    """Every number in a text with its unit (if any), scale words and rebuttals applied."""
    text = _EXPONENT.sub(lambda m: "10^" + m.group(2).translate(_SUPERSCRIPT), text)
    text = clean_text(text).replace("−", "-").replace("–", "-")
    found: list[Quantity] = []
    spans: list[tuple[int, int]] = []
    for m in _NUMBER.finditer(text):
        if m.group("ord"):
            continue
        num = m.group("num")
        raw = num.replace(",", "").replace(" ", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        if m.group("sign"):
            value = -value
        if m.group("exp"):
            value *= 10 ** int(m.group("exp").replace("−", "-"))
        elif m.group("e"):
            value *= 10 ** int(m.group("e"))
        end = m.end()
        scale = _SCALE_AFTER.match(text, end)
        if scale and not m.group("exp") and (scale.group("word") or scale.group(0) == "k"):
            word = (scale.group("word") or "").lower()
            value *= 1e9 if word == "bn" else _SCALES.get(word, 1e3)
            end = scale.end()
        found.append(_quantity(text, m.start(), end, value, _sig_digits(num)))
        spans.append((m.start(), end))
    for m in _WORD_NUM_RX.finditer(text):
        words = m.group(0).strip(" -")
        if any(s <= m.start() < e for s, e in spans):
            continue
        number = _word_number(words)
        if number is None:
            continue
        end = m.start() + len(m.group(0).rstrip(" -"))
        quantity = _quantity(text, m.start(), end, number, _sig_digits(str(int(number))))
        if words.lower() in {"a", "one"} and quantity.unit is None:
            continue  # "a", "one of them"
        found.append(quantity)
    found.sort(key=lambda q: q.start)
    return _ranges(text, found)


def _quantity(text: str, start: int, end: int, value: float, sig: int) -> Quantity:
    unit, unit_end = _unit_after(text, end)
    before = text[max(0, start - 45) : start]
    before = re.split(r"[.;!?]|\bbut\b|\bhowever\b", before)[-1]
    after = text[unit_end : unit_end + 60]
    refuted = bool(_REFUTE_BEFORE.search(before) or _REFUTE_AFTER.match(after))
    bound = bool(_BOUND_WORDS.search(before))
    return Quantity(
        text=text[start:unit_end].strip(),
        value=value,
        unit=unit,
        start=start,
        sig_digits=sig,
        refuted=refuted and not bound,
        bound=bound,
    )


def _ranges(text: str, found: list[Quantity]) -> list[Quantity]:
    """Join "270-300", "between 50 and 100 °C", "8,000 to 9,000 m" into ranges (a unit
    written once applies to both ends)."""
    out: list[Quantity] = []
    i = 0
    while i < len(found):
        q = found[i]
        if i + 1 < len(found):
            nxt = found[i + 1]
            gap = text[q.start + len(q.text) : nxt.start]
            if q.unit is not None and nxt.unit is not None and _compound(q, nxt, gap):
                # "8 minutes 20 seconds", "5 ft 10 in", "26 miles 385 yards": one quantity
                first, second = UNITS[q.unit], UNITS[nxt.unit]
                total = q.value + nxt.value * second.factor / first.factor
                out.append(
                    Quantity(
                        text=f"{q.text}{gap}{nxt.text}",
                        value=total,
                        unit=q.unit,
                        start=q.start,
                        sig_digits=1,
                        refuted=q.refuted,
                        bound=q.bound,
                    )
                )
                i += 2
                continue
            if re.fullmatch(r"\s*(?:-|to|and|or)\s*", gap, re.IGNORECASE) and (
                q.unit is None or nxt.unit is None or q.unit == nxt.unit
            ):
                unit = q.unit or nxt.unit
                out.append(
                    Quantity(
                        text=f"{q.text}{gap}{nxt.text}",
                        value=q.value,
                        unit=unit,
                        start=q.start,
                        sig_digits=min(q.sig_digits, nxt.sig_digits),
                        refuted=q.refuted,
                        bound=q.bound,
                        range_with=nxt.value,
                    )
                )
                i += 2
                continue
        out.append(q)
        i += 1
    return out


def _compound(q: Quantity, nxt: Quantity, gap: str) -> bool:
    if q.unit in (None, "°") or nxt.unit in (None, "°"):
        return False
    first, second = UNITS[q.unit], UNITS[nxt.unit]
    return (
        bool(re.fullmatch(r"\s*(?:,\s*|and\s+)?", gap))
        and first.dimension == second.dimension
        and first.offset == 0
        and first.factor > second.factor
    )


@dataclass(frozen=True)
class NumberMatch:
    quantity: Quantity
    value: float  # in the reference unit
    high: float | None  # the range's other end, in the reference unit
    matches: bool
    unit_assumed: bool


ROUNDING_CAP = 0.01  # a number's own precision counts up to 1% of the reference value


def compare_number(q: Quantity, fact: FactAnswer, ref_unit: Unit | None) -> NumberMatch | None:
    """How a quantity compares with a number reference; None if it is in another dimension."""
    if fact.value is None:
        raise TypeError("a number answer needs a value")  # float(None) raised TypeError too
    target = float(fact.value)
    unit_name = q.unit
    assumed = False
    if unit_name == "°":
        if ref_unit is not None and ref_unit.dimension == "temperature":
            unit_name, assumed = ref_unit.name, True
        else:
            unit_name = None
    if ref_unit is None:
        if unit_name is not None:
            return None
    elif unit_name is None:
        assumed = True
    elif UNITS[unit_name].dimension != ref_unit.dimension:
        return None
    unit = UNITS[unit_name] if unit_name else None
    factors = [None] + list(unit.alternates) if unit else [None]
    best: NumberMatch | None = None
    for factor in factors:
        value = _convert(q.value, unit_name, ref_unit, factor)
        high = _convert(q.range_with, unit_name, ref_unit, factor) if q.range_with else None
        scale = (factor if factor else unit.factor) / ref_unit.factor if unit and ref_unit else 1
        allowance = abs(target) * fact.tolerance + 1e-9 * max(1.0, abs(target))
        if q.sig_digits >= 2:
            place = _last_place(q.text, q.value)
            allowance += min(0.5 * place * abs(scale), ROUNDING_CAP * abs(target))
        if high is None:
            ok = abs(value - target) <= allowance
        else:
            lo, hi = sorted((value, high))
            width_ok = (hi - lo) <= max(2 * allowance, 0.1 * abs(target))
            ok = lo - allowance <= target <= hi + allowance and width_ok
        ok = ok and not q.bound
        current = NumberMatch(q, value, high, ok, assumed)
        if best is None or (ok and not best.matches):
            best = current
    return best


def _last_place(written: str, value: float) -> float:
    """The place value of the last significant digit as written ("8.8" -> 0.1, "29,000" ->
    1000, "8,849" -> 1), times the scale word if any."""
    m = re.search(r"\d[\d, ]*(?:\.(\d+))?", written)
    if not m:
        return 0.0
    frac = m.group(1)
    digits = m.group(0).replace(",", "").replace(" ", "")
    number = float(digits) if digits else 0.0
    scale = abs(value) / number if number else 1.0
    if frac:
        return 10.0 ** -len(frac) * scale
    whole = digits.split(".")[0]
    zeros = len(whole) - len(whole.rstrip("0"))
    return 10.0**zeros * scale
