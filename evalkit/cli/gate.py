"""`evalkit gate --gates GATES.yaml RUN_DIR...`: release gates for CI.

Exit 0 when every gate passes, 1 when a gate fails (too few prompts included), 2 on missing
data, a bad gates file or an output that cannot be written. The verdict table always prints
(the rows of `evalkit.gates.verdict_rows`, the same the report and the Markdown summary show);
`--junit` and `--markdown` write the CI artefacts (with `$GITHUB_STEP_SUMMARY` set and no
`--markdown`, the summary is appended there). `--exclude-flagged` drops the grades of the raters
`evalkit stats raters` flags before deciding, and names each (with why) above the table.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from evalkit.gates import GateReport

STYLE = {"pass": "green", "fail": "red", "insufficient": "red", "missing": "yellow"}
COLUMNS = ("Gate", "Metric", "Model", "Filter", "Graders", "Value [95% CI]", "n", "Rule", "Verdict")


def register(app: typer.Typer) -> None:
    """Add `evalkit gate`."""

    @app.command("gate")
    def gate(
        run_dirs: list[Path] = typer.Argument(
            ..., help="Run folders (their grades and scores are pooled)."
        ),
        gates: Path = typer.Option(..., "--gates", "-g", help="Gates file (YAML)."),
        junit: Path | None = typer.Option(None, "--junit", help="Write JUnit XML here."),
        markdown: Path | None = typer.Option(
            None, "--markdown", help="Write a Markdown summary here."
        ),
        db: str | None = typer.Option(
            None, "--db", help="Grade store URL (default: $EVALKIT_DB, else RUN_DIR/grades.sqlite)."
        ),
        history: Path | None = typer.Option(
            None,
            "--history",
            help="A JSONL history file: this run's verdicts are appended, and the Markdown "
            "summary gets a one-line trend per gate over every run recorded there.",
        ),
        exclude_flagged: bool = typer.Option(
            False,
            "--exclude-flagged",
            help="Drop the grades of the raters `evalkit stats raters` flags (per kind, in the "
            "runs and any baseline run) before deciding; each excluded rater is named, with why.",
        ),
    ) -> None:
        """Decide release gates on the runs' 95% intervals; exit 0 pass, 1 fail, 2 missing data."""
        from evalkit.gates import junit_xml, load_gates, markdown_summary, run_gates
        from evalkit.jsonio import check_outputs, write_texts
        from evalkit.stats.runs import load_runs

        step_summary = None if markdown else os.environ.get("GITHUB_STEP_SUMMARY") or None
        check_outputs(junit, markdown, step_summary)  # before the work, not after it
        spec = load_gates(gates)
        frames = load_runs(list(run_dirs), db)
        report = run_gates(spec, frames, db, [str(d) for d in run_dirs], exclude_flagged)
        if exclude_flagged:
            from evalkit.cli.stats import say_excluded

            say_excluded(report.excluded)
        print_verdicts(report)
        trends = None
        if history:
            from evalkit.report.history import (
                append_history,
                read_history,
                trend_lines,
                verdict_records,
            )

            append_history(history, verdict_records(report))
            trends = trend_lines(read_history(history))
        summary = markdown_summary(report, trends)
        outputs = {junit: junit_xml(report)} if junit else {}
        if markdown:
            outputs[markdown] = summary
        write_texts(outputs)  # all or nothing: never a JUnit file without its summary
        if not markdown and os.environ.get("GITHUB_STEP_SUMMARY"):
            _append_step_summary(os.environ["GITHUB_STEP_SUMMARY"], summary)
        if report.exit_code == 2:
            typer.echo("error: missing data for some gates (see MISSING above)", err=True)
        raise typer.Exit(report.exit_code)


def print_verdicts(report: GateReport, console: Any | None = None) -> None:
    """The verdict table (rows of `verdict_rows`), the headline, and why each gate failed."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from evalkit.gates import headline, verdict_rows

    if console is None:
        console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
    table = Table(title=f"Release gates — {report.summary()}", title_justify="left")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in verdict_rows(report):
        cells = [
            row[key]
            for key in ("gate", "metric", "model", "filter", "graders", "value", "n", "rule")
        ]
        table.add_row(
            *(escape(c) for c in cells), f"[{STYLE[row['status']]}]{escape(row['verdict'])}[/]"
        )
    console.print(table)
    tone = "green" if report.exit_code == 0 else ("yellow" if report.exit_code == 2 else "red")
    console.print(f"[bold {tone}]{escape(headline(report))}[/]")
    for v in report.verdicts:
        if not v.passed:
            console.print(
                f"[{STYLE[v.status]}]{escape(v.label)}[/] {escape(v.gate.name)}: {escape(v.reason)}"
            )


def _append_step_summary(path: str, text: str) -> None:
    """Append to the CI step summary (a file other steps write too: appended, not replaced)."""
    from evalkit.errors import UserError

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UserError(
            f"{path} ($GITHUB_STEP_SUMMARY): cannot write: {exc.strerror or exc}"
        ) from None
