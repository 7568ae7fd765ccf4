"""Reading a bank: its files, and each prompt with the file and line it came from.

`read_bank_file` keeps going past a bad line (a `Problem` for each) so validation can report
every problem at once; `load_bank` is the strict reader for commands that only need prompts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evalkit.errors import InputError, UserError
from evalkit.jsonio import parse_json_line, read_records, validate_record
from evalkit.records import Prompt


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
