"""Loaders of public safety and factuality sets, read from local copies (never shipped with us).

Each loader maps the set's CSV rows onto Prompt records: `risk_area` and `subcategory` from the
safety rubric's taxonomy (rubrics/safety.yaml; the set's own category is kept in
`metadata["source_category"]`), `expected` behaviour (comply / refuse) and `source`
"<set>:<file>:<row>". A missing column or a bad value is an InputError naming file, line and
column.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.errors import InputError, UserError
from evalkit.paths import data_dir
from evalkit.records import Expected, Message, Prompt
from evalkit.suites.ifeval import load_ifeval_prompts


@dataclass(frozen=True)
class Row:
    """One CSV record: its 1-based data row, the file line it starts on, and its cells."""

    row: int
    line: int
    cells: dict[str, str]


def read_csv(path: str | os.PathLike[str], required: tuple[str, ...]) -> Iterator[Row]:
    """Rows of a UTF-8 CSV whose header has every `required` column (extra columns are fine)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(str(path), line, None, "not valid UTF-8") from None
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), 1, None, "empty file (expected a CSV header)") from None
    header = [name.strip() for name in header]
    for name in required:
        if name not in header:
            have = ", ".join(header)
            raise InputError(str(path), 1, name, f"missing column (the header has: {have})")
    row_number = 0
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(str(path), start, None, f"not valid CSV ({exc})") from None
        if not values or all(not v.strip() for v in values):
            start = reader.line_num + 1
            continue
        if len(values) != len(header):
            raise InputError(
                str(path), start, None, f"{len(values)} cells for {len(header)} columns"
            )
        row_number += 1
        yield Row(row=row_number, line=start, cells=dict(zip(header, values, strict=True)))
        start = reader.line_num + 1


def _need(path: Path, row: Row, column: str) -> str:
    value = row.cells[column].strip()
    if not value:
        raise InputError(str(path), row.line, column, "empty value")
    return value


def _choice(path: Path, row: Row, column: str, allowed: dict[str, Any]) -> Any:
    value = _need(path, row, column)
    if value not in allowed:
        options = ", ".join(sorted(allowed))
        problem = f"unknown value {value!r} (expected one of: {options})"
        raise InputError(str(path), row.line, column, problem)
    return allowed[value]


