"""`evalkit gate --gates GATES.yaml RUN_DIR...`: release gates for CI.

Exit 0 when every gate passes, 1 when a gate fails (too few samples included), 2 on missing
data or a bad gates file. The verdict table always prints; `--junit` and `--markdown` write the
CI artefacts (with `$GITHUB_STEP_SUMMARY` set and no `--markdown`, the summary is appended there).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer


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
    ) -> None:
        """Decide release gates on the runs' 95% intervals; exit 0 pass, 1 fail, 2 missing data."""
        from evalkit.gates import junit_xml, load_gates, markdown_summary, print_verdicts, run_gates
        from evalkit.stats.frames import load_runs

        spec = load_gates(gates)
        frames = load_runs(list(run_dirs), db)
        report = run_gates(spec, frames, db, [str(d) for d in run_dirs])
        print_verdicts(report)
        if junit:
            _write(junit, junit_xml(report))
        summary = markdown_summary(report)
        if markdown:
            _write(markdown, summary)
        elif os.environ.get("GITHUB_STEP_SUMMARY"):
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
                handle.write(summary)
        if report.exit_code == 2:
            typer.echo("error: missing data for some gates (see MISSING above)", err=True)
        raise typer.Exit(report.exit_code)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
