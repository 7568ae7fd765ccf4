"""The prompt bank: validate it, describe it, and import other teams' prompts into it.

The bank is `prompts/bank/<category>.jsonl`, one `Prompt` per line, eleven categories at three
difficulties. Validation reports every problem at once (a bank is edited by several people, and
fixing one line per run wastes their time); statistics are pure pandas functions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from evalkit.errors import InputError, UserError
from evalkit.jsonio import (
    describe_validation_error,
    parse_json_line,
    read_records,
    validate_record,
)
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt
from evalkit.rubrics import SafetyRubric, load_rubric

# Which fields a category's prompts need so they can be graded: each inner tuple lists
# alternatives (one of them suffices); every group must be met.
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "closed_qa": (("reference",),),
    "extraction": (("reference",),),
    "classification": (("reference",),),
    "math_reasoning": (("reference",),),
    "coding": (("tests", "reference"),),
    "safety": (("risk_area",), ("expected",)),
}

PROBLEM_NAMES = {
    "schema": ("bad line", "bad lines"),
    "duplicate_id": ("duplicate id", "duplicate ids"),
    "category": ("bad category", "bad categories"),
    "difficulty": ("missing difficulty", "missing difficulties"),
    "reference": ("missing reference", "missing references"),
    "risk_area": ("bad risk area", "bad risk areas"),
    "cell": ("short cell", "short cells"),
    "near_duplicate": ("near-duplicate pair", "near-duplicate pairs"),
}
MIN_PER_CELL = 12
SIMILARITY = 0.8
NGRAM = 3


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class BankPrompt:
    """A prompt with the file and line it came from, so every problem can point at it."""

    prompt: Prompt
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Problem:
    kind: str  # schema, duplicate_id, category, difficulty, reference, cell, near_duplicate
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def bank_files(path: str | os.PathLike[str]) -> list[Path]:
    """The JSONL files of a bank: the file itself, or every `*.jsonl` in a folder (sorted)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: not found")
    if path.is_dir():
        files = sorted(p for p in path.glob("*.jsonl") if p.is_file())
        if not files:
            raise UserError(f"{path}: no .jsonl files in this folder")
        return files
    if not os.access(path, os.R_OK):
        raise UserError(f"{path}: not readable")
    return [path]


def read_bank_file(path: Path) -> tuple[list[BankPrompt], list[Problem]]:
    """Every valid prompt of one file and a problem for every bad line (not just the first)."""
    prompts: list[BankPrompt] = []
    problems: list[Problem] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                prompt = _parse_line(path, number, raw)
            except InputError as exc:
                problems.append(Problem("schema", f"{path}:{number}", _after_where(exc)))
                continue
            if prompt is not None:
                prompts.append(BankPrompt(prompt, str(path), number))
    return prompts, problems


def _parse_line(path: Path, number: int, raw: bytes) -> Prompt | None:
    obj = parse_json_line(path, number, raw)
    return None if obj is None else validate_record(obj, Prompt, path, number)


def _after_where(exc: InputError) -> str:
    return f"{exc.field}: {exc.problem}" if exc.field else exc.problem


def load_bank(path: str | os.PathLike[str]) -> list[Prompt]:
    """Every prompt of a bank file or folder; the first bad line raises `InputError`."""
    prompts: list[Prompt] = []
    for file in bank_files(path):
        prompts.extend(read_records(file, Prompt))
    return prompts


# ---------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class NearDuplicate:
    first: BankPrompt
    second: BankPrompt
    similarity: float

    def __str__(self) -> str:
        return (
            f"{self.first.where} ({self.first.prompt.id}) ~ {self.second.where} "
            f"({self.second.prompt.id}): similarity {self.similarity:.2f}"
        )


