"""Human grading commands: plan items into the grade store, manage raters, export grades.

    evalkit sxs plan RUN_DIR --candidate NAME --baselines A,B --raters 3 [--gold 5%]
    evalkit plan sxs|summarization|safety RUN_DIR ...      (`sxs plan` = `plan sxs`)
    evalkit raters add NAME --role rater|admin [--token | --password-stdin]
    evalkit raters list | deactivate NAME | reset NAME
    evalkit grades export RUN_DIR --kind sxs --out grades.csv
    evalkit grades status RUN_DIR

The store is `--db URL` > `$EVALKIT_DB` > `RUN_DIR/grades.sqlite`. A database password is never
printed or written: every message shows the URL with the password hidden.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import typer

from evalkit.errors import UserError
from evalkit.jsonio import atomic_output, check_outputs, write_text

DB_HELP = "Grade store: SQLite path or postgresql:// URL (default $EVALKIT_DB, else run folder)."
EXPORT_SUFFIXES = (".csv", ".jsonl", ".parquet")


def register(app: typer.Typer) -> None:
    """Add the grading commands to the `evalkit` app."""
    register_planning(app)
    register_raters(app)
    register_grades(app)
    register_app_command(app)


# ============================================================================ planning


def register_planning(app: typer.Typer) -> None:
    plan_app = typer.Typer(help="Plan grading items into the grade store.", no_args_is_help=True)
    plan_app.command("sxs")(plan_sxs_command)
    plan_app.command("summarization")(plan_summarization_command)
    plan_app.command("safety")(plan_safety_command)
    app.add_typer(plan_app, name="plan")
    sxs_app = typer.Typer(help="Side-by-side grading (alias of `evalkit plan sxs`).")
    sxs_app.command("plan")(plan_sxs_command)
    app.add_typer(sxs_app, name="sxs")


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _split_many(values: Sequence[str] | None) -> list[str]:
    return [part for value in values or [] for part in _split(value)]


def plan_sxs_command(
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
        None, "--suite", help="Only prompts of these suites (default: bank; 'all' for every suite)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the side draws and the queue order."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    rubrics: Path = typer.Option(None, "--rubrics", help="Rubrics folder (default rubrics/)."),
) -> None:
    """Plan side-by-side items: candidate vs each baseline on the same prompt, k raters each.

    Example: evalkit sxs plan runs/demo --candidate smollm2-135m --baselines gemma3-270m
    --raters 3 --gold 5%
    """
    from evalkit.assignment import gold_count, gold_items, select_prompts, sxs_items

    prompts, responses, run_id = _load_run(run_dir)
    suites = _split_many(suite) or ["bank"]
    if suites == ["all"]:
        suites = []
    elif suites == ["bank"] and not any(p.suite == "bank" for p in prompts.values()):
        raise UserError(
            f"{run_dir}: no prompts of suite 'bank' in this run; choose --suite "
            f"({', '.join(sorted({p.suite for p in prompts.values()}))}) or --suite all"
        )
    chosen = select_prompts(prompts, categories=_split_many(category), suites=suites)
    version = _rubric_version("side_by_side", rubrics)
    items, report = sxs_items(
        chosen,
        responses,
        candidate,
        _split(baselines),
        run_id=run_id,
        seed=seed,
        rubric_version=version,
    )
    n_gold = gold_count(gold, len(items))
    if n_gold:
        items += gold_items(
            chosen, responses, candidate, n_gold, run_id=run_id, seed=seed, rubric_version=version
        )
        report.gold = n_gold
    _finish_plan(
        run_dir,
        db,
        items,
        report,
        k=raters,
        rater_names=rater_names,
        seed=seed,
        extra={
            "candidate": candidate,
            "baselines": _split(baselines),
            "categories": _split_many(category),
            "suites": suites,
            "gold": gold,
        },
        plan_name=f"sxs-{candidate}",
    )


def _plan_one_response_command(kind: str, doc: str) -> Callable[..., None]:
    """`evalkit plan summarization|safety`: the same options and steps; only the kind differs
    (which prompts, which rubric, what the item shows: see `evalkit.assignment`)."""

    def command(
        run_dir: Path = typer.Argument(..., help="Run folder (prompts.jsonl + responses.jsonl)."),
        models: str = typer.Option(None, "--models", help="Comma-separated models (default: all)."),
        raters: int = typer.Option(3, "--raters", help="Distinct raters per item (k)."),
        rater_names: str = typer.Option(None, "--rater-names", help="Comma-separated raters."),
        seed: int = typer.Option(0, "--seed", help="Seed of the queue order."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        rubrics: Path = typer.Option(None, "--rubrics", help="Rubrics folder (default rubrics/)."),
    ) -> None:
        from evalkit.assignment import run_models, safety_items, summarization_items

        plan_items = {"summarization": summarization_items, "safety": safety_items}[kind]
        prompts, responses, run_id = _load_run(run_dir)
        names = _split(models) or run_models(responses)
        items, report = plan_items(
            sorted(prompts.values(), key=lambda p: p.id),
            responses,
            names,
            run_id=run_id,
            rubric_version=_rubric_version(kind, rubrics),
        )
        _finish_plan(
            run_dir, db, items, report, k=raters, rater_names=rater_names, seed=seed,
            extra={"models": names}, plan_name=kind,
        )  # fmt: skip

    command.__name__ = command.__qualname__ = f"plan_{kind}_command"
    command.__doc__ = doc
    return command


plan_summarization_command = _plan_one_response_command(
    "summarization",
    """Plan summarization items: one summary each, graded on the rubric's five dimensions.

    Example: evalkit plan summarization runs/demo --raters 2
    """,
)
plan_safety_command = _plan_one_response_command(
    "safety",
    """Plan safety items: one response each, graded violation yes/no plus its category.

    Example: evalkit plan safety runs/demo --raters 2
    """,
)


def _load_run(run_dir: Path) -> tuple[dict, list, str]:
    from evalkit.rundir import RunDir
    from evalkit.runner import load_responses, load_run_prompts

    manifest = RunDir(run_dir).require().read_manifest()  # a corrupt one: path, line, field
    prompts = load_run_prompts(run_dir)
    responses = load_responses(run_dir)
    run_id = manifest.run_id if manifest else None
    run_id = run_id or (responses[0].run_id if responses else run_dir.name)
    return prompts, responses, run_id


def _rubric_version(name: str, rubrics: Path | None) -> int | str:
    from evalkit.rubrics import load_rubric

    return load_rubric(name, rubrics).version


def _finish_plan(
    run_dir: Path,
    db: str | None,
    items: list,
    report,
    *,
    k: int,
    rater_names: str | None,
    seed: int,
    extra: dict,
    plan_name: str,
) -> None:
    """Check the raters, store the items, assign the new ones, write the plan and say so."""
    from evalkit.assignment import assign_balanced
    from evalkit.store import open_run_store

    if not items:
        missing = "; ".join(report.missing_lines()) or "none"
        raise UserError(
            f"{run_dir}: no {report.kind} items to plan ({report.prompts_in_scope} prompts in "
            f"scope; responses missing or failed: {missing})"
        )
    check_outputs(*_plan_paths(run_dir, plan_name))  # before the store changes
    with open_run_store(run_dir, db, create=True) as store:
        rater_ids = _rater_ids(store, rater_names)
        table = store.assignments()
        planned = set(table["item_id"])
        load = table.groupby("rater_id").size().to_dict() if len(table) else {}
        new_items = [item.id for item in items if item.id not in planned]
        pairs = assign_balanced(new_items, rater_ids, k, seed=seed, load=load)  # checks k first
        added = store.add_items(items)
        assigned = store.assign_many(pairs)
        loads = store.assignments().groupby("rater_id").size()
        loads = {r: int(loads.get(r, 0)) for r in rater_ids}
        plan = {
            "kind": report.kind,
            "run_dir": str(run_dir),
            "seed": seed,
            "raters_per_item": k,
            "raters": rater_ids,
            "db": store.display_url,
            "counts": report.as_dict()
            | {"new_items": added, "already_planned": len(items) - len(new_items)},
            "assignments_added": assigned,
            "load": loads,
            "item_ids": [item.id for item in items],
            **extra,
        }
        _write_plan(run_dir, plan_name, plan)
        typer.echo(
            f"planned {report.kind}: {len(items)} items ({report.gold} gold) from "
            f"{report.prompts_in_scope} prompts; {added} new, "
            f"{len(items) - len(new_items)} already planned; {assigned} assignments, "
            f"{k} raters per item over {len(rater_ids)} raters "
            f"(load {min(loads.values())}-{max(loads.values())})"
        )
        for line in report.missing_lines():  # counted, never dropped in silence
            typer.echo(f"not planned: {line}")
        typer.echo(f"store: {store.display_url}")
        typer.echo(f"plan: {run_dir / 'plan.json'}")


def _rater_ids(store, rater_names: str | None) -> list[str]:
    active = {r.id: r for r in store.raters(active_only=True)}
    if rater_names:
        names = _split(rater_names)
        unknown = [n for n in names if n not in active]
        if unknown:
            raise UserError(
                f"--rater-names: no active rater {', '.join(map(repr, unknown))} in "
                f"{store.display_url} (active: {', '.join(active) or 'none'})"
            )
        return names
    names = [r.id for r in active.values() if r.role == "rater"]
    if not names:
        raise UserError(
            f"no active raters in {store.display_url}: add them first with "
            "`evalkit raters add NAME` (same --db or run folder)"
        )
    return names


def _plan_paths(run_dir: Path, name: str) -> tuple[Path, Path]:
    return run_dir / "plans" / f"{name}.json", run_dir / "plan.json"


def _write_plan(run_dir: Path, name: str, plan: dict) -> None:
    """RUN_DIR/plan.json is the latest plan; RUN_DIR/plans/<name>.json keeps one per kind."""
    text = json.dumps(plan, indent=2, ensure_ascii=False) + "\n"
    for path in _plan_paths(run_dir, name):
        write_text(path, text)


# ============================================================================ raters


def register_raters(app: typer.Typer) -> None:
    raters_app = typer.Typer(help="Raters of the grade store.", no_args_is_help=True)
    raters_app.command("add")(raters_add_command)
    raters_app.command("list")(raters_list_command)
    raters_app.command("reset")(raters_reset_command)
    raters_app.command("deactivate")(raters_deactivate_command)
    app.add_typer(raters_app, name="raters")


RUN_HELP = "Run folder whose grades.sqlite is the store (when no --db / $EVALKIT_DB)."


def _open_store(run_dir: Path | None, db: str | None, *, create: bool = False):
    """The store named by --db, $EVALKIT_DB or a run folder; one of them is required. Only
    `raters add` creates a store: the other commands read or change an existing one."""
    from evalkit.store import DB_ENV, GradeStore, open_run_store

    if run_dir is not None:
        if not run_dir.is_dir():
            raise UserError(f"{run_dir}: run folder not found")
        return open_run_store(run_dir, db, create=create)
    if db or os.environ.get(DB_ENV):
        return GradeStore(db or os.environ[DB_ENV], create=create)
    raise UserError(f"which grade store? give a run folder, --db URL or set ${DB_ENV}")


def raters_add_command(
    name: str = typer.Argument(..., help="Rater name (also the rater id in grades)."),
    role: str = typer.Option("rater", "--role", help="rater or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password (8+ characters) from stdin."
    ),
    token: bool = typer.Option(False, "--token", help="Issue a login token (the default)."),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Register a rater with a password (argon2id hash) or a one-time-shown login token.

    Example: evalkit raters add alice --run runs/demo      (prints alice's token once)
    Example: printf '%s' "$PW" | evalkit raters add boss --role admin --password-stdin --db URL
    """
    from evalkit.store import check_rater

    if password_stdin and token:
        raise UserError("--password-stdin and --token: choose one")
    password = _read_password() if password_stdin else None
    check_rater(name, role, password)  # before a store is created
    with _open_store(run_dir, db, create=True) as store:
        issued = store.add_rater(name, role, password=password)  # type: ignore[arg-type]
        typer.echo(f"added {role} {name!r} to {store.display_url}")
    if issued:
        typer.echo(f"token (shown once; {name} signs in with it): {issued}")


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("--password-stdin: no password on stdin")
    return password


