"""The `evalkit` command: a thin typer layer over the library.

Each step of the data flow registers its commands from its own module here, so the room for a
change is found from the command's name: `evalkit bank ...` lives in `cli/bank.py`.
"""

from __future__ import annotations

import sys

import typer

from evalkit.errors import UserError
from evalkit.processes import Stopped, graceful_signals

app = typer.Typer(
    name="evalkit",
    help="Evaluate language models with human and automatic grades, with honest statistics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# one module per step of the data flow; each defines register(app)
_COMMAND_MODULES = (
    "run",  # evalkit run
    "merge",  # evalkit merge (shard run folders into one run)
    "bank",  # evalkit bank validate|stats|import, evalkit rubric validate
    "summarization",  # evalkit summarization build|checks
    "ifeval",  # evalkit ifeval score|run
    "score",  # evalkit score, evalkit suites ...
    "grading",  # evalkit plan, evalkit grades export|status, evalkit app
    "raters",  # evalkit raters add|list|reset|reset-token|deactivate|audit, evalkit store init
    "stats",  # evalkit stats sxs|violations|summarization|...
    "gate",  # evalkit gate
    "report",  # evalkit report
    "labelstudio",  # evalkit labelstudio push|pull
    "demo",  # evalkit demo
    "embedded",  # evalkit embedded install
    "graders",  # evalkit graders eval refusal|factuality|judge
    "init",  # evalkit init DIR
)


_registered = False


def _register_all() -> None:
    import importlib

    global _registered
    if _registered:
        return
    _registered = True
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"evalkit.cli.{name}")
        module.register(app)


@app.callback()
def _root() -> None:
    """Evaluate language models with human and automatic grades, with honest statistics."""


def main() -> None:
    """Entry point: user mistakes become one clear line on stderr and exit code 2; SIGTERM,
    SIGHUP and Ctrl-C stop the command cleanly (its servers with it)."""
    _register_all()
    try:
        with graceful_signals():
            app()  # standalone: usage errors print their message and exit 2
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Stopped as exc:
        typer.echo(f"{exc}: rerun the same command to resume", err=True)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        typer.echo("interrupted: rerun the same command to resume", err=True)
        sys.exit(130)


def run_cli(args: list[str]) -> int:
    """Run the CLI in-process (for tests): returns the exit code."""
    old_argv = sys.argv
    sys.argv = ["evalkit", *args]
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        sys.argv = old_argv
    return 0
