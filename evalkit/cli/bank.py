"""`evalkit bank validate|stats|import` and `evalkit rubric validate`: a thin layer over
`evalkit.bank` and `evalkit.rubrics`.

Exit codes: 0 all good, 1 the checked content has problems, 2 a path or option is wrong.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from evalkit import bank
from evalkit.jsonio import write_records
from evalkit.paths import PROMPTS_DIR, RUBRICS_DIR
from evalkit.rubrics import RUBRIC_FILES, rubric_problems

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


@bank_app.command("validate")
def validate(
    path: Annotated[Path | None, typer.Argument(help="Bank folder or JSONL file.")] = None,
    min_per_cell: Annotated[
        int, typer.Option(min=0, help="Least prompts per category × difficulty.")
    ] = bank.MIN_PER_CELL,
    similarity: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Report pairs at or above this n-gram Jaccard."),
    ] = bank.SIMILARITY,
    ngram: Annotated[int, typer.Option(min=1, help="Words per shingle.")] = bank.NGRAM,
    categories: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated categories whose cells must be full "
            "(default: all 11 for a folder, those present for a file)."
        ),
    ] = None,
) -> None:
    """Check schema, ids, labels, references, cell sizes and near-duplicates; exit 1 on problems."""
    target = path or _default("prompts/bank", PROMPTS_DIR / "bank")
    wanted = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    rubrics = _default("rubrics", RUBRICS_DIR)
    report = bank.validate_bank(target, min_per_cell, similarity, ngram, wanted, rubrics)
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
        f"near-duplicates at similarity ≥{similarity:g}; {report.summary()}"
    )
    if not report.ok:
        raise typer.Exit(1)


@bank_app.command("stats")
def stats(
    path: Annotated[Path | None, typer.Argument(help="Bank folder or JSONL file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Prompts per category × difficulty and prompt length (words) per category."""
    target = path or _default("prompts/bank", PROMPTS_DIR / "bank")
    prompts = bank.load_bank(target)
    if as_json:
        typer.echo(json.dumps(bank.bank_stats(prompts), indent=2))
        return
    frame = bank.bank_frame(prompts)
    console = Console()
    if frame.empty:
        console.print(f"{target}: no prompts")
        return
    counts = bank.count_table(frame)
    console.print(f"{target}: {len(frame)} prompts", soft_wrap=True)
    table = Table(title="prompts by category × difficulty")
    table.add_column("category")
    for column in counts.columns:
        table.add_column(str(column), justify="right")
    for category, row in counts.iterrows():
        table.add_row(str(category), *(str(int(v)) for v in row))
    totals = counts.sum(axis=0)
    table.add_row("total", *(str(int(v)) for v in totals), style="bold")
    console.print(table)

    lengths = bank.length_table(frame)
    table = Table(title="prompt length in words")
    table.add_column("category")
    for column in ("n", "min", "median", "p90", "max"):
        table.add_column(column, justify="right")
    for category, row in lengths.iterrows():
        table.add_row(
            str(category),
            str(int(row["n"])),
            str(int(row["min"])),
            f"{row['median']:g}",
            f"{row['p90']:.1f}",
            str(int(row["max"])),
        )
    console.print(table)


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
        typer.Argument(help="Rubric YAML files (default: the three in rubrics/)."),
    ] = None,
) -> None:
    """Check rubric files; every mistake is printed as path:line: key: problem (exit 1)."""
    if not paths:
        folder = _default("rubrics", RUBRICS_DIR)
        paths = [folder / f"{name}.yaml" for name in RUBRIC_FILES]
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
