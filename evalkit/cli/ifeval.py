"""`evalkit ifeval score|run` and `evalkit suites list|export`.

`ifeval score` checks an existing file of responses in the official IFEval format, so a team can
compare our numbers with the official evaluation's; `ifeval run` asks the configured models
through the runner (cached, resumable) and scores what they said.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from evalkit.errors import UserError
from evalkit.suites.ifeval import (
    DATA_FILE,
    METRIC_LABELS,
    METRICS,
    IFEvalResult,
    IFEvalSummary,
    Matching,
    Rate,
    load_ifeval,
    score_response_file,
    score_responses,
    summarize,
)

ifeval_app = typer.Typer(help="IFEval: instruction following, scored by lm-eval's checker.")
suites_app = typer.Typer(help="Public suites (XSTest, SimpleSafetyTests, HarmBench, ...).")


def register(app: typer.Typer) -> None:
    app.add_typer(ifeval_app, name="ifeval")
    app.add_typer(suites_app, name="suites")


DATA_HELP = "IFEval input_data.jsonl (default: $EVALKIT_DATA_DIR/ifeval/, then ../shared/data)."
CONFIG_HELP = "Project config."
WORKERS_HELP = "Scoring processes (default: a pool only for large inputs)."


@ifeval_app.command("score")
def score_command(
    responses: Path = typer.Argument(..., help='JSONL of {"prompt": ..., "response": ...}.'),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (with n and intervals)."),
    workers: int = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    by_type: bool = typer.Option(False, "--by-type", help="Also print each instruction type."),
    items: Path = typer.Option(None, "--items", help="Write per-response results (JSONL)."),
) -> None:
    """Score a file of responses in the official IFEval response format.

    Example: evalkit ifeval score responses.jsonl --data input_data.jsonl --json
    """
    from evalkit.jsonio import check_outputs

    check_outputs(items)
    prompts = load_ifeval(data)
    matching, results = score_response_file(responses, prompts, workers)
    if not matching.pairs:  # n = 0 is not a score: say why nothing was scored
        n_lines = len(matching.unmatched) + len(matching.duplicates)
        why = (
            f"none of its {n_lines} responses has the text of one of the {len(prompts)} "
            f"IFEval prompts{f' of {data}' if data else ''}"
            if n_lines
            else "the file holds no responses"
        )
        raise UserError(f"{responses}: n = 0, nothing scored: {why}")
    summary = summarize(results)
    if items is not None:
        _write_items(items, results)
    if as_json:
        typer.echo(json.dumps(score_report(matching, summary, len(prompts)), indent=2))
        return
    typer.echo(
        f"IFEval: {len(matching.pairs)} of {len(prompts)} prompts scored "
        f"({summary.n_empty} empty responses scored as failing)"
    )
    _echo_summary(summary, by_type)
    _echo_matching(matching)


@ifeval_app.command("run")
def run_command(
    config_path: Path = typer.Option(Path("evalkit.yaml"), "-c", "--config", help=CONFIG_HELP),
    out: Path = typer.Option(..., "-o", "--out", help="Run folder (created, or resumed)."),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    models: str = typer.Option(None, "--models", help="Comma-separated model names (default all)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N prompts."),
    samples: int = typer.Option(1, "--samples", min=1, help="Samples per prompt and model."),
    workers: int = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    by_type: bool = typer.Option(False, "--by-type", help="Also print each instruction type."),
    allow_errors: bool = typer.Option(False, "--allow-errors", help="Exit 0 despite errors."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
) -> None:
    """Ask every configured model the IFEval prompts (resumable), then score them per model.

    The config's `ifeval` suite, if any, gives the default models, data file and limit.

    Example: evalkit ifeval run -c evalkit.yaml -o runs/ifeval --models smollm2-135m --limit 50
    """
    from evalkit.config import load_config
    from evalkit.runner import load_responses, run_prompts

    config = load_config(config_path)
    if out.exists() and not out.is_dir():  # before loading the data set and its checker
        raise UserError(f"{out}: is a file, expected a run folder")
    suite = config.suites.get("ifeval")  # the config's ifeval suite, if any, sets defaults
    selected = config.select_models(models or (suite.models if suite else None))
    fallback = config.resolve(config.data_dir) if config.data_dir else None
    relative = suite.data if suite and suite.data else DATA_FILE
    prompts = load_ifeval(data, fallback, relative)
    limit = limit or (suite.limit if suite else None)
    prompts = prompts[:limit] if limit else prompts
    run = run_prompts(config, prompts, selected, out, samples=samples, progress=not quiet)
    if not (as_json or quiet):
        typer.echo(f"run {run.run_id}: {run.total} responses ({run.errors} errors)", err=True)
    wanted = {p.id: p for p in prompts}
    responses = [r for r in load_responses(out) if r.prompt_id in wanted]
    report: dict[str, Any] = {}
    for spec in selected:
        mine = {(r.prompt_id, r.sample): r for r in responses if r.model == spec.name}
        keys = [(p.id, s) for p in prompts for s in range(samples) if (p.id, s) in mine]
        results = score_responses(
            [wanted[pid] for pid, _ in keys],
            [mine[k].text if mine[k].ok else None for k in keys],
            workers,
        )
        summary = summarize(results, model=spec.name)  # the intervals `stats ifeval` prints
        errors = sum(not mine[k].ok for k in keys)
        missing = len(prompts) * samples - len(keys)
        report[spec.name] = {**summary.to_dict(), "n_errors": errors, "n_missing": missing}
        if not as_json:
            typer.echo(
                f"{spec.name}: {len(keys)} responses scored ({errors} errored and "
                f"{summary.n_empty - errors} empty, scored as failing; {missing} missing)"
            )
            _echo_summary(summary, by_type, indent="  ")
    if as_json:
        typer.echo(json.dumps(_clean(report), indent=2))
    else:
        typer.echo(f"responses: {out / 'responses.jsonl'} (evalkit score {out} writes scores)")
    if run.errors and not allow_errors:
        typer.echo(f"{run.errors} requests failed (scored as failing); rerun to retry", err=True)
        raise typer.Exit(1)


# --------------------------------------------------------------------------- output


def score_report(matching: Matching, summary: IFEvalSummary, n_data: int) -> dict[str, Any]:
    """The JSON of `ifeval score`: coverage, the four accuracies, per type, what did not pair."""
    report = {
        "n_data_prompts": n_data,
        "n_responses": len(matching.pairs) + len(matching.unmatched) + len(matching.duplicates),
        "n_scored": len(matching.pairs),
        **summary.to_dict(),
        "unmatched_responses": [
            {"line": line.line, "prompt": line.prompt} for line in matching.unmatched
        ],
        "duplicate_responses": [
            {"line": line.line, "prompt": line.prompt} for line in matching.duplicates
        ],
        "missing_responses": [
            {"id": p.id, "key": p.metadata.get("key"), "prompt": p.user_text}
            for p in matching.missing
        ],
    }
    return _clean(report)


def _clean(value: Any) -> Any:
    """NaN (a rate over n = 0) is not JSON: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _fmt(rate: Rate) -> str:
    if rate.n == 0:
        return "n/a (n=0)"
    low, high = 100 * rate.ci_low, 100 * rate.ci_high
    return f"{100 * rate.rate:5.1f}% [{low:.1f}, {high:.1f}] n={rate.n}"


