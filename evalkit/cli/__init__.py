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


_registered: set[str] = set()


def _register_all() -> None:
    """Add every module's commands once (a module that failed, e.g. on a project's grading
    kind that cannot be loaded, is tried again on the next call)."""
    import importlib

    for name in _COMMAND_MODULES:
        if name not in _registered:
            module = importlib.import_module(f"evalkit.cli.{name}")
            module.register(app)
            _registered.add(name)


@app.callback()
def _root() -> None:
    """Evaluate language models with human and automatic grades, with honest statistics."""


def main() -> None:
    """Entry point: user mistakes become one clear line on stderr and exit code 2; SIGTERM,
    SIGHUP and Ctrl-C stop the command cleanly (its servers with it)."""
    try:
        _register_all()  # a project's grading kind that cannot be loaded is a user error too
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
