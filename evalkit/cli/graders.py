"""`evalkit graders eval ...`: each automatic grader's own error, measured on labelled data.

    evalkit graders eval refusal [--set dev|test|PATH]   # default: evalkit's test split
    evalkit graders eval factuality --set PATH
    evalkit graders eval judge RUN_DIR [--db URL]
    evalkit graders eval summary [--set dev|test|PATH]   # the summary checks; default: test
    evalkit graders eval summary RUN_DIR [--db URL]      # against the run's human ratings

Prints precision / recall / F1 (or agreement) with 95% intervals (Wilson for rates, a bootstrap
over items for F1), per persona / style when the set has them, and the confusion matrix;
`--json` prints the same as one JSON record. See `evalkit.graders`.
"""

from __future__ import annotations

import typer

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES

graders_app = typer.Typer(
    name="graders",
    help="Measure the automatic graders against labelled data (refusal, factuality, judge, "
    "summary).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add `evalkit graders ...`."""
    app.add_typer(graders_app, name="graders")


@graders_app.command("eval")
def eval_command(
    grader: str = typer.Argument(..., help="refusal | factuality | judge | summary"),
    run_dir: str | None = typer.Argument(
        None, help="judge, summary: the run folder (its grade store)."
    ),
    set_: str | None = typer.Option(
        None,
        "--set",
        help="refusal, summary: dev, test (default) or a labelled JSONL; factuality: a "
        "labelled JSONL.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    resamples: int = typer.Option(DEFAULT_RESAMPLES, help="Bootstrap resamples for F1."),
    seed: int | None = typer.Option(None, help="Bootstrap seed (default: evalkit's fixed seed)."),
    db: str | None = typer.Option(
        None, "--db", help="judge, summary: grade store URL (default: $EVALKIT_DB, else the run's)."
    ),
) -> None:
    """A grader against labelled data: its precision, recall, F1 or agreement, with 95% CIs."""
    from evalkit import graders
    from evalkit.errors import UserError

    name = grader.strip().lower()
    if name == "refusal":
        report = graders.eval_refusal(set_ or "test", resamples=resamples, seed=seed)
        text = graders.format_report(report)
    elif name == "factuality":
        if not set_:
            raise UserError("factuality needs a labelled set: --set PATH")
        report = graders.eval_factuality(set_, resamples=resamples, seed=seed)
        text = graders.format_factuality(report)
    elif name == "judge":
        target = run_dir or set_
        if not target:
            raise UserError("judge needs a run folder: evalkit graders eval judge RUN_DIR")
        report = graders.eval_judge(target, db)
        text = graders.format_judge(report)
    elif name in graders.SUMMARY_NAMES:
        from evalkit.summarization import accuracy

        if run_dir and set_:
            raise UserError("summary: give a run folder or --set, not both")
        if run_dir:
            report = accuracy.eval_run(run_dir, db, resamples=resamples, seed=seed)
        else:
            report = accuracy.eval_labelled(set_ or "test", resamples=resamples, seed=seed)
        text = accuracy.format_summary_report(report)
    else:
        raise UserError(f"unknown grader {grader!r}: refusal, factuality, judge or summary")
    typer.echo(graders.to_json(report) if json_out else text)
