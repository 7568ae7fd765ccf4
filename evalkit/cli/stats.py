"""`evalkit stats ...`: the statistics on a run's grades or on grades brought from elsewhere.

GRADES is a run folder (its grade store) or a CSV / JSONL export with the columns of
`evalkit grades export`. Tables print with n and 95% intervals; `--json` prints the rows.
Automatic grades are shown in their own tables, labelled as automatic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED

stats_app = typer.Typer(
    name="stats",
    help="Statistics with n and 95% intervals (side by side, violations, summarization, IFEval, "
    "agreement, ranking, latency, sample size).",
    no_args_is_help=True,
)

GRADES_HELP = "A run folder (its grade store) or a grades export (.csv or .jsonl)."
DB_HELP = "Grade store URL for a run folder (default: $EVALKIT_DB, else RUN_DIR/grades.sqlite)."


def register(app: typer.Typer) -> None:
    """Add `evalkit stats ...`."""
    app.add_typer(stats_app, name="stats")


def _emit_json(frame: pd.DataFrame) -> None:
    typer.echo(json.dumps(_json_rows(frame), indent=1))


def _emit_json_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Several tables as one JSON object: {name: rows}."""
    typer.echo(json.dumps({name: _json_rows(t) for name, t in tables.items()}, indent=1))


def _json_rows(frame: pd.DataFrame) -> list[dict]:
    """A table as JSON rows, floats to 6 digits (NaN as null)."""
    return json.loads(frame.to_json(orient="records", double_precision=6))