@dataclass
class BankReport:
    files: list[Path]
    prompts: list[BankPrompt]
    problems: list[Problem] = field(default_factory=list)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    required_categories: tuple[str, ...] = ()
    near_duplicates: list[NearDuplicate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts_by_kind(self) -> Counter[str]:
        return Counter(problem.kind for problem in self.problems)

    def summary(self) -> str:
        """`3 bad lines, 1 short cell` or `no problems`."""
        counts = self.counts_by_kind()
        parts = []
        for kind, n in sorted(counts.items()):
            one, many = PROBLEM_NAMES.get(kind, (kind, kind))
            parts.append(f"{n} {one if n == 1 else many}")
        return ", ".join(parts) or "no problems"


def validate_bank(
    path: str | os.PathLike[str],
    min_per_cell: int = MIN_PER_CELL,
    similarity: float = SIMILARITY,
    ngram: int = NGRAM,
    categories: Iterable[str] | None = None,
    rubrics_dir: str | os.PathLike[str] | None = None,
) -> BankReport:
    """Check a bank file or folder; every problem is collected, none stops the others.

    `categories` are the categories whose every difficulty must hold `min_per_cell` prompts:
    by default all eleven for a folder (the whole bank) and those present for single files.
    Safety prompts' `risk_area`/`subcategory` are checked against the safety rubric in
    `rubrics_dir` (default: evalkit's rubrics/).
    """
    files = bank_files(path)
    prompts: list[BankPrompt] = []
    problems: list[Problem] = []
    for file in files:
        found, bad = read_bank_file(file)
        prompts.extend(found)
        problems.extend(bad)
    if categories is None:
        present = {p.prompt.category for p in prompts if p.prompt.category in CATEGORIES}
        required = (
            CATEGORIES if Path(path).is_dir() else tuple(c for c in CATEGORIES if c in present)
        )
    else:
        required = tuple(categories)
        unknown = [c for c in required if c not in CATEGORIES]
        if unknown:
            raise UserError(f"unknown categories {unknown} (known: {', '.join(CATEGORIES)})")
    problems.extend(check_ids(prompts))
    problems.extend(check_labels(prompts))
    problems.extend(check_references(prompts))
    if any(p.prompt.risk_area or p.prompt.subcategory for p in prompts):
        problems.extend(check_risk_areas(prompts, load_rubric("safety", rubrics_dir)))
    cells = cell_counts(prompts)
    problems.extend(check_cells(cells, required, min_per_cell, str(path)))
    pairs = near_duplicates(prompts, similarity, ngram)
    problems.extend(
        Problem(
            "near_duplicate",
            pair.first.where,
            f"near-duplicate of {pair.second.where} ({pair.first.prompt.id} ~ "
            f"{pair.second.prompt.id}, similarity {pair.similarity:.2f})",
        )
        for pair in pairs
    )
    return BankReport(files, prompts, problems, cells, required, pairs)


def check_ids(prompts: list[BankPrompt]) -> list[Problem]:
    """An id must be unique across every file: grades and responses join on it."""
    first_seen: dict[str, BankPrompt] = {}
    problems = []
    for item in prompts:
        earlier = first_seen.setdefault(item.prompt.id, item)
        if earlier is not item:
            problems.append(
                Problem(
                    "duplicate_id",
                    item.where,
                    f"id: {item.prompt.id!r} is already used at {earlier.where}",
                )
            )
    return problems


def check_labels(prompts: list[BankPrompt]) -> list[Problem]:
    """Every bank prompt needs a known category and a difficulty (the cells of the bank)."""
    problems = []
    for item in prompts:
        category, difficulty = item.prompt.category, item.prompt.difficulty
        if category is None:
            problems.append(Problem("category", item.where, "category: required field is missing"))
        elif category not in CATEGORIES:
            problems.append(
                Problem(
                    "category",
                    item.where,
                    f"category: {category!r} is not one of {', '.join(CATEGORIES)}",
                )
            )
        if difficulty is None:
            problems.append(
                Problem("difficulty", item.where, "difficulty: required field is missing")
            )
        if not item.prompt.user_text.strip():
            problems.append(Problem("schema", item.where, "messages: the user message is empty"))
    return problems


def check_references(prompts: list[BankPrompt]) -> list[Problem]:
    """Categories graded against an answer must carry it (see REQUIRED_FIELDS)."""
    problems = []
    for item in prompts:
        for group in REQUIRED_FIELDS.get(item.prompt.category or "", ()):
            if not any(_filled(getattr(item.prompt, name)) for name in group):
                needed = " or ".join(group)
                problems.append(
                    Problem(
                        "reference",
                        item.where,
                        f"{group[0]}: {item.prompt.category} prompts need {needed}",
                    )
                )
    return problems


def check_risk_areas(prompts: list[BankPrompt], rubric: SafetyRubric) -> list[Problem]:
    """risk_area and subcategory must be ids of the safety rubric: the violation statistics
    group by them and raters choose from them."""
    subcategories = {area.id: [s.id for s in area.subcategories] for area in rubric.areas}
    problems = []
    for item in prompts:
        area, sub = item.prompt.risk_area, item.prompt.subcategory
        if area is not None and area not in subcategories:
            problems.append(
                Problem(
                    "risk_area",
                    item.where,
                    f"risk_area: {area!r} is not an area of the safety rubric "
                    f"({', '.join(subcategories)})",
                )
            )
        elif sub is not None and area is None:
            problems.append(
                Problem("risk_area", item.where, "risk_area: required when subcategory is set")
            )
        elif sub is not None and sub not in subcategories[area]:
            problems.append(
                Problem(
                    "risk_area",
                    item.where,
                    f"subcategory: {sub!r} is not a subcategory of {area} "
                    f"({', '.join(subcategories[area])})",
                )
            )
    return problems


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def cell_counts(prompts: Iterable[BankPrompt]) -> dict[tuple[str, str], int]:
    counts: Counter[tuple[str, str]] = Counter()
    for item in prompts:
        if item.prompt.category and item.prompt.difficulty:
            counts[(item.prompt.category, item.prompt.difficulty)] += 1
    return dict(counts)


def check_cells(
    cells: dict[tuple[str, str], int], categories: Iterable[str], minimum: int, where: str
) -> list[Problem]:
    problems = []
    for category in categories:
        for difficulty in DIFFICULTIES:
            n = cells.get((category, difficulty), 0)
            if n < minimum:
                problems.append(
                    Problem(
                        "cell",
                        where,
                        f"{category} × {difficulty}: {n} prompts, needs at least {minimum}",
                    )
                )
    return problems


# ---------------------------------------------------------------------------- near-duplicates


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation or accents, so trivial edits do not hide a copy."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9]+", text)