def _echo_summary(summary: IFEvalSummary, by_type: bool, indent: str = "") -> None:
    for metric in METRICS:
        typer.echo(f"{indent}{METRIC_LABELS[metric]:<26}{_fmt(getattr(summary, metric))}")
    if summary.n_checker_errors:
        typer.echo(f"{indent}checker errors (scored as failing): {summary.n_checker_errors}")
    if by_type:
        typer.echo(f"{indent}{'instruction':<46}{'strict':<28}loose")
        for iid, rates in summary.by_instruction.items():
            strict, loose = rates["strict"], rates["loose"]
            typer.echo(f"{indent}{iid:<46}{_fmt(strict):<28}{100 * loose.rate:5.1f}%")


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return json.dumps(text if len(text) <= width else text[: width - 1] + "…", ensure_ascii=False)


def _echo_matching(matching: Matching) -> None:
    groups: Sequence[tuple[str, list[str]]] = (
        (
            "responses with no matching prompt (not scored)",
            [f"line {x.line}: {_short(x.prompt)}" for x in matching.unmatched],
        ),
        (
            "second responses to an answered prompt (not scored)",
            [f"line {x.line}: {_short(x.prompt)}" for x in matching.duplicates],
        ),
        (
            "prompts with no response (not scored)",
            [f"{p.id}: {_short(p.user_text)}" for p in matching.missing],
        ),
    )
    for title, lines in groups:
        if lines:
            typer.echo(f"{title}: {len(lines)}")
            for line in lines:
                typer.echo(f"  {line}")


def _write_items(path: Path, results: list[IFEvalResult]) -> None:
    from evalkit.jsonio import write_records

    write_records(path, [r.to_dict() for r in results])


# --------------------------------------------------------------------------- public suites


@suites_app.command("list")
def suites_list(
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder (default as always)."),
) -> None:
    """The public sets evalkit can load, where it looks for them, and their licences."""
    from evalkit.suites.public import PUBLIC_SUITES, public_suite_path

    for name, suite in PUBLIC_SUITES.items():
        try:
            path = public_suite_path(name, data_dir)
            where = f"{path}{'' if path.exists() else ' (missing)'}"
        except UserError:
            where = f"{suite.path} (no data folder)"
        typer.echo(f"{name:<18} {suite.rows:>4} rows  {suite.licence:<11} {where}")


@suites_app.command("export")
def suites_export(
    name: str = typer.Argument(..., help="xstest, simplesafetytests, harmbench, advbench, ..."),
    out: Path = typer.Option(..., "--out", "-o", help="Prompt JSONL to write."),
    data_dir: Path = typer.Option(None, "--data-dir", help="Data folder (default as always)."),
    data: Path = typer.Option(None, "--data", help="The set's file, if not in its usual place."),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N prompts."),
) -> None:
    """Write a public set as Prompt JSONL, to run it with `evalkit run --prompts FILE`.

    Example: evalkit suites export xstest --out runs/xstest.prompts.jsonl
    """
    from evalkit.jsonio import check_outputs, write_records
    from evalkit.suites.public import load_public_suite

    check_outputs(out)  # before the work
    if data is not None and not data.is_absolute() and data.exists():
        data = data.absolute()  # a path typed on the command line is from here first
    prompts = load_public_suite(name, data_dir, data)
    prompts = prompts[:limit] if limit else prompts
    count = write_records(out, prompts)
    typer.echo(f"{name}: {count} prompts written to {out}")
