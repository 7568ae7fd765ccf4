"""`evalkit score RUN_DIR`: the automatic graders over a run, into RUN_DIR/scores.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evalkit.errors import UserError

if TYPE_CHECKING:
    from evalkit.scoring.run import RunScores


def register(app: typer.Typer) -> None:
    app.command("score")(score_command)
    from evalkit.cli.ifeval import suites_app  # the `evalkit suites` group

    suites_app.command("lm-eval")(suites_lmeval_command)


def score_command(
    run_dir: Path = typer.Argument(..., help="Run folder (with responses.jsonl, prompts.jsonl)."),
    judge: str = typer.Option(
        None, "--judge", help="Model of the config that grades as LLM judge (default: none)."
    ),
    config_path: Path = typer.Option(
        Path("evalkit.yaml"), "-c", "--config", help="Project config (for --judge)."
    ),
    db: str = typer.Option(
        None,
        "--db",
        help="Grade store URL (default $EVALKIT_DB, else RUN_DIR/grades.sqlite if it exists; "
        "never created).",
    ),
    judge_limit: int = typer.Option(
        None, "--judge-limit", min=1, help="Judge at most N items of each kind."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run the automatic graders on a run and print the statistics' rows they feed.

    Writes RUN_DIR/scores.jsonl (rewritten: scoring twice gives the same file) and prints the
    rows of the statistics' table for the run's automatic graders and programs (violation and
    over-refusal rates, IFEval accuracies) and the judge's tally. If the run has a grade store,
    auto:refusal and judge grades are stored there too. Holds the run folder's writer lock.

    Example: evalkit score runs/demo --judge smollm2-360m --judge-limit 50
    """
    from evalkit.scoring.run import format_run_scores, run_scores_json, score_run

    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: run folder not found")
    if judge:
        result = _score_with_judge(run_dir, judge, config_path, db, judge_limit)
    else:
        result = score_run(run_dir, db=db)
    if as_json:
        typer.echo(json.dumps(run_scores_json(result), indent=2, default=str))
    else:
        typer.echo(format_run_scores(result))


def _score_with_judge(
    run_dir: Path, judge: str, config_path: Path, db: str | None, judge_limit: int | None
) -> RunScores:
    from evalkit.config import load_config
    from evalkit.models import serving
    from evalkit.scoring.run import score_run

    config = load_config(config_path)
    spec = config.model(judge)
    rubrics_dir = str(config.resolve(config.rubrics))
    with serving([spec]) as served:
        (ready,) = served.specs
        return score_run(
            run_dir, judge=ready, db=db, judge_limit=judge_limit, rubrics_dir=rubrics_dir
        )


def suites_lmeval_command(
    task: str = typer.Argument(..., help="lm-eval task, group or tag name, or a task YAML file."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Prompt JSONL to write (default: lmeval-TASK.prompts.jsonl)."
    ),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the first N documents."),
    include_path: list[Path] = typer.Option(
        None, "--include-path", help="A folder of task YAMLs, as lm-eval's (repeatable)."
    ),
    num_fewshot: int = typer.Option(
        None, "--num-fewshot", min=0, help="Few-shot examples (default: the task's)."
    ),
    fmt: str = typer.Option(
        "multiturn",
        "--format",
        help="multiturn: few-shot examples as chat turns (lm-eval --apply_chat_template "
        "--fewshot_as_multiturn); singleturn: in one user turn; plain: the context lm-eval "
        "gives a completion model, as one user turn.",
    ),
    system_instruction: str = typer.Option(
        None, "--system-instruction", help="lm-eval's --system_instruction."
    ),
) -> None:
    """Write an lm-eval `generate_until` task as Prompt JSONL: the prompts lm-eval would send.

    Run them with `evalkit run --prompts FILE`; `evalkit score` applies the task's own filters
    and metrics. Log-likelihood and multiple-choice tasks are refused (they need token
    log-probabilities).

    Example: evalkit suites lm-eval gsm8k --limit 100 --out runs/gsm8k.prompts.jsonl
    """
    from evalkit.suites.lmeval import build_suites, describe_suite, write_suites

    suites = build_suites(
        task,
        limit=limit,
        include_path=include_path,
        num_fewshot=num_fewshot,
        fmt=fmt,
        system_instruction=system_instruction,
    )
    out = out or Path(
        f"lmeval-{Path(task).stem if task.endswith(('.yaml', '.yml')) else task}.prompts.jsonl"
    )
    count = write_suites(suites, out)
    for suite in suites:
        typer.echo(describe_suite(suite))
    typer.echo(f"{count} prompts written to {out} (evalkit run --prompts {out})")