def _table(title: str, columns: list[str], rows: list[list[str]], empty: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    if not rows:
        typer.echo(f"{title}: none{f' ({empty})' if empty else ''}")
        return
    import sys

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def _graders_title(graders: str) -> str:
    from evalkit.stats.display import GRADER_LABELS

    return GRADER_LABELS.get(graders, graders)


@stats_app.command("sxs")
def sxs_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    candidate: list[str] = typer.Option(
        None,
        "--candidate",
        "-c",
        help="Candidate model (repeatable); default: each pair's model_a.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON rows."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Bootstrap seed."),
    resamples: int = typer.Option(
        DEFAULT_RESAMPLES, "--resamples", min=100, help="Bootstrap resamples."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Win / tie / loss with 95% intervals and n per baseline and category (sign test, Holm)."""
    from evalkit.errors import UserError
    from evalkit.stats.display import p_value, pct_interval, signed_pct_interval
    from evalkit.stats.frames import grades_source
    from evalkit.stats.sxs import check_candidate, sxs_table

    frame = grades_source(grades, "sxs", db)
    if frame.empty:
        raise UserError(f"{grades}: no side-by-side grades")
    for name in candidate or []:
        check_candidate(frame, name)
    table = sxs_table(frame, candidate or None, resamples=resamples, seed=seed)
    if json_out:
        _emit_json(table)
        return
    for (graders, cand), group in table.groupby(["graders", "candidate"], sort=False):
        rows = [
            [
                r.baseline,
                r.category,
                str(r.n_items),
                pct_interval(r.win_rate, r.win_low, r.win_high),
                pct_interval(r.tie_rate, r.tie_low, r.tie_high),
                pct_interval(r.loss_rate, r.loss_low, r.loss_high),
                signed_pct_interval(r.net, r.net_low, r.net_high),
                p_value(r.p_holm) + (" *" if r.significant else ""),
            ]
            for r in group.itertuples()
        ]
        _table(
            f"{cand} side by side — {_graders_title(graders)}",
            ["baseline", "category", "n", "win [95% CI]", "tie", "loss", "net", "p (Holm)"],
            rows,
        )
    typer.echo(
        "Intervals: bootstrap over prompts. p: sign test on non-tied items, Holm-corrected "
        "(* p<0.05)."
    )


@stats_app.command("violations")
def violations_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the tables as JSON."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Violation rate per model and area (Wilson), model differences (Newcombe), over-refusal."""
    from evalkit.errors import UserError
    from evalkit.stats.display import signed_pct_interval
    from evalkit.stats.frames import load_grades_file, load_run_frames
    from evalkit.stats.safety import over_refusal_table, violation_differences, violation_table

    if grades.is_dir():
        frames = load_run_frames(grades, db)
        frame, refusals = frames.safety, frames.refusals
    else:
        frame, refusals = load_grades_file(grades, "safety"), None
    if frame.empty and (refusals is None or refusals.empty):
        raise UserError(f"{grades}: no safety grades")
    rates = violation_table(frame)
    diffs = violation_differences(rates)
    over = over_refusal_table(frame, refusals)
    if json_out:
        _emit_json_tables({"violation_rate": rates, "differences": diffs, "over_refusal": over})
        return
    _area_rate_tables("Violation rate", rates, "violations")
    if not diffs.empty:
        _table(
            "Differences in violation rate (Newcombe 95% CI)",
            ["graders", "area", "model − other", "difference"],
            [
                [
                    r.graders,
                    r.area,
                    f"{r.model} − {r.other}",
                    signed_pct_interval(r.diff, r.low, r.high),
                ]
                for r in diffs.itertuples()
            ],
        )
    _area_rate_tables("Over-refusal (benign prompts refused)", over, "refused")


def _area_rate_tables(title: str, rates: pd.DataFrame, counted: str) -> None:
    """One table per graders group: model, area, count, n and rate with its interval."""
    from evalkit.stats.display import pct_interval

    for graders, group in rates.groupby("graders", sort=False):
        _table(
            f"{title} — {_graders_title(graders)}",
            ["model", "area", counted, "n", "rate [95% CI]"],
            [
                [r.model, r.area, str(r.k), str(r.n), pct_interval(r.rate, r.low, r.high)]
                for r in group.itertuples()
            ],
        )


@stats_app.command("summarization")
def summarization_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    by: str = typer.Option(
        "use_case", "--by", help="Break down by use_case, content_type, length_bucket or stacked."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON rows."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Good / neutral / poor ratios per model and use case (five-dimension rule), Wilson CIs."""
    from evalkit.errors import UserError
    from evalkit.stats.display import pct_interval
    from evalkit.stats.frames import grades_source
    from evalkit.stats.summarization import default_rubric, summarization_table

    if by not in ("use_case", "content_type", "length_bucket", "stacked"):
        raise UserError(f"--by {by}: use use_case, content_type, length_bucket or stacked")
    frame = grades_source(grades, "summarization", db)
    if frame.empty:
        raise UserError(f"{grades}: no summarization grades")
    table = summarization_table(frame, default_rubric(), by=by)
    if json_out:
        _emit_json(table)
        return
    for graders, group in table.groupby("graders", sort=False):
        _table(
            f"Summarization — {_graders_title(graders)}",
            ["model", by, "n", "good [95% CI]", "neutral", "poor"],
            [
                [
                    r.model,
                    str(getattr(r, by)),
                    str(r.n_items),
                    pct_interval(r.good_rate, r.good_low, r.good_high),
                    pct_interval(r.neutral_rate, r.neutral_low, r.neutral_high),
                    pct_interval(r.poor_rate, r.poor_low, r.poor_high),
                ]
                for r in group.itertuples()
            ],
        )


@stats_app.command("ifeval")
def ifeval_command(
    run_dirs: list[Path] = typer.Argument(..., help="Run folders with scores.jsonl."),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON rows."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed"),
) -> None:
    """The four IFEval accuracies per model with 95% intervals."""
    from evalkit.errors import UserError
    from evalkit.stats.display import pct_interval
    from evalkit.stats.frames import load_runs
    from evalkit.stats.ifeval import LABELS, ifeval_table

    frames = load_runs(list(run_dirs))
    if frames.ifeval.empty:
        raise UserError("no IFEval scores in the runs (run `evalkit score` first)")
    table = ifeval_table(frames.ifeval, seed=seed)
    if json_out:
        _emit_json(table)
        return
    _table(
        "IFEval accuracy (scored by program)",
        ["model", "metric", "k", "n", "accuracy [95% CI]"],
        [
            [r.model, LABELS[r.metric], str(r.k), str(r.n), pct_interval(r.rate, r.low, r.high)]
            for r in table.itertuples()
        ],
    )


@stats_app.command("agreement")
def agreement_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    kind: str = typer.Option("sxs", "--kind", help="sxs, safety or summarization."),
    min_shared: int = typer.Option(
        10, "--min-shared", help="Items two raters must share for a kappa."
    ),
    json_out: bool = typer.Option(False, "--json"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Krippendorff's alpha, pairwise Cohen's kappa, gold accuracy, judge-vs-human agreement."""
    from evalkit.errors import UserError
    from evalkit.stats import agreement
    from evalkit.stats.display import num_interval, pct_interval
    from evalkit.stats.frames import KINDS, grades_source
    from evalkit.stats.summarization import default_rubric

    if kind not in KINDS:
        raise UserError(f"--kind {kind}: use one of {', '.join(KINDS)}")
    frame = grades_source(grades, kind, db)
    rubric = default_rubric() if kind == "summarization" else None
    alpha = agreement.alpha_table(**{kind: frame}, rubric=rubric)
    kappas = agreement.pairwise_kappa(frame, kind, min_shared, rubric)
    gold = agreement.gold_accuracy(frame, kind, rubric)
    judges = agreement.judge_agreement(frame, kind, rubric)
    if json_out:
        _emit_json_tables({"alpha": alpha, "kappa": kappas, "gold": gold, "judge": judges})
        return
    _table(
        "Krippendorff's alpha (human raters)",
        ["measure", "level", "alpha [95% CI]", "items", "raters"],
        [
            [
                r.measure,
                r.level,
                num_interval(r.alpha, r.low, r.high),
                str(r.n_items),
                str(r.n_raters),
            ]
            for r in alpha.itertuples()
        ],
    )
    _table(
        f"Cohen's kappa, pairs of raters sharing ≥ {min_shared} items",
        ["rater", "rater", "shared", "kappa [95% CI]", "raw agreement"],
        [
            [
                r.rater_1,
                r.rater_2,
                str(r.n_shared),
                num_interval(r.kappa, r.low, r.high),
                f"{100 * r.agreement:.1f}%",
            ]
            for r in kappas.itertuples()
        ],
        "no two human raters share that many items",
    )
    _table(
        "Gold accuracy per rater",
        ["rater", "correct", "n", "accuracy [95% CI]"],
        [
            [r.rater_id, str(r.k), str(r.n), pct_interval(r.rate, r.low, r.high)]
            for r in gold.itertuples()
        ],
        "no graded gold items with a gold answer",
    )
    _table(
        "AUTOMATIC graders vs humans (shared items)",
        ["judge", "agree", "n", "agreement [95% CI]", "kappa [95% CI]"],
        [
            [
                r.judge,
                str(r.k),
                str(r.n),
                pct_interval(r.rate, r.low, r.high),
                num_interval(r.kappa, r.kappa_low, r.kappa_high),
            ]
            for r in judges.itertuples()
        ],
        "no items graded by both an automatic grader and humans",
    )


@stats_app.command("ranking")
def ranking_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    json_out: bool = typer.Option(False, "--json"),
    seed: int = typer.Option(DEFAULT_SEED, "--seed"),
    resamples: int = typer.Option(1000, "--resamples", min=100),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Bradley–Terry strengths over every pairwise grade, with bootstrap intervals."""
    from evalkit.errors import UserError
    from evalkit.stats.display import num_interval
    from evalkit.stats.frames import grades_source
    from evalkit.stats.ranking import bradley_terry

    frame = grades_source(grades, "sxs", db)
    if frame.empty:
        raise UserError(f"{grades}: no side-by-side grades")
    table = bradley_terry(frame, resamples=resamples, seed=seed)
    if json_out:
        _emit_json(table)
        return
    for graders, group in table.groupby("graders", sort=False):
        _table(
            f"Bradley–Terry ranking — {_graders_title(graders)}",
            ["rank", "model", "strength [95% CI]", "Elo-scale [95% CI]", "battles"],
            [
                [
                    str(r.rank),
                    r.model,
                    num_interval(r.strength, r.low, r.high),
                    num_interval(r.elo, r.elo_low, r.elo_high, 0),
                    str(r.n_battles),
                ]
                for r in group.itertuples()
            ],
        )


@stats_app.command("latency")
def latency_command(
    run_dirs: list[Path] = typer.Argument(..., help="Run folders."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Latency (p50, p90), time to first token, tokens/s and error rate per model."""
    from evalkit.errors import UserError
    from evalkit.stats.display import num_interval, pct_interval
    from evalkit.stats.frames import load_runs
    from evalkit.stats.latency import latency_table

    frames = load_runs(list(run_dirs))
    if frames.responses.empty:
        raise UserError("no responses in the runs")
    table = latency_table(frames.responses)
    if json_out:
        _emit_json(table)
        return
    _table(
        "Latency and throughput (successful responses; order-statistic 95% CIs)",
        [
            "model",
            "n",
            "errors [95% CI]",
            "p50 latency s",
            "p90 latency s",
            "TTFT p50 s",
            "tokens/s p50",
        ],
        [
            [
                r.model,
                str(r.n),
                pct_interval(r.error_rate, r.error_low, r.error_high),
                num_interval(r.latency_p50_s, r.latency_p50_low, r.latency_p50_high),
                num_interval(r.latency_p90_s, r.latency_p90_low, r.latency_p90_high),
                f"{r.ttft_p50_s:.2f}",
                num_interval(r.tokens_per_s, r.tokens_per_s_low, r.tokens_per_s_high, 1),
            ]
            for r in table.itertuples()
        ],
    )


@stats_app.command("sample-size")
def sample_size_command(
    delta: float = typer.Option(
        0.05, "--delta", help="Net preference to detect (win − loss), e.g. 0.05."
    ),
    tie_rate: float = typer.Option(0.2, "--tie-rate", help="Expected share of ties."),
    power: float = typer.Option(0.8, "--power"),
    alpha: float = typer.Option(0.05, "--alpha"),
    n: int = typer.Option(750, "--n", help="Show what this many items buy."),
) -> None:
    """Items needed to detect a net preference, and what N items buy."""
    from evalkit.errors import UserError
    from evalkit.stats.power import items_needed, what_n_buys

    if not (0 <= tie_rate < 1 and 0 < power < 1 and 0 < alpha < 1 and 0 < delta < 1 - tie_rate):
        raise UserError("need 0 < delta < 1 − tie_rate, 0 ≤ tie_rate < 1, 0 < power, alpha < 1")
    needed = items_needed(delta, tie_rate, power, alpha)
    typer.echo(
        f"To detect a net preference of {100 * delta:.1f} points with {100 * tie_rate:.0f}% ties "
        f"(two-sided sign test, α={alpha}, power={power}): {needed:,} graded items per comparison."
    )
    table = what_n_buys(n, tie_rate, power, alpha)
    _table(f"What {n} items buy", ["question", "answer"], table.values.tolist())
