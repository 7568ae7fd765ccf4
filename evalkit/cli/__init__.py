"""The `evalkit` command: a thin typer layer over the library.

Each step of the data flow registers its commands from its own module here, so the room for a
change is found from the command's name: `evalkit bank ...` lives in `cli/bank.py`.
"""

from __future__ import annotations

import sys

import typer

from evalkit.errors import UserError

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
    "bank",  # evalkit bank validate|stats|import, evalkit rubric validate
    "summarization",  # evalkit summarization build|checks
    "ifeval",  # evalkit ifeval score|run
    "score",  # evalkit score, evalkit suites ...
    "grading",  # evalkit sxs plan, evalkit raters, evalkit grades export, evalkit app
    "stats",  # evalkit stats sxs|violations|summarization|...
    "gate",  # evalkit gate
    "report",  # evalkit report
    "labelstudio",  # evalkit labelstudio push|pull
    "demo",  # evalkit demo
)


def _register_all() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"evalkit.cli.{name}")
        module.register(app)


def main() -> None:
    """Entry point: user mistakes become one clear line on stderr and exit code 2."""
    _register_all()
    try:
        app(standalone_mode=False)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted: rerun the same command to resume", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        raise


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
