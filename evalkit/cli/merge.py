"""`evalkit merge`: the run folders of `evalkit run --shard K/N` joined into one run folder."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("merge")(merge_command)


def merge_command(
    run_dirs: list[Path] = typer.Argument(..., help="Run folders to merge (the shards)."),
    out: Path = typer.Option(
        ..., "-o", "--out", help="The merged run folder (created; a run already there is kept)."
    ),
    allow_incomplete: bool = typer.Option(
        False, "--allow-incomplete", help="Merge even if planned responses are missing."
    ),
) -> None:
    """Merge shard run folders into one run, checking they agree and that none is missing.

    Prompts must be identical per id; a response found in two folders must have the same answer
    (the first folder's record is kept); every prompt x model x sample the folders planned must
    have a response, unless --allow-incomplete. Nothing is written when a check fails (exit 2).
    Merging again is idempotent. Score, gate and report the merged folder as any run.

    Example: evalkit merge runs/rc-1 runs/rc-2 runs/rc-3 -o runs/rc
    """
    from evalkit.merge import merge_runs

    summary = merge_runs(run_dirs, out, allow_incomplete=allow_incomplete)
    shards = f" (shards {', '.join(summary.shards)})" if summary.shards else ""
    typer.echo(
        f"merged {len(summary.sources)} folder(s){shards} into {summary.out}: "
        f"{summary.prompts} prompts, {summary.responses} responses "
        f"of {summary.expected} planned"
    )
    for note in summary.notes:
        if note.startswith("incomplete"):
            typer.echo(f"warning: {note}", err=True)
        else:
            typer.echo(f"  note: {note}")
    for folder, count in sorted(summary.errors.items()):
        typer.echo(
            f"  {count} error response(s) from {folder}: rerun that shard to retry them, "
            "then merge again",
            err=True,
        )
    typer.echo(f"  responses: {summary.out / 'responses.jsonl'}")