def raters_reset_command(
    name: str = typer.Argument(..., help="Rater name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="New password on stdin."),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Replace a rater's secret: a new token (printed once) or a new password from stdin."""
    password = _read_password() if password_stdin else None
    with _open_store(run_dir, db) as store:
        issued = store.set_secret(name, password)
    typer.echo(f"new secret set for {name!r}")
    if issued:
        typer.echo(f"token (shown once; {name} signs in with it): {issued}")


def raters_deactivate_command(
    name: str = typer.Argument(..., help="Rater name."),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Deactivate a rater: no sign-in, no new grades; their grades and history stay."""
    with _open_store(run_dir, db) as store:
        store.set_active(name, False)
    typer.echo(f"deactivated {name!r}")


def raters_list_command(
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """List raters with role, sign-in method and progress (done/assigned)."""
    with _open_store(run_dir, db) as store:
        raters = store.raters()
        status = store.status().set_index("rater_id")
        typer.echo(f"{len(raters)} raters in {store.display_url}")
        for rater in raters:
            secret = "password" if rater.has_password else "token" if rater.has_token else "none"
            done = int(status["done"].get(rater.id, 0)) if len(status) else 0
            assigned = int(status["assigned"].get(rater.id, 0)) if len(status) else 0
            state = "active" if rater.active else "inactive"
            typer.echo(
                f"  {rater.name:<20} {rater.role:<6} {state:<8} {secret:<8} "
                f"{done}/{assigned} done  since {rater.created_at[:10]}"
            )


# ============================================================================ grades


def register_grades(app: typer.Typer) -> None:
    grades_app = typer.Typer(help="Grades in the store.", no_args_is_help=True)
    grades_app.command("export")(grades_export_command)
    grades_app.command("status")(grades_status_command)
    app.add_typer(grades_app, name="grades")


def grades_export_command(
    run_dir: Path = typer.Argument(None, help="Run folder (or use --db)."),
    kind: str = typer.Option(..., "--kind", help="sxs, safety or summarization."),
    out: Path = typer.Option(..., "--out", "-o", help="FILE.csv, FILE.jsonl or FILE.parquet."),
    include_auto: bool = typer.Option(
        False, "--include-auto/--humans-only", help="Include automatic graders' grades."
    ),
    include_gold: bool = typer.Option(
        False, "--include-gold", help="sxs: include gold attention-check items."
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write current grades (skips excluded) in the statistics' format.

    sxs writes exactly item_id, prompt_id, category, rater_id, model_a, model_b, score
    (score −2..2, positive = model_a's response preferred, 0 = tie; model_a = the candidate).
    Example: evalkit grades export runs/demo --kind sxs --out runs/demo/sxs_grades.csv
    """
    from evalkit.store import SXS_COLUMNS

    if kind not in ("sxs", "safety", "summarization"):
        raise UserError(f"--kind {kind}: use sxs, safety or summarization")
    if out.suffix.lower() not in EXPORT_SUFFIXES:
        raise UserError(f"--out {out}: use a .csv, .jsonl or .parquet file name")
    check_outputs(out)  # before the work
    with _open_store(run_dir, db) as store:
        if kind == "sxs":
            frame = store.sxs_frame(include_auto=include_auto, include_gold=include_gold)
            frame = frame[SXS_COLUMNS]
        elif kind == "safety":
            frame = store.safety_frame(include_auto=include_auto)
        else:
            frame = store.summarization_frame(include_auto=include_auto)
        source = store.display_url
    if frame.empty:  # an export of nothing is a mistake to say, not an empty file
        raise UserError(
            f"{source}: no {kind} grades to export (n = 0)"
            + ("" if include_auto else "; automatic grades are left out without --include-auto")
        )
    write_frame(frame, out)
    typer.echo(f"exported {len(frame)} {kind} grades from {source} to {out}")


def write_frame(frame: pd.DataFrame, out: Path) -> None:
    """CSV, JSONL (one object per line) or Parquet, by the file's suffix; written atomically
    (an I/O failure is a UserError naming the file, and leaves no part of it)."""
    suffix = out.suffix.lower()
    with atomic_output(out, "wb" if suffix == ".parquet" else "w") as handle:
        if suffix == ".csv":
            frame.to_csv(handle, index=False)
        elif suffix == ".jsonl":
            frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        else:
            frame.to_parquet(handle, index=False)


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
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (0.0.0.0 for a LAN)."),
    rubrics: Path = typer.Option(None, "--rubrics", help="Rubrics folder (default rubrics/)."),
) -> None:
    """Serve the rater and admin app (Streamlit) on the grade store.

    Example: evalkit app runs/demo --port 8501     (then open http://127.0.0.1:8501)
    """
    from evalkit.app_support import serve_app

    raise typer.Exit(serve_app(run_dir, db, port=port, host=host, rubrics_dir=rubrics))