def shingles(text: str, n: int = NGRAM) -> frozenset[tuple[str, ...]]:
    """The set of word n-grams of a text (a short text is one shingle of all its words)."""
    words = normalize_words(text)
    if len(words) < n:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def prompt_text(prompt: Prompt) -> str:
    """Everything the model reads: system and user turns alike."""
    return "\n".join(message.content for message in prompt.messages)


def near_duplicates(
    prompts: list[BankPrompt], threshold: float = SIMILARITY, n: int = NGRAM
) -> list[NearDuplicate]:
    """Pairs whose shingle sets have Jaccard similarity ≥ threshold, most similar first.

    An inverted index of shingles proposes only pairs that share at least one shingle, so
    the cost grows with the overlap in the bank rather than with every pair of prompts.
    """
    sets = [shingles(prompt_text(item.prompt), n) for item in prompts]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for position, shingle_set in enumerate(sets):
        for shingle in shingle_set:
            index[shingle].append(position)
    shared: Counter[tuple[int, int]] = Counter()
    for members in index.values():
        for pair in combinations(members, 2):
            shared[pair] += 1
    found = []
    for (i, j), common in shared.items():
        union = len(sets[i]) + len(sets[j]) - common
        score = common / union if union else 1.0
        if score >= threshold:
            found.append(NearDuplicate(prompts[i], prompts[j], score))
    found.sort(key=lambda pair: (-pair.similarity, pair.first.where, pair.second.where))
    return found


# ---------------------------------------------------------------------------- statistics


