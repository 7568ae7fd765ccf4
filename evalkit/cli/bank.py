"""`evalkit bank validate|stats|import` and `evalkit rubric validate`: a thin layer over
`evalkit.bank` and `evalkit.rubrics`.

Exit codes: 0 all good, 1 the checked content has problems, 2 a path or option is wrong.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from evalkit import bank
from evalkit.jsonio import write_records
from evalkit.paths import PROMPTS_DIR, RUBRICS_DIR
from evalkit.rubrics import rubric_problems

bank_app = typer.Typer(help="The prompt bank: validate, describe, import.", no_args_is_help=True)
rubric_app = typer.Typer(help="Grading rubrics (rubrics/*.yaml).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this step's commands to the `evalkit` app."""
    app.add_typer(bank_app, name="bank")
    app.add_typer(rubric_app, name="rubric")


def _default(relative: str, packaged: Path) -> Path:
    """The project's folder in the working directory if there is one, else evalkit's own."""
    local = Path(relative)
    return local if local.exists() else packaged


def _suites(adversarial: Path | None, no_adversarial: bool) -> Path | None:
    """The adversarial suites read beside the bank: --adversarial, else prompts/adversarial/
    (the project's, else evalkit's own) when it exists; None with --no-adversarial."""
    if no_adversarial:
        return None
    if adversarial is not None:
        return adversarial
    folder = _default("prompts/adversarial", PROMPTS_DIR / "adversarial")
    return folder if folder.exists() else None


AdversarialOption = Annotated[
    Path | None,
    typer.Option(
        "--adversarial",
        help="Adversarial suites (folder or JSONL file) to check beside the bank "
        "(default: prompts/adversarial/ when it exists).",
    ),
]
NoAdversarialOption = Annotated[
    bool, typer.Option("--no-adversarial", help="Leave the adversarial suites out.")
]


@bank_app.command("validate")
def validate(
    path: Annotated[Path | None, typer.Argument(help="Bank folder or JSONL file.")] = None,
    min_per_cell: Annotated[
        int, typer.Option(min=0, help="Least prompts per category × difficulty.")
    ] = bank.MIN_PER_CELL,
    similarity: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Report pairs inside the bank (and inside the suites, twins aside) at or "
            "above this n-gram Jaccard.",
        ),
    ] = bank.SIMILARITY,
    cross_similarity: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Report adversarial prompts at or above this n-gram Jaccard with a bank prompt.",
        ),
    ] = bank.CROSS_SIMILARITY,
    ngram: Annotated[int, typer.Option(min=1, help="Words per shingle.")] = bank.NGRAM,
    categories: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated categories whose cells must be full "
            "(default: all 14 for a folder, those present for a file)."
        ),
    ] = None,
    min_per_area: Annotated[
        int, typer.Option(min=0, help="Least adversarial prompts per risk area.")
    ] = bank.MIN_PER_AREA,
    adversarial: AdversarialOption = None,
    no_adversarial: NoAdversarialOption = False,
) -> None:
    """Check schema, ids, labels, references, checklists, conversations, cell sizes and
    near-duplicates of the bank, and the adversarial suites beside it (twins, severity,
    subcategory, tactic, answers, prompts per area, near-duplicates of bank prompts); exit 1
    on problems."""
    target = path or _default("prompts/bank", PROMPTS_DIR / "bank")
    wanted = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    rubrics = _default("rubrics", RUBRICS_DIR)
    suites = _suites(adversarial, no_adversarial)
    report = bank.validate_bank(
        target,
        min_per_cell,
        similarity,
        ngram,
        wanted,
        rubrics,
        adversarial=suites,
        cross_similarity=cross_similarity,
        min_per_area=min_per_area,
    )
    for problem in report.problems:
        typer.echo(str(problem))
    full = sum(
        1
        for category in report.required_categories
        for difficulty in bank.DIFFICULTIES
        if report.cells.get((category, difficulty), 0) >= min_per_cell
    )
    typer.echo(
        f"{target}: {len(report.files)} files, {len(report.prompts)} prompts, "
        f"{full}/{len(report.required_categories) * 3} cells with ≥{min_per_cell}, "
        f"near-duplicates at similarity ≥{similarity:g}"
    )
    if suites is not None:
        areas = ", ".join(f"{area} {report.areas.get(area, 0)}" for area in report.required_areas)
        typer.echo(
            f"{suites}: {len(report.adversarial_files)} files, {len(report.adversarial)} "
            f"prompts ({areas}; ≥{min_per_area} per area), "
            f"{len(report.cross_duplicates)} near-duplicates of bank prompts at "
            f"similarity ≥{cross_similarity:g}"
        )
    typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


def _table(
    title: str, frame: pd.DataFrame, index_name: str, formats: dict[str, str] | None = None
) -> Table:
    """A rich table of a DataFrame: the index first, then every column (ints as ints)."""
    formats = formats or {}
    table = Table(title=title)
    table.add_column(index_name, no_wrap=True)
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for label, row in frame.iterrows():
        cells = []
        for column, value in row.items():
            spec = formats.get(str(column))
            cells.append(format(value, spec) if spec else str(int(value)))
        table.add_row(str(label), *cells)
    return table


