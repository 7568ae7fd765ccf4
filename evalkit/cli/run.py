"""`evalkit run`: get responses from the configured models, resumable."""

from __future__ import annotations

from pathlib import Path

import typer

from evalkit.config import ProjectConfig, load_config
from evalkit.errors import UserError
from evalkit.records import ModelSpec, Prompt
from evalkit.runner import RunSummary, Shard, load_prompts, run_prompts


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)


def run_command(
    config_path: Path = typer.Option(
        Path("evalkit.yaml"), "-c", "--config", help="Project config."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="Run folder (created, or resumed)."),
    prompts: list[Path] = typer.Option(
        None, "--prompts", help="JSONL file or folder of prompts (repeatable). Default: suites."
    ),
    suites: str = typer.Option(None, "--suites", help="Comma-separated suites of the config."),
    models: str = typer.Option(None, "--models", help="Comma-separated model names (default all)."),
    samples: int = typer.Option(1, "--samples", min=1, help="Samples per prompt and model."),
    limit: int = typer.Option(None, "--limit", min=1, help="First N prompts of each source."),
    allow_errors: bool = typer.Option(False, "--allow-errors", help="Exit 0 despite errors."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
    shard: str = typer.Option(
        None,
        "--shard",
        metavar="K/N",
        help="Ask only shard K of N: a deterministic, balanced part of the requests (give every "
        "shard the same other options); join the shard folders with `evalkit merge`.",
    ),
) -> None:
    """Ask every model for every prompt; rerun the same command to resume.

    Example: evalkit run -c evalkit.yaml -o runs/demo --prompts prompts/bank --limit 20

    Example, on 4 machines: evalkit run -c evalkit.yaml -o runs/rc-2 --shard 2/4
    """
    part = Shard.parse(shard) if shard is not None else None  # a bad K/N fails before any work
    config = load_config(config_path)
    selected = config.select_models(models)
    batches = _batches(config, selected, prompts, suites, limit)
    if part is not None:
        part = part.for_plan(batches, samples)
    total = RunSummary(run_id=out.name, run_dir=out, shard=str(part) if part else None)
    for batch_prompts, batch_models in batches:
        summary = run_prompts(
            config,
            batch_prompts,
            batch_models,
            out,
            samples,
            allow_errors,
            progress=not quiet,
            shard=part,
        )
        _add(total, summary)
    _print_summary(total)
    if total.errors and not allow_errors:
        raise typer.Exit(1)


def _batches(
    config: ProjectConfig,
    models: list[ModelSpec],
    prompt_paths: list[Path] | None,
    suites: str | None,
    limit: int | None,
) -> list[tuple[list[Prompt], list[ModelSpec]]]:
    """(prompts, models) groups: explicit --prompts for all selected models, else each suite."""
    if prompt_paths:
        return [(_limited(load_prompts(list(prompt_paths)), limit), models)]
    names = [s.strip() for s in suites.split(",")] if suites else list(config.suites)
    if not names:
        raise UserError("no --prompts given and the config has no suites")
    batches = []
    for name in names:
        if name not in config.suites:
            raise UserError(f"unknown suite {name!r} (config has: {', '.join(config.suites)})")
        suite_prompts = load_suite_prompts(config, name)
        only = config.suites[name].models
        suite_models = [m for m in models if not only or m.name in only]
        batches.append((_limited(suite_prompts, limit or config.suites[name].limit), suite_models))
    return batches


def load_suite_prompts(config: ProjectConfig, name: str) -> list[Prompt]:
    """A suite's prompts: its JSONL files, or a public data set loaded from the data folder."""
    suite = config.suites[name]
    if suite.prompts:
        return load_prompts([config.resolve(p) for p in suite.prompts])
    if suite.data:
        from evalkit.suites import load_public_suite

        return load_public_suite(name, config.data_dir, suite.data)
    raise UserError(f"suite {name!r} has neither `prompts` nor `data`")


def _limited(prompts: list[Prompt], limit: int | None) -> list[Prompt]:
    return prompts[:limit] if limit else prompts


def _add(total: RunSummary, part: RunSummary) -> None:
    total.total += part.total
    total.cached += part.cached
    total.asked += part.asked
    total.ok += part.ok
    total.errors += part.errors
    total.error_kinds.update(part.error_kinds)
    total.elapsed_s += part.elapsed_s
    total.unreachable.update(part.unreachable)
    for model, counts in part.per_model.items():
        total.per_model.setdefault(model, counts.__class__()).update(counts)


def _print_summary(summary: RunSummary) -> None:
    shard = f" (shard {summary.shard})" if summary.shard else ""
    typer.echo(
        f"run {summary.run_id}{shard}: {summary.total} responses "
        f"({summary.cached} already there, {summary.asked} asked: {summary.ok} ok, "
        f"{summary.errors} errors) in {summary.elapsed_s:.1f}s, {summary.throughput:.1f}/s"
    )
    for model, counts in sorted(summary.per_model.items()):
        typer.echo(f"  {model}: {counts.get('ok', 0)} ok, {counts.get('errors', 0)} errors")
    for model, why in sorted(summary.unreachable.items()):
        typer.echo(f"error: {model}: {why}", err=True)
    for kind, count in summary.error_kinds.most_common():
        typer.echo(f"  error {kind}: {count}")
    if summary.errors:
        typer.echo("  rerun the same command to retry the errors", err=True)
    typer.echo(f"  responses: {summary.run_dir / 'responses.jsonl'}")
