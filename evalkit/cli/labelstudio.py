"""Commands of this step (not yet written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this step's commands to the `evalkit` app."""
