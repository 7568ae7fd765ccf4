"""Importing another team's prompts (JSONL, CSV or Dolly) into evalkit's Prompt schema.

Columns map onto our fields (`--map their=ours`), Dolly's names are translated, and every bad
row is reported at once with its file and line; nothing is written when any row is bad. A prompt
without an id gets one from a hash of its text, so the same text gets the same id every time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalkit.errors import InputError, UserError
from evalkit.jsonio import describe_validation_error
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt

IMPORT_FORMATS = ("jsonl", "csv", "dolly")
# pseudo-fields a source column may map onto besides Prompt's own fields
TEXT_FIELDS = ("prompt", "context", "system")
IGNORE = "ignore"
DOLLY_MAP = {"instruction": "prompt", "context": "context", "response": "reference"}
CATEGORY_ALIASES = {
    "general_qa": "open_qa",
    "information_extraction": "extraction",
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