def _prompt(
    suite: str,
    native_id: str,
    text: str,
    path: Path,
    row: Row,
    *,
    risk_area: str,
    subcategory: str | None,
    expected: Expected,
    category: str = "safety",
    reference: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Prompt:
    return Prompt(
        id=f"{suite}-{native_id}",
        suite=suite,
        category=category,
        messages=[Message(role="user", content=text)],
        risk_area=risk_area,
        subcategory=subcategory,
        expected=expected,
        reference=reference,
        source=f"{suite}:{path.name}:{row.row}",
        metadata=metadata or {},
    )


def _unique(prompts: list[Prompt], path: Path, lines: dict[str, int]) -> list[Prompt]:
    seen: set[str] = set()
    for prompt in prompts:
        if prompt.id in seen:
            raise InputError(str(path), lines[prompt.id], "id", f"{prompt.id!r} is used twice")
        seen.add(prompt.id)
    if not prompts:
        raise InputError(str(path), None, None, "no rows")
    return prompts


# --------------------------------------------------------------------------- XSTest

XSTEST_EXPECTED: dict[str, Expected] = {"safe": "comply", "unsafe": "refuse"}


def _xstest_area(prompt_type: str, note: str) -> tuple[str, str]:
    if prompt_type.endswith("discr"):
        return "harmful_content", "hate_harassment"
    if "privacy" in prompt_type:
        return "sensitive_topics", "personal_data"
    if note == "drugs":
        return "harmful_content", "illegal_activity"
    return "harmful_content", "violence_weapons"  # homonyms, targets, contexts, history: violence


def load_xstest(path: str | os.PathLike[str]) -> list[Prompt]:
    """XSTest: 250 safe prompts that look unsafe (comply) and 200 unsafe contrasts (refuse)."""
    path = Path(path)
    prompts, lines = [], {}
    for row in read_csv(path, ("id", "prompt", "type", "label", "focus", "note")):
        native = _need(path, row, "id")
        expected = _choice(path, row, "label", XSTEST_EXPECTED)
        prompt_type = _need(path, row, "type")
        note = row.cells["note"].strip()
        area, sub = _xstest_area(prompt_type, note)
        prompt = _prompt(
            "xstest",
            native,
            _need(path, row, "prompt"),
            path,
            row,
            risk_area=area,
            subcategory=sub,
            expected=expected,
            metadata={
                "source_category": prompt_type,
                "label": row.cells["label"].strip(),
                "focus": row.cells["focus"].strip(),
                "note": note,
            },
        )
        prompts.append(prompt)
        lines[prompt.id] = row.line
    return _unique(prompts, path, lines)


# --------------------------------------------------------------------------- SimpleSafetyTests

SST_AREAS: dict[str, str] = {
    "Suicide, Self-Harm, and Eating Disorders": "self_harm",
    "Physical harm and Violence": "violence_weapons",
    "Illegal and Highly Regulated items": "illegal_activity",
    "Scams and fraud": "illegal_activity",
    "Child safety": "sexual_content",
}


def load_simplesafetytests(path: str | os.PathLike[str]) -> list[Prompt]:
    """SimpleSafetyTests: 100 clearly harmful prompts, all to be refused."""
    path = Path(path)
    prompts, lines = [], {}
    for row in read_csv(path, ("id", "harm_area", "counter", "category", "prompts_final")):
        native = _need(path, row, "id")
        sub = _choice(path, row, "harm_area", SST_AREAS)
        prompt = _prompt(
            "simplesafetytests",
            native.removeprefix("sst_"),
            _need(path, row, "prompts_final"),
            path,
            row,
            risk_area="harmful_content",
            subcategory=sub,
            expected="refuse",
            metadata={
                "source_category": row.cells["harm_area"].strip(),
                "prompt_type": row.cells["category"].strip(),
                "source_id": native,
            },
        )
        prompts.append(prompt)
        lines[prompt.id] = row.line
    return _unique(prompts, path, lines)


# --------------------------------------------------------------------------- HarmBench / AdvBench

HARMBENCH_AREAS: dict[str, tuple[str, str | None]] = {
    "chemical_biological": ("harmful_content", "violence_weapons"),
    "cybercrime_intrusion": ("harmful_content", "cyber_misuse"),
    "illegal": ("harmful_content", "illegal_activity"),
    "harassment_bullying": ("harmful_content", "hate_harassment"),
    "harmful": ("harmful_content", None),  # mixed: graphic violence, dangerous advice, ...
    "misinformation_disinformation": ("factuality", "fabrication"),
    "copyright": ("harmful_content", None),  # reproducing protected text; no rubric subcategory
}
HARMBENCH_FUNCTIONS = ("standard", "contextual", "copyright")
BEHAVIOR_COLUMNS = ("Behavior", "Tags", "ContextString", "BehaviorID")


def harmbench_text(behavior: str, context: str) -> str:
    """HarmBench's prompt for a contextual behaviour: the context, a rule, the request."""
    return f"{context}\n\n---\n\n{behavior}" if context else behavior


def load_harmbench(path: str | os.PathLike[str]) -> list[Prompt]:
    """HarmBench text behaviours (standard, contextual, copyright): all to be refused."""
    path = Path(path)
    prompts, lines = [], {}
    required = ("FunctionalCategory", "SemanticCategory", *BEHAVIOR_COLUMNS)
    for row in read_csv(path, required):
        function = _choice(path, row, "FunctionalCategory", {f: f for f in HARMBENCH_FUNCTIONS})
        area, sub = _choice(path, row, "SemanticCategory", HARMBENCH_AREAS)
        context = row.cells["ContextString"].strip()
        if function == "contextual" and not context:
            raise InputError(str(path), row.line, "ContextString", "empty for a contextual row")
        prompt = _prompt(
            "harmbench",
            _need(path, row, "BehaviorID"),
            harmbench_text(_need(path, row, "Behavior"), context),
            path,
            row,
            risk_area=area,
            subcategory=sub,
            expected="refuse",
            metadata={
                "source_category": row.cells["SemanticCategory"].strip(),
                "functional_category": function,
                "tags": [t.strip() for t in row.cells["Tags"].split(",") if t.strip()],
            },
        )
        prompts.append(prompt)
        lines[prompt.id] = row.line
    return _unique(prompts, path, lines)


def load_advbench(path: str | os.PathLike[str]) -> list[Prompt]:
    """AdvBench harmful behaviours (HarmBench's formatting): all to be refused. AdvBench has no
    categories, so `subcategory` is left empty rather than guessed."""
    path = Path(path)
    prompts, lines = [], {}
    for row in read_csv(path, ("Category", *BEHAVIOR_COLUMNS)):
        native = _need(path, row, "BehaviorID")
        prompt = _prompt(
            "advbench",
            native.removeprefix("advbench_"),
            harmbench_text(_need(path, row, "Behavior"), row.cells["ContextString"].strip()),
            path,
            row,
            risk_area="harmful_content",
            subcategory=None,
            expected="refuse",
            metadata={"source_id": native, "source_category": row.cells["Category"].strip()},
        )
        prompts.append(prompt)
        lines[prompt.id] = row.line
    return _unique(prompts, path, lines)


# --------------------------------------------------------------------------- TruthfulQA

TRUTHFULQA_SUBCATEGORY = {"Misquotations": "fabrication", "Statistics": "numeric_facts"}
TRUTHFULQA_TYPES = ("Adversarial", "Non-Adversarial")


def _answers(path: Path, row: Row, column: str) -> list[str]:
    answers = [a.strip() for a in _need(path, row, column).split(";") if a.strip()]
    if not answers:
        raise InputError(str(path), row.line, column, "no answers")
    return answers


def load_truthfulqa(path: str | os.PathLike[str]) -> list[Prompt]:
    """TruthfulQA: questions a model should answer truthfully (comply); `reference` is the best
    answer, the correct and incorrect answers are in metadata for factuality grading."""
    path = Path(path)
    prompts, lines = [], {}
    columns = ("Type", "Category", "Question", "Best Answer", "Correct Answers")
    for row in read_csv(path, (*columns, "Incorrect Answers", "Source")):
        category = _need(path, row, "Category")
        prompt = _prompt(
            "truthfulqa",
            str(row.row),
            _need(path, row, "Question"),
            path,
            row,
            risk_area="factuality",
            subcategory=TRUTHFULQA_SUBCATEGORY.get(category, "misconceptions"),
            expected="comply",
            category="open_qa",
            reference=_need(path, row, "Best Answer"),
            metadata={
                "source_category": category,
                "type": _choice(path, row, "Type", {t: t for t in TRUTHFULQA_TYPES}),
                "correct_answers": _answers(path, row, "Correct Answers"),
                "incorrect_answers": _answers(path, row, "Incorrect Answers"),
                "source_url": row.cells["Source"].strip(),
            },
        )
        prompts.append(prompt)
        lines[prompt.id] = row.line
    return _unique(prompts, path, lines)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class PublicSuite:
    name: str
    loader: Callable[[str | os.PathLike[str]], list[Prompt]]
    path: str  # relative to the data folder
    rows: int  # as documented in the set's SOURCE.md
    licence: str


PUBLIC_SUITES: dict[str, PublicSuite] = {
    s.name: s
    for s in (
        PublicSuite("xstest", load_xstest, "safety/xstest/xstest_prompts.csv", 450, "CC-BY-4.0"),
        PublicSuite(
            "simplesafetytests",
            load_simplesafetytests,
            "safety/simplesafetytests/simplesafetytests.csv",
            100,
            "CC-BY-4.0",
        ),
        PublicSuite(
            "harmbench",
            load_harmbench,
            "safety/harmbench/harmbench_behaviors_text_all.csv",
            400,
            "MIT",
        ),
        PublicSuite(
            "advbench", load_advbench, "safety/advbench/advbench_behaviors.csv", 520, "MIT"
        ),
        PublicSuite("truthfulqa", load_truthfulqa, "truthfulqa/TruthfulQA.csv", 817, "Apache-2.0"),
        PublicSuite("ifeval", load_ifeval_prompts, "ifeval/input_data.jsonl", 541, "Apache-2.0"),
    )
}
LOADERS: dict[str, Callable[[str | os.PathLike[str]], list[Prompt]]] = {
    name: suite.loader for name, suite in PUBLIC_SUITES.items()
}


def public_suite(name: str) -> PublicSuite:
    if name not in PUBLIC_SUITES:
        known = ", ".join(PUBLIC_SUITES)
        raise UserError(f"unknown public suite {name!r} (known: {known})")
    return PUBLIC_SUITES[name]


def _suite_for(name: str, data: str | os.PathLike[str] | None) -> PublicSuite:
    """The set a config suite loads: by its name, else by the file name of its `data:`."""
    if name in PUBLIC_SUITES:
        return PUBLIC_SUITES[name]
    if data is not None:
        for suite in PUBLIC_SUITES.values():
            if Path(suite.path).name == Path(data).name:
                return suite
    known = ", ".join(PUBLIC_SUITES)
    if data is None:
        raise UserError(f"unknown public suite {name!r} (known: {known})")
    raise UserError(
        f"suite {name!r}: no loader for {str(data)!r} (public sets: {known}; "
        "name the suite after one of them or keep the set's file name)"
    )


def public_suite_path(
    name: str,
    data_dir_: str | os.PathLike[str] | None = None,
    data: str | os.PathLike[str] | None = None,
) -> Path:
    """Where the set's file is: `data` (absolute, or relative to the data folder; default the
    set's usual path) inside `data_dir_` > $EVALKIT_DATA_DIR > ../shared/data."""
    relative = Path(data) if data is not None else Path(_suite_for(name, data).path)
    if relative.is_absolute():
        return relative
    root = data_dir(data_dir_)
    if root is None:
        raise UserError(
            f"{name}: no data folder: pass --data-dir or set EVALKIT_DATA_DIR (expected "
            f"{relative} inside it)"
        )
    return root / relative


def load_public_suite(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    data: str | os.PathLike[str] | None = None,
) -> list[Prompt]:
    """The prompts of public set `name` ("xstest", "harmbench", "ifeval", ...) read from
    `data` (default: the set's usual path) in the data folder."""
    suite = _suite_for(name, data)
    path = public_suite_path(name, data_dir, data)
    if suite.name == "ifeval" and not path.exists():
        from evalkit.suites.ifeval import load_ifeval

        return load_ifeval()  # $EVALKIT_DATA_DIR, default folder, or the hub when online
    return suite.loader(path)
