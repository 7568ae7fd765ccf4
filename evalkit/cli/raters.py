"""The grade store's people and the store itself: raters, their secrets, the sign-in audit.

    evalkit store init RUN_DIR | --db URL                      (the only command besides `plan`
                                                                 that creates a store)
    evalkit raters add NAME [--role admin] [--token [--expires 30d] | --password-stdin]
    evalkit raters list | deactivate NAME | reset NAME | reset-token NAME [--expires 30d]
    evalkit raters audit [RUN_DIR | --db URL] [--limit N]

A token is a random secret a rater signs in with: it is shown once (only its hash is stored),
reusable until it is reset or expires (90 days unless `--expires`); a reset or a deactivation
ends the rater's open sessions at once. Admin passwords need 12+ characters and must not be a
common password (a small built-in list and patterns). The store is `--db URL` > `$EVALKIT_DB` >
`RUN_DIR/grades.sqlite`; a database password is never printed.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evalkit.errors import UserError

if TYPE_CHECKING:
    from evalkit.store import GradeStore, RaterRole

DB_HELP = "Grade store: SQLite path or postgresql:// URL (default $EVALKIT_DB, else run folder)."
RUN_HELP = "Run folder whose grades.sqlite is the store (when no --db / $EVALKIT_DB)."
EXPIRES_HELP = "Token lifetime: 30d, 12h or 2w (default 90d); the token stops working after it."


def register(app: typer.Typer) -> None:
    """Add `evalkit raters ...` and `evalkit store init` to the `evalkit` app."""
    raters_app = typer.Typer(help="Raters of the grade store.", no_args_is_help=True)
    raters_app.command("add")(raters_add_command)
    raters_app.command("list")(raters_list_command)
    raters_app.command("reset")(raters_reset_command)
    raters_app.command("reset-token")(raters_reset_token_command)
    raters_app.command("deactivate")(raters_deactivate_command)
    raters_app.command("audit")(raters_audit_command)
    app.add_typer(raters_app, name="raters")
    store_app = typer.Typer(help="The grade store itself.", no_args_is_help=True)
    store_app.command("init")(store_init_command)
    app.add_typer(store_app, name="store")


def open_store(run_dir: Path | None, db: str | None) -> GradeStore:
    """The existing store named by --db, $EVALKIT_DB or a run folder (one is required). These
    commands never create a store: `evalkit store init` (or `evalkit plan`) does."""
    from evalkit.rundir import RunDir
    from evalkit.store import DB_ENV, GradeStore

    if run_dir is not None:
        rundir = RunDir(run_dir).require()
        if not rundir.has_store(db):
            raise UserError(
                f"{rundir.default_store}: no grade store yet; create it with "
                f"`evalkit store init {run_dir}` (or pass --db URL)"
            )
        return GradeStore(rundir.store_url(db), create=False)
    if db or os.environ.get(DB_ENV):
        return GradeStore(db or os.environ[DB_ENV], create=False)
    raise UserError(f"which grade store? give a run folder, --db URL or set ${DB_ENV}")


def parse_days(text: str | None) -> float | None:
    """`30d`, `12h`, `2w` or a plain number of days -> days (None: the default)."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhw]?)\s*", text.lower())
    if not match:
        raise UserError(f"--expires {text}: use a lifetime such as 30d, 12h or 2w")
    value = float(match.group(1))
    return value * {"": 1.0, "d": 1.0, "h": 1 / 24, "w": 7.0}[match.group(2)]


def _token_lines(name: str, token: str, store: GradeStore) -> None:
    from evalkit.store import TOKEN_WORDS

    rater = store.rater(name)
    stamp = (rater.token_expires_at if rater else None) or "?"
    expires = stamp.replace("T", " ").replace("+00:00", " UTC")
    typer.echo(
        f"the token below is shown once: {name} signs in with it; it is {TOKEN_WORDS} "
        f"(expires {expires}); only its hash is stored"
    )
    typer.echo(f"token for {name}: {token}")


# ============================================================================ store


