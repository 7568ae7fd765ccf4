"""The unit table: every unit the number reader knows (length, mass, temperature, time,
speed, acceleration, volume, area, data, pressure, energy, power, frequency, percent), its
factor to its dimension's base unit and the aliases it is written as, compiled into the
patterns that `parse_unit` and the quantity reader (numeric.py) match. Mostly data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.scoring.factuality.text import clean_text


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str
    factor: float  # to the dimension's base unit
    offset: float = 0.0  # base = value * factor + offset (temperatures)
    alternates: tuple[float, ...] = ()  # other accepted factors (KB = 1000 or 1024 B)


def _units() -> tuple[dict[str, Unit], list[tuple[str, str]]]:
    table: dict[str, Unit] = {}
    aliases: list[tuple[str, str]] = []

    def add(
        name: str,
        dim: str,
        factor: float,
        names: str,
        offset: float = 0.0,
        alt: tuple[float, ...] = (),
    ) -> None:
        table[name] = Unit(name, dim, factor, offset, tuple(alt))
        for alias in names.split("|"):
            aliases.append((alias, name))

    # length (m)
    add("km", "length", 1e3, "km|kilometres|kilometers|kilometre|kilometer|kms")
    add("m", "length", 1.0, "m|metres|meters|metre|meter|mtrs")
    add("cm", "length", 1e-2, "cm|centimetres|centimeters|centimetre|centimeter")
    add("mm", "length", 1e-3, "mm|millimetres|millimeters|millimetre|millimeter")
    add("µm", "length", 1e-6, "µm|μm|um|micrometres|micrometers|micrometre|micrometer|microns")
    add("nm", "length", 1e-9, "nm|nanometres|nanometers|nanometre|nanometer")
    add("ft", "length", 0.3048, "ft|feet|foot")
    add("in", "length", 0.0254, "inches|inch|in\\.")
    add("yd", "length", 0.9144, "yd|yds|yards|yard")
    add("mi", "length", 1609.344, "mi|miles|mile|statute miles")
    add("nmi", "length", 1852.0, "nmi|nautical miles|nautical mile|nm\\.")
    add("au", "length", 1.495978707e11, "au|AU|astronomical units|astronomical unit")
    add("ly", "length", 9.4607e15, "ly|light-years|light years|light-year|light year")
    add("pc", "length", 3.0857e16, "pc|parsecs|parsec")
    # mass (kg)
    add("t", "mass", 1e3, "t|tonnes|tonne|metric tons|metric ton")
    add("ton", "mass", 1e3, "tons|ton", alt=(907.18474, 1016.0469))
    add("kg", "mass", 1.0, "kg|kilograms|kilogrammes|kilogram|kilogramme|kilos|kilo")
    add("g", "mass", 1e-3, "g|grams|grammes|gram|gramme|gm")
    add("mg", "mass", 1e-6, "mg|milligrams|milligram")
    add("µg", "mass", 1e-9, "µg|μg|ug|mcg|micrograms|microgram")
    add("lb", "mass", 0.45359237, "lb|lbs|pounds|pound")
    add("oz", "mass", 0.028349523125, "oz|ounces|ounce")
    add("st", "mass", 6.35029318, "stone|stones|st")
    # temperature (K)
    add(
        "°C",
        "temperature",
        1.0,
        "°C|° C|℃|degrees celsius|degree celsius|degrees centigrade|"
        "deg c|degrees c|celsius|centigrade|C",
        offset=273.15,
    )
    add(
        "°F",
        "temperature",
        5 / 9,
        "°F|° F|℉|degrees fahrenheit|degree fahrenheit|deg f|degrees f|fahrenheit|F",
        offset=459.67 * 5 / 9,
    )
    add("K", "temperature", 1.0, "K|kelvins|kelvin|degrees kelvin")
    # time (s)
    add("s", "time", 1.0, "s|sec|secs|seconds|second")
    add("ms", "time", 1e-3, "ms|milliseconds|millisecond")
    add("µs", "time", 1e-6, "µs|μs|microseconds|microsecond")
    add("ns", "time", 1e-9, "ns|nanoseconds|nanosecond")
    add("min", "time", 60.0, "min|mins|minutes|minute")
    add("h", "time", 3600.0, "h|hr|hrs|hours|hour")
    add("day", "time", 86400.0, "days|day|d")
    add("week", "time", 604800.0, "weeks|week|wk|wks")
    add("month", "time", 2629800.0, "months|month")
    add("year", "time", 31557600.0, "years|year|yr|yrs|y")
    add("decade", "time", 315576000.0, "decades|decade")
    add("century", "time", 3155760000.0, "centuries|century")
    # speed (m/s)
    add(
        "m/s",
        "speed",
        1.0,
        "m/s|m s-1|metres per second|meters per second|metre per second|meter per second|mps",
    )
    add(
        "km/s",
        "speed",
        1e3,
        "km/s|kilometres per second|kilometers per second|"
        "kilometre per second|kilometer per second|km per second|kps",
    )
    add(
        "km/h",
        "speed",
        1 / 3.6,
        "km/h|kmh|kph|km/hr|kilometres per hour|kilometers per hour|"
        "kilometre per hour|kilometer per hour|km per hour|kmph",
    )
    add("mph", "speed", 0.44704, "mph|miles per hour|mile per hour|mi/h")
    add("mi/s", "speed", 1609.344, "mi/s|miles per second|mile per second")
    add("ft/s", "speed", 0.3048, "ft/s|feet per second|fps")
    add("kn", "speed", 1852 / 3600, "knots|knot|kn|kt|kts")
    # acceleration (m/s²)
    add(
        "m/s²",
        "acceleration",
        1.0,
        "m/s²|m/s2|m/s^2|metres per second squared|meters per second squared|m s-2",
    )
    # volume (m³)
    add("m³", "volume", 1.0, "m³|m3|cubic metres|cubic meters|cubic metre|cubic meter")
    add("km³", "volume", 1e9, "km³|km3|cubic kilometres|cubic kilometers")
    add("cm³", "volume", 1e-6, "cm³|cm3|cc|cubic centimetres|cubic centimeters")
    add("L", "volume", 1e-3, "l|L|litres|liters|litre|liter|ltr")
    add("mL", "volume", 1e-6, "ml|mL|millilitres|milliliters|millilitre|milliliter")
    add("cL", "volume", 1e-5, "cl|cL|centilitres|centiliters")
    add("dL", "volume", 1e-4, "dl|dL|decilitres|deciliters")
    add(
        "gal",
        "volume",
        3.785411784e-3,
        "gallons|gallon|gal|US gallons|US gallon",
        alt=(4.54609e-3,),
    )
    add("qt", "volume", 9.46352946e-4, "quarts|quart|qt")
    add("pt", "volume", 4.73176473e-4, "pints|pint|pt", alt=(5.6826125e-4,))
    add(
        "fl oz",
        "volume",
        2.95735296e-5,
        "fluid ounces|fluid ounce|fl oz|fl. oz",
        alt=(2.84130625e-5,),
    )
    add("cup", "volume", 2.4e-4, "cups|cup", alt=(2.365882365e-4, 2.5e-4))
    add("ft³", "volume", 0.028316846592, "ft³|ft3|cubic feet|cubic foot")
    # area (m²)
    add("m²", "area", 1.0, "m²|m2|sq m|square metres|square meters|square metre|square meter")
    add(
        "km²",
        "area",
        1e6,
        "km²|km2|sq km|square kilometres|square kilometers|square kilometre|square kilometer",
    )
    add("cm²", "area", 1e-4, "cm²|cm2|square centimetres|square centimeters")
    add("ha", "area", 1e4, "ha|hectares|hectare")
    add("acre", "area", 4046.8564224, "acres|acre")
    add("ft²", "area", 0.09290304, "ft²|ft2|sq ft|square feet|square foot")
    add("mi²", "area", 2589988.110336, "mi²|mi2|sq mi|square miles|square mile")
    # data (bytes)
    add("bit", "data", 0.125, "bits|bit")
    add("kbit", "data", 125.0, "kbit|kbits|kilobits|kilobit|kb")
    add("Mbit", "data", 1.25e5, "Mbit|Mbits|megabits|megabit|Mb")
    add("Gbit", "data", 1.25e8, "Gbit|Gbits|gigabits|gigabit|Gb")
    add("B", "data", 1.0, "B|bytes|byte")
    add("KB", "data", 1e3, "KB|kB|kilobytes|kilobyte", alt=(1024.0,))
    add("MB", "data", 1e6, "MB|megabytes|megabyte", alt=(1024.0**2,))
    add("GB", "data", 1e9, "GB|gigabytes|gigabyte", alt=(1024.0**3,))
    add("TB", "data", 1e12, "TB|terabytes|terabyte", alt=(1024.0**4,))
    add("PB", "data", 1e15, "PB|petabytes|petabyte", alt=(1024.0**5,))
    add("KiB", "data", 1024.0, "KiB|kibibytes|kibibyte")
    add("MiB", "data", 1024.0**2, "MiB|mebibytes|mebibyte")
    add("GiB", "data", 1024.0**3, "GiB|gibibytes|gibibyte")
    add("TiB", "data", 1024.0**4, "TiB|tebibytes|tebibyte")
    # pressure (Pa)
    add("Pa", "pressure", 1.0, "Pa|pascals|pascal")
    add("hPa", "pressure", 100.0, "hPa|hectopascals|hectopascal")
    add("kPa", "pressure", 1e3, "kPa|kilopascals|kilopascal")
    add("MPa", "pressure", 1e6, "MPa|megapascals|megapascal")
    add("bar", "pressure", 1e5, "bar|bars")
    add("mbar", "pressure", 100.0, "mbar|millibars|millibar")
    add("atm", "pressure", 101325.0, "atm|atmospheres|atmosphere")
    add("psi", "pressure", 6894.757293168, "psi")
    add(
        "mmHg",
        "pressure",
        133.322387415,
        "mmHg|mm Hg|millimetres of mercury|millimeters of mercury|torr",
    )
    # energy (J)
    add("J", "energy", 1.0, "J|joules|joule")
    add("kJ", "energy", 1e3, "kJ|kilojoules|kilojoule")
    add("MJ", "energy", 1e6, "MJ|megajoules|megajoule")
    add("cal", "energy", 4.184, "cal|calories|calorie", alt=(4184.0,))
    add("kcal", "energy", 4184.0, "kcal|kilocalories|kilocalorie|Cal")
    add("Wh", "energy", 3600.0, "Wh|watt-hours|watt hours")
    add("kWh", "energy", 3.6e6, "kWh|kilowatt-hours|kilowatt hours|kilowatt-hour")
    add("eV", "energy", 1.602176634e-19, "eV|electronvolts|electron volts|electronvolt")
    add("MeV", "energy", 1.602176634e-13, "MeV")
    # power (W)
    add("W", "power", 1.0, "W|watts|watt")
    add("kW", "power", 1e3, "kW|kilowatts|kilowatt")
    add("MW", "power", 1e6, "MW|megawatts|megawatt")
    add("GW", "power", 1e9, "GW|gigawatts|gigawatt")
    add("hp", "power", 745.699872, "hp|horsepower|bhp")
    # frequency (Hz)
    add("Hz", "frequency", 1.0, "Hz|hertz")
    add("kHz", "frequency", 1e3, "kHz|kilohertz")
    add("MHz", "frequency", 1e6, "MHz|megahertz")
    add("GHz", "frequency", 1e9, "GHz|gigahertz")
    # ratio
    add("%", "ratio", 0.01, "%|percent|per cent")
    return table, aliases


UNITS, _UNIT_ALIASES = _units()
# aliases read case-sensitively (short symbols whose case matters: m / M, K / k, B / b)
_CASED = {
    "m", "g", "t", "s", "h", "d", "y", "K", "C", "F", "B", "L", "l", "J", "W", "Pa", "kn", "kt",
    "Mb", "Gb", "kb", "MB", "KB", "kB", "GB", "TB", "PB", "Mbit", "Gbit", "MW", "GW", "MJ",
    "MeV", "eV", "Cal", "cal", "ml", "mL", "cl", "cL", "dl", "dL", "mg", "ms", "ns", "mi",
    "in\\.", "st", "pt", "qt", "ha", "pc", "au", "AU", "ly", "bar", "atm", "hp", "min", "hr",
    "nm", "mm", "cm", "km", "kg", "lb", "oz", "yd", "ft", "nmi", "gal", "cup", "kPa", "hPa",
    "MPa", "kJ", "kW", "kWh", "Wh", "Hz", "kHz", "MHz", "GHz", "KiB", "MiB", "GiB", "TiB",
}  # fmt: skip


def _alias_body(alias: str) -> str:
    if alias.endswith("\\."):
        return alias
    return re.escape(alias).replace("\\ ", r"[\s-]?") + r"(?![A-Za-z0-9²³])"


_UNIT_RX = [
    (
        re.compile(r"[\s-]?(?:" + _alias_body(a) + ")", 0 if a in _CASED else re.IGNORECASE),
        re.compile(_alias_body(a), re.IGNORECASE),
        u,
    )
    for a, u in sorted(_UNIT_ALIASES, key=lambda pair: -len(pair[0]))
]


def parse_unit(text: str | None) -> Unit | None:
    """The unit a string names ("m", "metres", "°F", "km/h"), None if unknown."""
    if not text:
        return None
    text = clean_text(text).strip()
    if text in UNITS:
        return UNITS[text]
    for cased, _, name in _UNIT_RX:
        found = cased.match(text)
        if found and found.end() == len(text):
            return UNITS[name]
    for _, loose, name in _UNIT_RX:  # "KM", "Kg"
        if loose.fullmatch(text):
            return UNITS[name]
    return None
