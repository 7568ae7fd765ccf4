"""Human grading commands: plan items into the grade store, export grades, serve the app.

    evalkit sxs plan RUN_DIR --candidate NAME --baselines A,B --raters 3 [--gold 5%]
    evalkit plan sxs|summarization|safety RUN_DIR ...      (`sxs plan` = `plan sxs`)
    evalkit grades export RUN_DIR --kind sxs --out grades.csv
    evalkit grades status RUN_DIR
    evalkit app RUN_DIR [--host ADDR --tls-cert FILE --tls-key FILE | --behind-proxy]

Raters and the store itself (`evalkit raters ...`, `evalkit store init`) are in `cli/raters.py`.

The store is `--db URL` > `$EVALKIT_DB` > `RUN_DIR/grades.sqlite`. A database password is never
printed or written: every message shows the URL with the password hidden.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer

from evalkit.errors import UserError
from evalkit.jsonio import check_outputs

if TYPE_CHECKING:
    from evalkit.planning import PlanOptions
    from evalkit.store import GradeStore

DB_HELP = "Grade store: SQLite path or postgresql:// URL (default $EVALKIT_DB, else run folder)."


def register(app: typer.Typer) -> None:
    """Add the grading commands to the `evalkit` app."""
    register_planning(app)
    register_grades(app)
    register_app_command(app)


# ============================================================================ planning


def register_planning(app: typer.Typer) -> None:
    """`evalkit plan <kind>` for every registered grading kind (`sxs plan` = `plan sxs`)."""
    from evalkit.kinds import all_kinds

    plan_app = typer.Typer(help="Plan grading items into the grade store.", no_args_is_help=True)
    for kind in all_kinds():
        factory = _comparison_command if kind.comparison else _single_response_command
        plan_app.command(kind.name)(factory(kind.name, kind.label))
    app.add_typer(plan_app, name="plan")
    sxs_app = typer.Typer(help="Side-by-side grading (alias of `evalkit plan sxs`).")
    sxs_app.command("plan")(_comparison_command("sxs", "Side by side"))
    app.add_typer(sxs_app, name="sxs")


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _split_many(values: Sequence[str] | None) -> list[str]:
    return [part for value in values or [] for part in _split(value)]


SEED_HELP = "Reproducible sides and order from this seed (tests only: weakens blinding)."


def _comparison_command(kind: str, label: str) -> Callable[..., None]:
    def command(
        run_dir: Path = typer.Argument(..., help="Run folder (prompts.jsonl + responses.jsonl)."),
        candidate: str = typer.Option(..., "--candidate", help="The model being evaluated."),
        baselines: str = typer.Option(..., "--baselines", help="Comma-separated baseline models."),
        raters: int = typer.Option(3, "--raters", help="Distinct raters per item (k)."),
        rater_names: str = typer.Option(
            None, "--rater-names", help="Comma-separated raters (default: all active raters)."
        ),
        gold: str = typer.Option(
            None, "--gold", help="Gold attention checks: a share (5%) or a count."
        ),
        category: list[str] = typer.Option(
            None, "--category", help="Only these categories (repeatable or comma-separated)."
        ),
        suite: list[str] = typer.Option(
            None, "--suite", help="Only these suites (default: bank; 'all' for every suite)."
        ),
        seed: int = typer.Option(None, "--seed", help=SEED_HELP),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        rubrics: Path = typer.Option(None, "--rubrics", help="Rubrics folder (default rubrics/)."),
    ) -> None:
        from evalkit.planning import PlanOptions

        options = PlanOptions(
            kind=kind, raters_per_item=raters, rater_names=_split(rater_names),
            candidate=candidate, baselines=_split(baselines), categories=_split_many(category),
            suites=_split_many(suite) or None, gold=gold, seed=seed, db=db,
            rubrics_dir=str(rubrics) if rubrics else None,
        )  # fmt: skip
        _plan(run_dir, options)

    command.__name__ = command.__qualname__ = f"plan_{kind}_command"
    command.__doc__ = f"""Plan {label.lower()} items: the candidate against each baseline on the
    same prompt, k raters each; sides, order and gold placement from a secret kept in the store.

    Example: evalkit plan {kind} runs/demo --candidate smollm2-135m --baselines gemma3-270m
    --raters 3 --gold 5%
    """
    return command


def _single_response_command(kind: str, label: str) -> Callable[..., None]:
    def command(
        run_dir: Path = typer.Argument(..., help="Run folder (prompts.jsonl + responses.jsonl)."),
        models: str = typer.Option(None, "--models", help="Comma-separated models (default: all)."),
        raters: int = typer.Option(3, "--raters", help="Distinct raters per item (k)."),
        rater_names: str = typer.Option(None, "--rater-names", help="Comma-separated raters."),
        seed: int = typer.Option(None, "--seed", help=SEED_HELP),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        rubrics: Path = typer.Option(None, "--rubrics", help="Rubrics folder (default rubrics/)."),
    ) -> None:
        from evalkit.planning import PlanOptions

        options = PlanOptions(
            kind=kind, raters_per_item=raters, rater_names=_split(rater_names),
            models=_split(models), seed=seed, db=db,
            rubrics_dir=str(rubrics) if rubrics else None,
        )  # fmt: skip
        _plan(run_dir, options)

    command.__name__ = command.__qualname__ = f"plan_{kind}_command"
    command.__doc__ = f"""Plan {label.lower()} items: one response each, k raters each.

    Example: evalkit plan {kind} runs/demo --raters 2
    """
    return command


def _plan(run_dir: Path, options: PlanOptions) -> None:
    """Plan through the library, then say what was made and what could not be."""
    from evalkit.planning import plan

    result = plan(run_dir, options)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    report = result.report
    loads = result.load
    typer.echo(
        f"planned {result.kind}: {len(result.items)} items ({report.gold} gold) from "
        f"{report.prompts_in_scope} prompts; {result.added} new, "
        f"{result.already_planned} already planned; {result.assignments} assignments, "
        f"{options.raters_per_item} raters per item over {len(result.raters)} raters "
        f"(load {min(loads.values())}-{max(loads.values())})"
    )
    for line in report.missing_lines():  # counted, never dropped in silence
        typer.echo(f"not planned: {line}")
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"store: {result.store_url}")
    typer.echo(f"plan: {result.plan_path}")


# ============================================================================ the store


def _open_store(run_dir: Path | None, db: str | None) -> GradeStore:
    """The existing store named by --db, $EVALKIT_DB or a run folder; one of them is required.
    Reading never creates a store (`evalkit store init` and `evalkit plan` do)."""
    from evalkit.store import DB_ENV, GradeStore, open_run_store

    if run_dir is not None:
        if not run_dir.is_dir():
            raise UserError(f"{run_dir}: run folder not found")
        return open_run_store(run_dir, db)
    if db or os.environ.get(DB_ENV):
        return GradeStore(db or os.environ[DB_ENV], create=False)
    raise UserError(f"which grade store? give a run folder, --db URL or set ${DB_ENV}")


# ============================================================================ grades


def register_grades(app: typer.Typer) -> None:
    grades_app = typer.Typer(help="Grades in the store.", no_args_is_help=True)
    grades_app.command("export")(grades_export_command)
    grades_app.command("status")(grades_status_command)
    app.add_typer(grades_app, name="grades")


def grades_export_command(
    run_dir: Path = typer.Argument(None, help="Run folder (or use --db)."),
    kind: str = typer.Option(
        ..., "--kind", help="A grading kind: sxs, safety, summarization, or a project's own."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="FILE.csv, FILE.jsonl or FILE.parquet."),
    include_auto: bool = typer.Option(
        False, "--include-auto/--humans-only", help="Include automatic graders' grades."
    ),
    include_gold: bool = typer.Option(
        False, "--include-gold", help="Include gold attention-check items."
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write current grades (skips excluded) in the statistics' format, which
    `evalkit stats ... GRADES_FILE` reads back. CSV cells that a spreadsheet would run as a
    formula are neutralised (a leading apostrophe); JSONL and Parquet keep values exactly.

    sxs: score −2..2, positive = model_a's response preferred (model_a = the candidate).
    Example: evalkit grades export runs/demo --kind sxs --out runs/demo/sxs_grades.csv
    """
    from evalkit.exports import SUFFIXES, write_frame
    from evalkit.kinds import get_kind
    from evalkit.stats.frames import COMMON

    try:
        grading = get_kind(kind)
    except UserError as exc:
        raise UserError(f"--kind {kind}: {exc}") from None
    if out.suffix.lower() not in SUFFIXES:
        raise UserError(f"--out {out}: use a .csv, .jsonl or .parquet file name")
    check_outputs(out)  # before the work
    with _open_store(run_dir, db) as store:
        frame = store.grade_frame(grading.name, include_auto=include_auto)
        source = store.display_url
    if not include_gold:
        frame = frame[~frame["is_gold"].astype(bool)]
    if frame.empty:  # an export of nothing is a mistake to say, not an empty file
        raise UserError(
            f"{source}: no {kind} grades to export (n = 0)"
            + ("" if include_auto else "; automatic grades are left out without --include-auto")
        )
    rows = [grading.export_row(row) for row in frame.to_dict("records")]
    flat = pd.DataFrame(rows)
    leading = [c for c in COMMON if c in flat.columns]
    flat = flat[leading + [c for c in flat.columns if c not in leading]]
    write_frame(flat, out)
    typer.echo(f"exported {len(flat)} {kind} grades from {source} to {out}")