@bank_app.command("stats")
def stats(
    path: Annotated[Path | None, typer.Argument(help="Bank folder or JSONL file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    adversarial: AdversarialOption = None,
    no_adversarial: NoAdversarialOption = False,
) -> None:
    """Prompts per category × difficulty, prompt length (words) per difficulty and per
    category, multi-turn and system-prompt counts; the adversarial suites per area by
    expected, severity, difficulty, subcategory, tactic, language and twins."""
    target = path or _default("prompts/bank", PROMPTS_DIR / "bank")
    prompts = bank.load_bank(target)
    suites = _suites(adversarial, no_adversarial)
    suite_prompts = bank.load_bank(suites) if suites is not None else None
    if as_json:
        data = bank.bank_stats(prompts)
        if suite_prompts is not None:
            data["adversarial"] = bank.adversarial_stats(suite_prompts)
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = Console()
    frame = bank.bank_frame(prompts)
    if frame.empty:
        console.print(f"{target}: no prompts")
    else:
        _print_bank(console, target, frame)
    if suites is not None and suite_prompts is not None:
        _print_adversarial(console, suites, suite_prompts)


def _print_bank(console: Console, target: Path, frame: pd.DataFrame) -> None:
    counts = bank.count_table(frame)
    console.print(f"{target}: {len(frame)} prompts", soft_wrap=True)
    table = _table("prompts by category × difficulty", counts, "category")
    totals = counts.sum(axis=0)
    table.add_row("total", *(str(int(v)) for v in totals), style="bold")
    console.print(table)

    long = bank.LONG_PROMPT_WORDS
    by_difficulty = bank.difficulty_length_table(frame, long).rename(
        columns={"over_long": f"> {long:,}", "share_over_long": f"share > {long:,}"}
    )
    console.print(
        _table(
            "prompt length in words per difficulty",
            by_difficulty,
            "difficulty",
            {"median": "g", "p90": ".1f", f"share > {long:,}": ".1%"},
        )
    )
    console.print(
        _table(
            "prompt length in words per category",
            bank.length_table(frame),
            "category",
            {"median": "g", "p90": ".1f"},
        )
    )
    turns = bank.turns_table(frame)
    turns = turns[(turns["multi_turn"] > 0) | (turns["system"] > 0)]
    console.print(
        f"multi-turn prompts (2+ user turns): {int((frame['user_turns'] >= 2).sum())}; "
        f"with a system message: {int(frame['system'].sum())}",
        soft_wrap=True,
    )
    if not turns.empty:
        console.print(_table("conversations", turns, "category"))


def _print_adversarial(console: Console, suites: Path, prompts: list) -> None:
    frame = bank.adversarial_frame(prompts)
    data = bank.adversarial_stats(prompts)
    console.print(f"{suites}: {len(frame)} adversarial prompts", soft_wrap=True)
    if frame.empty:
        return
    summary = {
        area: {
            "prompts": entry["n"],
            "refuse": entry["expected"].get("refuse", 0),
            "comply": entry["expected"].get("comply", 0),
            "twinned": entry["with_twin"],
            "pairs": entry["twin_pairs"],
            "multi-turn": entry["multi_turn"],
        }
        for area, entry in data["areas"].items()
    }
    console.print(_table("adversarial prompts per area", pd.DataFrame(summary).T, "area"))
    for column in bank.ADVERSARIAL_FIELDS:
        if column == "expected":
            continue
        console.print(_table(f"by {column}", bank.adversarial_table(frame, column), column))


@bank_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="The file to import.")],
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl, csv, or dolly (databricks-dolly-15k JSONL).")
    ] = "jsonl",
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="THEIRS=OURS: their field onto a Prompt field, or prompt, context, system, "
            "ignore. Repeatable.",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write JSONL here (default: stdout).")] = None,
    suite: Annotated[str, typer.Option(help="The suite of the imported prompts.")] = "bank",
    default_difficulty: Annotated[
        str, typer.Option(help="Difficulty of rows that have none.")
    ] = "medium",
    default_category: Annotated[
        str | None, typer.Option(help="Category of rows that have none.")
    ] = None,
    id_prefix: Annotated[
        str | None, typer.Option(help="Prefix of generated ids (default import-<format>).")
    ] = None,
) -> None:
    """Bring another team's prompts into evalkit's Prompt schema, with stable ids."""
    result = bank.import_prompts(
        source,
        fmt,
        bank.parse_map(mapping or []),
        suite=suite,
        default_difficulty=default_difficulty,
        default_category=default_category,
        id_prefix=id_prefix,
    )
    rows = [bank.compact(prompt) for prompt in result.prompts]
    if out is None:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        write_records(out, rows)
    note = (
        f" ({result.exact_duplicates} repeat earlier rows; their ids end in -2, -3, ...)"
        if result.exact_duplicates
        else ""
    )
    where = out if out is not None else "stdout"
    typer.echo(f"imported {len(result.prompts)} prompts from {source} to {where}{note}", err=True)


@rubric_app.command("validate")
def rubric_validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rubric YAML files (default: every grading kind's rubric)."),
    ] = None,
) -> None:
    """Check rubric files; every mistake is printed as path:line: key: problem (exit 1)."""
    if not paths:
        from evalkit.kinds import all_kinds

        paths = [kind.rubric_path() for kind in all_kinds()]  # the files the kinds load
    failed = 0
    for path in paths:
        problems = rubric_problems(path)
        for problem in problems:
            typer.echo(problem)
        if problems:
            failed += 1
        else:
            typer.echo(f"{path}: ok")
    typer.echo(f"{len(paths)} rubric files, {failed} with problems")
    if failed:
        raise typer.Exit(1)
