"""`evalkit demo`: the whole loop on the embedded models in one command."""

from __future__ import annotations

from pathlib import Path

import typer

from evalkit.demo import DemoSizes, default_gates, run_demo


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


DEFAULT = DemoSizes()  # sized to finish within about 10 minutes on 2 idle cores


def demo_command(
    out: Path = typer.Option(Path("runs/demo"), "-o", "--out", help="Run folder (resumable)."),
    config_path: Path = typer.Option(
        Path("evalkit.yaml"), "-c", "--config", help="Project config."
    ),
    report: Path = typer.Option(Path("reports/demo"), "--report", help="Report folder."),
    gates: Path = typer.Option(
        None,
        "--gates",
        help="Gates file [default: ./gates.yaml, else ./examples/gates.yaml, else evalkit's].",
    ),
    bank: int = typer.Option(
        DEFAULT.bank_per_category, "--bank", min=1, help="Bank prompts per category."
    ),
    summaries: int = typer.Option(
        DEFAULT.summaries_per_use_case,
        "--summaries",
        min=1,
        help="Samples per summarization use case.",
    ),
    ifeval: int = typer.Option(DEFAULT.ifeval, "--ifeval", min=1, help="IFEval prompts."),
    adversarial: int = typer.Option(
        DEFAULT.adversarial_per_area,
        "--adversarial",
        min=1,
        help="Adversarial prompts per area.",
    ),
    max_tokens: int = typer.Option(
        DEFAULT.max_tokens, "--max-tokens", min=8, help="Generation length cap."
    ),
    judge_limit: int = typer.Option(
        DEFAULT.judge_limit, "--judge-limit", min=1, help="Judge at most N items per kind."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the slices."),
    data_dir: str = typer.Option(None, "--data-dir", help="Public data folder (IFEval)."),
) -> None:
    """Run the whole loop on the embedded models: responses, automatic grades, grading plan,
    LLM-judge grades, statistics, gates, report. Rerunning resumes.

    Example: evalkit demo --bank 1 --summaries 1 --ifeval 5 --adversarial 2
    """
    from evalkit.models.build import ensure_portable

    sizes = DemoSizes(bank, summaries, ifeval, adversarial, max_tokens, judge_limit)
    ensure_portable(lambda line: typer.echo(line, err=True))  # a build that runs on any CPU
    run_demo(out, config_path, report, gates or default_gates(), sizes, seed, data_dir)