def grades_status_command(
    run_dir: Path = typer.Argument(None, help="Run folder (or use --db)."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Progress per rater: assigned, done, skipped, flagged."""
    with _open_store(run_dir, db) as store:
        status = store.status()
        typer.echo(f"grade store {store.display_url}")
    if status.empty:
        typer.echo("no assignments yet (plan items with `evalkit sxs plan`)")
        return
    typer.echo(status.to_string(index=False))


# ============================================================================ evalkit app
# >>> `evalkit app` (owned by the app engineer): define the command below and register it in
# >>> register_app_command(). The grading commands above do not depend on it.


def register_app_command(app: typer.Typer) -> None:
    """Register `evalkit app` (the Streamlit rater/admin app): filled in by the app engineer."""
    app.command("app")(_app_command)


def _app_command(
    run_dir: Path = typer.Argument(None, help="Run folder whose grades.sqlite is the store."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    port: int = typer.Option(8501, "--port", help="Port to serve on."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (default: this machine only)."
    ),
    tls_cert: Path = typer.Option(None, "--tls-cert", help="TLS certificate (PEM) to serve HTTPS."),
    tls_key: Path = typer.Option(None, "--tls-key", help="The certificate's private key (PEM)."),
    behind_proxy: bool = typer.Option(
        False,
        "--behind-proxy",
        help="A reverse proxy terminates TLS in front of the app (and sets X-Forwarded-For).",
    ),
    rubrics: Path = typer.Option(None, "--rubrics", help="Rubrics folder (default rubrics/)."),
) -> None:
    """Serve the rater and admin app (Streamlit) on an existing grade store.

    It binds to 127.0.0.1 unless --host is given; on any other address it warns unless TLS is
    on (--tls-cert/--tls-key) or --behind-proxy says a proxy terminates TLS (README: Deploying
    the rater app).

    Example: evalkit app runs/demo --port 8501     (then open http://127.0.0.1:8501)
    """
    from evalkit.app_support import app_warnings, check_tls, serve_app

    cert, key = check_tls(str(tls_cert) if tls_cert else None, str(tls_key) if tls_key else None)
    for warning in app_warnings(host, tls=cert is not None, behind_proxy=behind_proxy):
        typer.echo(f"warning: {warning}", err=True)
    code = serve_app(
        run_dir, db, port=port, host=host, rubrics_dir=rubrics,
        tls_cert=cert, tls_key=key, behind_proxy=behind_proxy,
    )  # fmt: skip
    raise typer.Exit(code)
