"""Label Studio commands: push planned items as tasks, pull annotations back as grades.

    evalkit labelstudio push PLAN --project NAME [--url URL] [--db URL]
    evalkit labelstudio pull [RUN] --project NAME [--url URL] [--db URL] [--user-map FILE]

The server is `--url` or `$LABEL_STUDIO_URL`; the API key comes only from
`$LABEL_STUDIO_API_KEY` and is never printed. The grade store is `--db` > `$EVALKIT_DB` >
`RUN/grades.sqlite`, as for the other grading commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

URL_HELP = "Label Studio URL (default $LABEL_STUDIO_URL). The key: $LABEL_STUDIO_API_KEY."
DB_HELP = "Grade store: SQLite path or postgresql:// URL (default $EVALKIT_DB, else run folder)."
RUBRICS_HELP = "Rubrics folder (default rubrics/)."


def register(app: typer.Typer) -> None:
    """Add `evalkit labelstudio push|pull` to the `evalkit` app."""
    ls_app = typer.Typer(
        help="Grade in Label Studio instead of the app: push tasks, pull annotations.",
        no_args_is_help=True,
    )
    ls_app.command("push")(push_command)
    ls_app.command("pull")(pull_command)
    app.add_typer(ls_app, name="labelstudio")


def push_command(
    plan: Path = typer.Argument(..., help="plan.json (or plans/<name>.json), or a run folder."),
    project: str = typer.Option(..., "--project", help="Label Studio project title."),
    url: str = typer.Option(None, "--url", help=URL_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    rubrics: Path = typer.Option(None, "--rubrics", help=RUBRICS_HELP),
) -> None:
    """Create or update the project and import the planned items as blinded tasks.

    The labeling config is generated from rubrics/; tasks carry the evalkit item id and the texts,
    never model names. Pushing again adds only new items. A run folder pushes every plan in it,
    one project per kind, titled "NAME · sxs", "NAME · safety", ... when there are several.
    Example: evalkit labelstudio push runs/demo/plan.json --project "demo sxs"
    """
    from evalkit.labelstudio.connection import connect
    from evalkit.labelstudio.sync import load_plan, open_plan_store, push

    loaded = load_plan(plan)
    with open_plan_store(loaded, db) as store:
        api = connect(url)
        results = push(api, store, loaded, project, rubrics)
    for res in results:
        state = "created" if res.created else "found"
        config = "; labeling config updated" if res.config_updated else ""
        typer.echo(
            f"{res.kind}: project {res.project.title!r} (id {res.project.id}) {state}{config}; "
            f"{res.imported} tasks imported, {res.already} already there"
        )
    typer.echo(f"Label Studio: {api.display_url}/projects/{results[0].project.id}/data")


def pull_command(
    run_dir: Path = typer.Argument(None, help="Run folder whose grades.sqlite is the store."),
    project: str = typer.Option(..., "--project", help="Label Studio project title."),
    url: str = typer.Option(None, "--url", help=URL_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    user_map: Path = typer.Option(
        None,
        "--user-map",
        help="YAML/JSON file mapping Label Studio emails to registered raters "
        "(others become rater ls:<email>).",
    ),
    rubrics: Path = typer.Option(None, "--rubrics", help=RUBRICS_HELP),
) -> None:
    """Write annotations into the grade store as grades: pulling twice adds nothing.

    Each Label Studio user's latest annotation of a task is one grade; an annotation updated since
    the last pull becomes a revision. A skipped task is a skipped grade.
    Example: evalkit labelstudio pull runs/demo --project "demo sxs"
    """
    from evalkit.labelstudio.connection import connect
    from evalkit.labelstudio.sync import load_user_map, open_pull_store, pull

    with open_pull_store(run_dir, db) as store:
        mapping = load_user_map(user_map, store) if user_map else {}
        api = connect(url)
        result = pull(api, store, project, mapping, rubrics)
        source = store.display_url
    titles = ", ".join(repr(p.title) for p in result.projects)
    typer.echo(
        f"pulled {titles} from {api.display_url}: {result.tasks} tasks, "
        f"{result.annotations} annotations; {result.new} new grades, {result.revised} revisions, "
        f"{result.unchanged} unchanged ({result.skipped} skips) into {source}"
    )
    for rater, count in sorted(result.raters.items()):
        typer.echo(f"  {rater}: {count} grade(s) written")
    if result.assigned:
        typer.echo(f"  {result.assigned} assignment(s) added for mapped raters")
    if result.problems:
        for line in result.problems:
            typer.echo(f"not imported: {line}", err=True)
        typer.echo(
            f"error: {len(result.problems)} annotation(s) could not be imported (see above); "
            "fix them in Label Studio and pull again",
            err=True,
        )
        raise typer.Exit(1)