def bank_frame(prompts: Iterable[Prompt]) -> pd.DataFrame:
    """One row per prompt: id, category, difficulty, words (of what the model reads)."""
    rows = [
        {
            "id": prompt.id,
            "category": prompt.category or "(none)",
            "difficulty": prompt.difficulty or "(none)",
            "words": len(prompt_text(prompt).split()),
        }
        for prompt in prompts
    ]
    return pd.DataFrame(rows, columns=["id", "category", "difficulty", "words"])


def count_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Prompts per category × difficulty, with totals; difficulties in easy/medium/hard order."""
    table = pd.crosstab(frame["category"], frame["difficulty"])
    columns = [d for d in DIFFICULTIES if d in table.columns]
    columns += [c for c in table.columns if c not in DIFFICULTIES]
    table = table.reindex(columns=columns, fill_value=0)
    table["total"] = table.sum(axis=1)
    order = [c for c in CATEGORIES if c in table.index] + sorted(
        c for c in table.index if c not in CATEGORIES
    )
    return table.reindex(order)


def length_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Prompt length in words per category: n, min, median, p90, max."""
    grouped = frame.groupby("category")["words"]
    table = pd.DataFrame(
        {
            "n": grouped.size(),
            "min": grouped.min(),
            "median": grouped.median(),
            "p90": grouped.quantile(0.9),
            "max": grouped.max(),
        }
    )
    order = [c for c in CATEGORIES if c in table.index] + sorted(
        c for c in table.index if c not in CATEGORIES
    )
    return table.reindex(order)


def bank_stats(prompts: list[Prompt]) -> dict[str, Any]:
    """Counts and lengths as plain data (for `--json`)."""
    frame = bank_frame(prompts)
    if frame.empty:
        return {"n": 0, "counts": {}, "lengths": {}}
    counts = count_table(frame)
    lengths = length_table(frame)
    return {
        "n": int(len(frame)),
        "counts": {
            category: {column: int(value) for column, value in row.items()}
            for category, row in counts.iterrows()
        },
        "lengths": {
            category: {
                "n": int(row["n"]),
                "min": int(row["min"]),
                "median": float(row["median"]),
                "p90": float(row["p90"]),
                "max": int(row["max"]),
            }
            for category, row in lengths.iterrows()
        },
    }


# ---------------------------------------------------------------------------- import

IMPORT_FORMATS = ("jsonl", "csv", "dolly")
# pseudo-fields a source column may map onto besides Prompt's own fields
TEXT_FIELDS = ("prompt", "context", "system")
IGNORE = "ignore"
DOLLY_MAP = {"instruction": "prompt", "context": "context", "response": "reference"}
CATEGORY_ALIASES = {
    "general_qa": "open_qa",
    "information_extraction": "extraction",
    "creative_writing": "writing",
    "brainstorm": "brainstorming",
    "qa": "open_qa",
    "math": "math_reasoning",
    "rewrite": "rewriting",
}
_PROMPT_FIELDS = set(Prompt.model_fields)
# fields whose CSV cells hold JSON text
_STRUCTURED = {"messages", "instruction_id_list", "kwargs", "key_facts", "documents", "metadata"}
_PENDING_ID = "\x00pending"


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """`--map their=ours` options as a dict; `ours` is a Prompt field, prompt, context,
    system, or ignore."""
    mapping: dict[str, str] = {}
    allowed = sorted(_PROMPT_FIELDS - {"messages"}) + list(TEXT_FIELDS) + [IGNORE]
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        theirs, ours = theirs.strip(), ours.strip()
        if not sep or not theirs or not ours:
            raise UserError(f"--map {pair!r}: expected FIELD=OURS, e.g. question=prompt")
        if ours not in allowed:
            raise UserError(f"--map {pair!r}: {ours!r} is not one of {', '.join(allowed)}")
        mapping[theirs] = ours
    return mapping


def normalize_category(value: str) -> str:
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    return CATEGORY_ALIASES.get(key, key)