def store_init_command(
    run_dir: Path | None = typer.Argument(None, help="Run folder: creates RUN_DIR/grades.sqlite."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create an empty grade store (or check an existing one): a SQLite file readable by its
    owner only (0600), or the tables in a PostgreSQL database.

    Example: evalkit store init runs/rc        then `evalkit raters add NAME --run runs/rc`
    """
    from evalkit.rundir import RunDir
    from evalkit.store import DB_ENV, GradeStore

    if run_dir is not None:
        rundir = RunDir(run_dir).require()
        url = rundir.store_url(db, create=True)
    elif db or os.environ.get(DB_ENV):
        url = db or os.environ[DB_ENV]
    else:
        raise UserError(f"which grade store? give a run folder, --db URL or set ${DB_ENV}")
    existed = "://" not in url and Path(url).exists() and Path(url).stat().st_size > 0
    with GradeStore(url, create=True) as store:
        state = "exists" if existed else "ready"
        typer.echo(f"grade store {state}: {store.display_url} (schema {store.schema_version()})")


# ============================================================================ raters


def raters_add_command(
    name: str = typer.Argument(..., help="Rater name (also the rater id in grades)."),
    role: str = typer.Option("rater", "--role", help="rater or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password from stdin (admins: 12+ characters)."
    ),
    token: bool = typer.Option(False, "--token", help="Issue a sign-in token (the default)."),
    expires: str = typer.Option(None, "--expires", help=EXPIRES_HELP),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Register a rater with a password (argon2id hash) or a sign-in token (shown once,
    reusable until reset or expired; 90 days unless --expires).

    Example: evalkit raters add alice --run runs/demo --expires 30d   (prints alice's token)
    Example: printf '%s' "$PW" | evalkit raters add boss --role admin --password-stdin --db URL
    """
    from evalkit.store import check_rater

    if password_stdin and token:
        raise UserError("--password-stdin and --token: choose one")
    if password_stdin and expires:
        raise UserError("--expires: only tokens expire (passwords are changed with `reset`)")
    days = parse_days(expires)
    password = _read_password() if password_stdin else None
    check_rater(name, role, password)  # before the store is opened
    checked: RaterRole = "admin" if role == "admin" else "rater"  # check_rater allows only these
    with open_store(run_dir, db) as store:
        issued = store.add_rater(name, checked, password=password, token_days=days)
        typer.echo(f"added {role} {name!r} to {store.display_url}")
        if issued:
            _token_lines(name.strip(), issued, store)


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
    expires: str = typer.Option(None, "--expires", help=EXPIRES_HELP),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Replace a rater's secret: a new token (printed once) or a new password from stdin. The
    old secret stops working and the rater's open sessions end."""
    days = parse_days(expires)
    password = _read_password() if password_stdin else None
    with open_store(run_dir, db) as store:
        issued = store.set_secret(name, password, token_days=days)
        typer.echo(f"new secret set for {name!r}; their open sessions end")
        if issued:
            _token_lines(name, issued, store)


def raters_reset_token_command(
    name: str = typer.Argument(..., help="Rater name."),
    expires: str = typer.Option(None, "--expires", help=EXPIRES_HELP),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Issue a new sign-in token (printed once): the old token stops working and the rater's
    open sessions end at their next click.

    Example: evalkit raters reset-token alice --run runs/demo --expires 30d
    """
    days = parse_days(expires)
    with open_store(run_dir, db) as store:
        issued = store.reset_token(name, token_days=days)
        typer.echo(f"new token for {name!r}: the old one no longer works; their sessions end")
        _token_lines(name, issued, store)


def raters_deactivate_command(
    name: str = typer.Argument(..., help="Rater name."),
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Deactivate a rater: no sign-in, no new grades, open sessions end at their next click;
    their grades and history stay."""
    with open_store(run_dir, db) as store:
        store.set_active(name, False)
    typer.echo(f"deactivated {name!r}; their open sessions end")


def raters_list_command(
    run_dir: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """List raters with role, sign-in method (token expiry) and progress (done/assigned)."""
    with open_store(run_dir, db) as store:
        raters = store.raters()
        status = store.status().set_index("rater_id")
        typer.echo(f"{len(raters)} raters in {store.display_url}")
        for rater in raters:
            if rater.has_password:
                secret = "password"
            elif rater.has_token:
                secret = f"token (expires {(rater.token_expires_at or '?')[:10]})"
            else:
                secret = "none"
            done = int(status["done"].get(rater.id, 0)) if len(status) else 0
            assigned = int(status["assigned"].get(rater.id, 0)) if len(status) else 0
            state = "active" if rater.active else "inactive"
            typer.echo(
                f"  {rater.name:<20} {rater.role:<6} {state:<8} {secret:<27} "
                f"{done}/{assigned} done  since {rater.created_at[:10]}"
            )


def raters_audit_command(
    run_dir: Path = typer.Argument(None, help="Run folder (or use --db)."),
    run_option: Path = typer.Option(None, "--run", help=RUN_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    limit: int = typer.Option(50, "--limit", help="How many of the latest attempts (0: all)."),
) -> None:
    """The latest sign-in attempts, newest first: time, name as typed, client address, outcome
    (success, failure, refused by the limits, expired token, deactivated) and detail; then the
    names and addresses with recent failures or a lock.

    Example: evalkit raters audit runs/demo --limit 20
    """
    from evalkit.text_display import visible

    if limit < 0:
        raise UserError(f"--limit {limit}: use 0 (all) or more")
    with open_store(run_dir or run_option, db) as store:
        log = store.auth_log(limit=limit)
        limits = store.login_limits()
        typer.echo(f"sign-in attempts in {store.display_url} (newest first, {len(log)} shown)")
    if log.empty:
        typer.echo("no sign-in attempts yet")
    for row in log.itertuples():
        typer.echo(
            f"  {row.at}  {visible(row.name)[:30]:<30} {(row.client or '-'):<16} "
            f"{row.outcome:<8} {row.detail or ''}"
        )
    if not limits.empty:
        typer.echo("limited now or recently (failures since the last lock, locks so far):")
        for row in limits.itertuples():
            typer.echo(f"  {visible(row.key)[:40]:<40} failures {row.failures}  locks {row.locks}")