@dataclass
class ImportResult:
    prompts: list[Prompt]
    exact_duplicates: int  # rows whose text repeats an earlier row (ids numbered -2, -3, ...)


def import_prompts(
    source: str | os.PathLike[str],
    fmt: str,
    mapping: dict[str, str] | None = None,
    suite: str = "bank",
    default_difficulty: str | None = "medium",
    default_category: str | None = None,
    id_prefix: str | None = None,
) -> ImportResult:
    """Another team's prompts in our schema. Every bad row is reported (path:line: field:
    problem) in one `UserError`; nothing is written or skipped when any row is bad."""
    if fmt not in IMPORT_FORMATS:
        raise UserError(f"--format {fmt!r}: must be one of {', '.join(IMPORT_FORMATS)}")
    if default_difficulty is not None and default_difficulty not in DIFFICULTIES:
        raise UserError(
            f"--default-difficulty {default_difficulty!r}: must be one of easy, medium, hard"
        )
    if default_category is not None and normalize_category(default_category) not in CATEGORIES:
        raise UserError(f"--default-category {default_category!r}: not a bank category")
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{path}: {'not found' if not path.exists() else 'not a file'}")
    columns = {**(DOLLY_MAP if fmt == "dolly" else {}), **(mapping or {})}
    prefix = id_prefix or f"import-{fmt}"
    prompts: list[Prompt] = []
    errors: list[InputError] = []
    ids: Counter[str] = Counter()
    duplicates = 0
    for line, row in _source_rows(path, fmt):
        try:
            prompt = _convert_row(
                row, columns, path, line, fmt, suite, default_difficulty, default_category
            )
        except InputError as exc:
            errors.append(exc)
            continue
        if prompt.id == _PENDING_ID:
            # the same text gets the same id on every import; exact repeats are numbered
            base = f"{prefix}-{prompt.category or 'none'}-{_content_hash(prompt)}"
            ids[base] += 1
            duplicates += ids[base] > 1
            prompt.id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        prompts.append(prompt)
    if not prompts and not errors:
        raise UserError(f"{path}: no prompts in the file (n = 0), nothing imported")
    if errors:
        shown = "\n".join(str(error) for error in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        rows = "row" if len(errors) == 1 else "rows"
        raise UserError(f"{len(errors)} bad {rows} in {path}, nothing imported:\n{shown}{more}")
    seen: dict[str, int] = {}
    for position, prompt in enumerate(prompts):
        if prompt.id in seen:
            where = prompts[seen[prompt.id]].source
            raise UserError(f"{prompt.source}: id: {prompt.id!r} is already used by {where}")
        seen[prompt.id] = position
    return ImportResult(prompts, duplicates)


def _source_rows(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if fmt == "csv":
        yield from _csv_rows(path)
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UserError(f"{path}:{number}: not valid UTF-8") from None
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise UserError(f"{path}:{number}: expected a JSON object")
            yield number, obj


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(first line, cells) of each record; a broken file stops at its line. Strict: a quote
    left open (which would swallow the rows after it into one prompt) and a record with more
    or fewer cells than the header are errors, not prompts."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(f"{path}:{line}: not valid UTF-8 (save the file as UTF-8)") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UserError(
            f"{path}:{line}: a NUL byte (a binary or UTF-16 file? save it as UTF-8 CSV)"
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header = next(reader, None)
        if not header or not any(name.strip() for name in header):
            raise UserError(f"{path}:1: the CSV file has no header row")
        start = reader.line_num + 1
        for values in reader:
            lines = reader.line_num - start + 1
            if len(values) > len(header):
                raise UserError(f"{path}:{start}: more cells than header columns")
            if values and any(v.strip() for v in values) and len(values) < len(header):
                hint = f" (its quoted text runs over {lines} lines: a quote left open?)"
                raise UserError(
                    f"{path}:{start}: {len(values)} cells for {len(header)} header columns"
                    + (hint if lines > 1 else "")
                )
            row = dict(zip(header, values, strict=False))
            cleaned = {k: v for k, v in row.items() if v.strip() != ""}
            if cleaned:
                yield start, cleaned
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(
            f"{path}:{start}: not valid CSV ({exc}; a quote left open from this line?)"
        ) from None


def _convert_row(
    row: dict[str, Any],
    columns: dict[str, str],
    path: Path,
    line: int,
    fmt: str,
    suite: str,
    default_difficulty: str | None,
    default_category: str | None,
) -> Prompt:
    def fail(field_name: str | None, problem: str) -> InputError:
        return InputError(str(path), line, field_name, problem)

    values: dict[str, Any] = {}
    origin: dict[str, str] = {}  # our field -> their column, for error messages
    metadata: dict[str, Any] = {}
    for theirs, value in row.items():
        ours = columns.get(theirs, theirs)
        if ours == IGNORE:
            continue
        if ours in _STRUCTURED and isinstance(value, str):
            try:
                value = json.loads(value)  # a CSV cell holding a list or an object
            except json.JSONDecodeError as exc:
                raise fail(theirs, f"not valid JSON ({exc.msg})") from None
        if ours in TEXT_FIELDS or ours in _PROMPT_FIELDS:
            if ours in values:
                raise fail(theirs, f"both {origin[ours]!r} and {theirs!r} map onto {ours!r}")
            values[ours], origin[ours] = value, theirs
        else:
            metadata[theirs] = value  # kept, never silently dropped
    if fmt == "dolly":
        for required in ("instruction", "category"):
            if required not in row:
                raise fail(required, "required field is missing")

    prompt_text_value = values.pop("prompt", None)
    context = values.pop("context", None)
    system = values.pop("system", None)
    if "messages" not in values:
        if prompt_text_value is None or not str(prompt_text_value).strip():
            raise fail(
                origin.get("prompt", "prompt"),
                "no prompt text (map a column onto it with --map COLUMN=prompt)",
            )
        content = str(prompt_text_value).strip()
        if context is not None and str(context).strip():
            content = f"{content}\n\n{str(context).strip()}"
        messages = [{"role": "system", "content": str(system)}] if system else []
        values["messages"] = [*messages, {"role": "user", "content": content}]
    elif prompt_text_value is not None or context is not None:
        raise fail(origin.get("prompt", origin.get("context")), "given together with messages")

    category = values.get("category", default_category)
    if category is not None:
        category = normalize_category(str(category))
        if category not in CATEGORIES:
            raise fail(
                origin.get("category", "category"),
                f"{values.get('category')!r} is not a known category "
                f"({', '.join(CATEGORIES)}; dolly names are translated)",
            )
        values["category"] = category
    elif suite == "bank":
        raise fail("category", "required for the bank (map a column or use --default-category)")
    if values.get("difficulty") is None and default_difficulty is not None:
        values["difficulty"] = default_difficulty
    elif isinstance(values.get("difficulty"), str):
        values["difficulty"] = values["difficulty"].strip().lower()

    if "source" in values:
        metadata["original_source"] = values.pop("source")
    values["source"] = f"import:{fmt}:{path.name}:{line}"
    values["suite"] = suite
    values["id"] = str(values["id"]) if values.get("id") is not None else _PENDING_ID
    if metadata:
        values["metadata"] = {**values.get("metadata", {}), **metadata}
    try:
        return Prompt.model_validate(values)
    except ValidationError as exc:
        field_name, message = describe_validation_error(exc)
        top = field_name.split(".")[0]
        raise fail(origin.get(top, field_name), message) from None


def compact(prompt: Prompt) -> dict[str, Any]:
    """A prompt as the bank files write it: no null fields, no empty metadata."""
    row = prompt.model_dump(mode="json", exclude_none=True)
    if not row.get("metadata"):
        row.pop("metadata", None)
    return row


def _content_hash(prompt: Prompt) -> str:
    """A stable id part: the same prompt text gives the same id on every import."""
    blob = json.dumps(
        [m.model_dump() for m in prompt.messages] + [prompt.category, prompt.difficulty],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:10]
