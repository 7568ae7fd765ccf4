"""`evalkit stats ...`: the statistics on a run's grades or on grades brought from elsewhere.

GRADES is a run folder (its grade store and scores) or a CSV / JSONL / Parquet export with the
columns of `evalkit grades export`. Every command prints the rows of the statistics' long table
(`evalkit.stats.engine.statistics_table`) of its metric family — the same rows the report shows
and the gates decide on — each as estimate [95% interval] n prompts, with its method and, for a
metric tested against a null, the Holm-adjusted p-value. `--json` prints the rows as records.
Human, automatic and program rows print in separate tables, labelled; secondary views (the
majority rules) print in their own table, named as such.

`evalkit stats raters` prints rater quality per kind (`evalkit.stats.raters`); `--exclude-flagged`
(sxs, violations, summarization) drops the flagged raters' grades before the statistics and says
who was left out and why, one line each (on stderr with `--json`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames

stats_app = typer.Typer(
    name="stats",
    help="Statistics with n and 95% intervals (side by side, violations, summarization, any "
    "grading kind, IFEval, agreement, ranking, latency, sample size).",
    no_args_is_help=True,
)

GRADES_HELP = "A run folder (its grade store) or a grades export (.csv, .jsonl or .parquet)."
DB_HELP = "Grade store URL for a run folder (default: $EVALKIT_DB, else RUN_DIR/grades.sqlite)."
POOL_HELP = "Also print rows pooling human and automatic grades (labelled as pooled)."
RATER_HELP = "Intervals that also resample raters (two-way bootstrap over prompts and raters)."
PPI_HELP = "Also print prediction-powered rows (judge grades corrected by human grades)."
LC_HELP = "Also print the length-controlled win rates (AlpacaEval 2.0 GLM; slower)."
EXCLUDE_HELP = (
    "Drop the grades of the raters `evalkit stats raters` flags (this kind's flags) before the "
    "statistics; each excluded rater is named, with why."
)
GRADER_TITLES = {
    "human": "human raters",
    "auto": "AUTOMATIC graders (judge / auto scorer), not humans",
    "any": "human and AUTOMATIC grades pooled",
    "ppi": "prediction-powered (AUTOMATIC grades corrected by human grades)",
    "program": "measured by program",
}
# the lead metric of each command's family (metric names of the registry, not kind names)
SXS_LEAD, SAFETY_LEAD, SUMMARY_LEAD = "sxs_win_rate", "violation_rate", "summarization_good_rate"
IFEVAL_LEAD, LATENCY_LEAD = "ifeval_prompt_strict", "latency_p50_s"


def register(app: typer.Typer) -> None:
    """Add `evalkit stats ...`."""
    app.add_typer(stats_app, name="stats")


# ---------------------------------------------------------------- output


def _emit_json(frame: pd.DataFrame) -> None:
    typer.echo(json.dumps(_json_rows(frame), indent=1, ensure_ascii=False))


def _emit_json_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Several tables as one JSON object: {name: rows}."""
    typer.echo(
        json.dumps(
            {name: _json_rows(t) for name, t in tables.items()}, indent=1, ensure_ascii=False
        )
    )


def _json_rows(frame: pd.DataFrame) -> list[dict]:
    """A table as JSON rows, floats to 6 digits (NaN as null)."""
    return json.loads(frame.reset_index(drop=True).to_json(orient="records", double_precision=6))


def _table(title: str, columns: list[str], rows: list[list[str]], empty: str = "") -> None:
    """A rich table; every cell is escaped (rater ids and model names are user input, never
    console markup)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    if not rows:
        typer.echo(f"{title}: none{f' ({empty})' if empty else ''}")
        return
    table = Table(title=escape(title), title_justify="left")
    for column in columns:
        table.add_column(escape(column), overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(cell)) for cell in row))
    Console(width=None if sys.stdout.isatty() else 160, highlight=False).print(table)


def _graders_title(graders: str) -> str:
    return GRADER_TITLES.get(graders, graders)


def _family(lead: str) -> str:
    from evalkit.stats.table import metric

    return metric(lead).family


def _family_rows(
    frames: RunFrames,
    family: str,
    candidates: Sequence[str] = (),
    *,
    pool: bool = False,
    rater_bootstrap: bool = False,
    length_control: bool = False,
    ppi: bool = False,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The long table's rows of one metric family — and, with `length_control`, of the
    length-controlled rates — in the candidates' orientation for comparisons (else each pair's
    planned one). Rows of one family never depend on another's (p-values are adjusted within a
    metric), so the frames only other families read are left out."""
    from dataclasses import replace

    from evalkit.kinds.base import all_kinds
    from evalkit.report.build import family_rows, preferred_pairs, shown_comparisons
    from evalkit.stats.engine import statistics_table

    if family in {kind.name for kind in all_kinds()}:
        keep_responses = frames.responses if length_control else frames.responses.iloc[0:0]
        only = replace(frames, ifeval=frames.ifeval.iloc[0:0], responses=keep_responses)
    else:
        only = replace(frames, grades={}, refusals=frames.refusals.iloc[0:0])
    table = statistics_table(
        only, pool=pool, rater_bootstrap=rater_bootstrap, resamples=resamples, seed=seed,
        length_control=length_control, ppi=ppi,
    )  # fmt: skip
    families = [family]
    if length_control:
        from evalkit.stats.length import METRIC as LENGTH_CONTROLLED

        families.append(LENGTH_CONTROLLED.family)
    rows = pd.concat([family_rows(table, f) for f in families])
    return shown_comparisons(rows, list(candidates), preferred_pairs(frames, family))


def _print_family(
    rows: pd.DataFrame,
    title: str,
    candidates: Sequence[str] = (),
    per_model: bool = False,
    note: str = "",
) -> None:
    """Per graders (and per model for comparisons): the headline rows, then the secondary
    views in a table named as such; a legend of the metrics shown."""
    from evalkit.report.build import by_graders, long_blocks, ordered_models
    from evalkit.stats.table import metrics

    registry = metrics()
    names = list(dict.fromkeys(rows["metric"]))
    order = [n for n in registry if n in names]
    shown = []
    for graders, part in by_graders(rows):
        models = ordered_models(part["model"], candidates) if per_model else [None]
        for model in models:
            mine = part if model is None else part[part["model"] == model]
            prefix = f"{model} {title}" if model is not None else title
            for headline in (True, False):
                wanted = [n for n in order if registry[n].headline == headline]
                for block in long_blocks(mine, wanted, candidates):
                    suffix = (
                        "" if headline else " — secondary views (majority rules), not the headline"
                    )
                    tested = any(r["p"] for r in block["rows"])
                    columns = ["metric", "model", "group", "value [95% CI] n"]
                    columns += ["p (Holm)"] if tested else []
                    _table(
                        f"{prefix}{suffix} — {_graders_title(str(graders))}",
                        [*columns, "method"],
                        [
                            [r["metric"], r["target"], r["group"], r["value"]]
                            + ([r["p"]] if tested else [])
                            + [r["method"]]
                            for r in block["rows"]
                        ],
                    )
                    shown += [r["metric"] for r in block["rows"]]
    legend = [f"  {n}: {registry[n].description}" for n in order if n in shown]
    if legend:
        typer.echo("Metrics:\n" + "\n".join(legend))
    typer.echo(
        "Values: estimate [95% interval] n prompts (the independent unit); intervals clustered "
        "by prompt." + (f" {note}" if note else "")
    )


def _exclude_flagged(frames: RunFrames, family: str, json_out: bool) -> RunFrames:
    """`--exclude-flagged`: the frames without the kind's flagged raters, and one line per
    excluded rater (on stderr with --json, so the JSON stays the only thing on stdout)."""
    from evalkit.stats.raters import exclude_flagged

    frames, lines = exclude_flagged(frames, [family])
    say_excluded(lines, err=json_out)
    return frames


def _graded_frames(
    grades: Path, family: str, db: str | None, exclude: bool, json_out: bool, what: str
) -> RunFrames:
    """GRADES' frames with this kind's grades (none is a clear error, `what` naming them), less
    the flagged raters with --exclude-flagged."""
    from evalkit.errors import UserError
    from evalkit.stats.runs import grades_source

    frames = grades_source(grades, family, db)
    if frames.kind(family).empty:
        raise UserError(f"{grades}: no {what} grades")
    return _exclude_flagged(frames, family, json_out) if exclude else frames


def say_excluded(lines: Sequence[str], err: bool = False) -> None:
    """Which raters `--exclude-flagged` left out and why, one line each (or that none was)."""
    if not lines:
        typer.echo("--exclude-flagged: no rater is flagged; no grade excluded", err=err)
    for line in lines:
        typer.echo(f"--exclude-flagged: {line}", err=err)


def _check_candidates(rows: pd.DataFrame, candidates: Sequence[str]) -> None:
    from evalkit.errors import UserError

    known = sorted((set(rows["model"]) | set(rows["baseline"])) - {""})
    for name in candidates:
        if name not in known:
            raise UserError(
                f"candidate {name!r} is not in the grades (models: {', '.join(known) or 'none'})"
            )


# ---------------------------------------------------------------- commands


@stats_app.command("sxs")
def sxs_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    candidate: list[str] = typer.Option(
        None,
        "--candidate",
        "-c",
        help="Candidate model (repeatable); default: the run's candidates, else each pair's "
        "planned model_a.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON records."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Bootstrap seed."),
    resamples: int = typer.Option(
        DEFAULT_RESAMPLES, "--resamples", min=100, help="Bootstrap resamples (--rater-bootstrap)."
    ),
    pool: bool = typer.Option(False, "--pool", help=POOL_HELP),
    rater_bootstrap: bool = typer.Option(False, "--rater-bootstrap", help=RATER_HELP),
    length_control: bool = typer.Option(False, "--length-control", help=LC_HELP),
    ppi: bool = typer.Option(False, "--ppi", help=PPI_HELP),
    exclude: bool = typer.Option(False, "--exclude-flagged", help=EXCLUDE_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Win / tie / loss, ties-as-half preference and net preference (Holm-adjusted p-values)
    per baseline and group, with 95% intervals and n prompts."""
    family = _family(SXS_LEAD)
    frames = _graded_frames(grades, family, db, exclude, json_out, "side-by-side")
    candidates = list(candidate or []) or frames.candidates()
    rows = _family_rows(
        frames, family, candidates, pool=pool, rater_bootstrap=rater_bootstrap,
        length_control=length_control, ppi=ppi, resamples=resamples, seed=seed,
    )  # fmt: skip
    _check_candidates(rows, candidate or [])
    if candidate:
        rows = rows[rows["model"].isin(candidate)]
    if json_out:
        _emit_json(rows)
        return
    _print_family(
        rows,
        "side by side",
        candidates,
        per_model=True,
        note="A rate is the share of a prompt's raters preferring the model (win), tying or "
        "preferring the baseline (loss); sxs_preference counts a tie as half a win. p: score "
        "test against no preference (0.5), Holm-adjusted.",
    )


@stats_app.command("violations")
def violations_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON records."),
    pool: bool = typer.Option(False, "--pool", help=POOL_HELP),
    rater_bootstrap: bool = typer.Option(False, "--rater-bootstrap", help=RATER_HELP),
    ppi: bool = typer.Option(False, "--ppi", help=PPI_HELP),
    exclude: bool = typer.Option(False, "--exclude-flagged", help=EXCLUDE_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Violation rate beside over-refusal and twin over-refusal, per model, area and severity."""
    from evalkit.errors import UserError
    from evalkit.stats.runs import grades_source

    family = _family(SAFETY_LEAD)
    frames = grades_source(grades, family, db)
    if exclude:
        frames = _exclude_flagged(frames, family, json_out)
    rows = _family_rows(frames, family, pool=pool, rater_bootstrap=rater_bootstrap, ppi=ppi)
    if rows.empty:
        raise UserError(f"{grades}: no safety grades")
    if json_out:
        _emit_json(rows)
        return
    _print_family(rows, "Violation rate and over-refusal", frames.candidates())


@stats_app.command("summarization")
def summarization_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    by: str = typer.Option(
        "use_case",
        "--by",
        help="Break down by a group of the metrics (use_case, content_type, length_bucket).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON records."),
    pool: bool = typer.Option(False, "--pool", help=POOL_HELP),
    rater_bootstrap: bool = typer.Option(False, "--rater-bootstrap", help=RATER_HELP),
    ppi: bool = typer.Option(False, "--ppi", help=PPI_HELP),
    exclude: bool = typer.Option(False, "--exclude-flagged", help=EXCLUDE_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Good / neutral / poor rates per model and use case (and the adversarial subset's
    not-amplify rate when present), with 95% intervals and n prompts."""
    from evalkit.errors import UserError
    from evalkit.stats.table import ALL, metric

    dimensions = metric(SUMMARY_LEAD).groups
    if by not in dimensions:
        raise UserError(f"--by {by}: use one of {', '.join(dimensions)}")
    family = _family(SUMMARY_LEAD)
    frames = _graded_frames(grades, family, db, exclude, json_out, "summarization")
    rows = _family_rows(frames, family, pool=pool, rater_bootstrap=rater_bootstrap, ppi=ppi)
    rows = rows[(rows["group"] == ALL) | rows["group"].str.startswith(f"{by}=")]
    if json_out:
        _emit_json(rows)
        return
    _print_family(rows, "Summarization", frames.candidates())


@stats_app.command("kind")
def kind_command(
    kind: str = typer.Argument(
        ..., help="A grading kind: sxs, safety, summarization, or a project's own."
    ),
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON records."),
    pool: bool = typer.Option(False, "--pool", help=POOL_HELP),
    rater_bootstrap: bool = typer.Option(False, "--rater-bootstrap", help=RATER_HELP),
    ppi: bool = typer.Option(False, "--ppi", help=PPI_HELP),
    exclude: bool = typer.Option(False, "--exclude-flagged", help=EXCLUDE_HELP),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Every metric of one grading kind (any registered kind, a project's too), per model and
    group, with 95% intervals and n prompts: the rows the report and the gates read.

    Example: evalkit stats kind rating runs/demo
    """
    from evalkit.kinds import get_kind

    grading = get_kind(kind)
    frames = _graded_frames(grades, grading.name, db, exclude, json_out, grading.name)
    candidates = frames.candidates()
    rows = _family_rows(
        frames, grading.name, candidates, pool=pool, rater_bootstrap=rater_bootstrap, ppi=ppi
    )
    if json_out:
        _emit_json(rows)
        return
    _print_family(rows, grading.label, candidates, per_model=grading.comparison)


@stats_app.command("ifeval")
def ifeval_command(
    run_dirs: list[Path] = typer.Argument(..., help="Run folders with scores.jsonl."),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON records."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed"),
) -> None:
    """The four IFEval accuracies per model with 95% intervals (clustered by prompt)."""
    from evalkit.errors import UserError
    from evalkit.stats.runs import load_runs

    frames = load_runs(list(run_dirs))
    rows = _family_rows(frames, _family(IFEVAL_LEAD), seed=seed)
    if rows.empty:
        raise UserError("no IFEval scores in the runs (run `evalkit score` first)")
    if json_out:
        _emit_json(rows)
        return
    _print_family(rows, "IFEval accuracy (scored by program)", frames.candidates())


@stats_app.command("agreement")
def agreement_command(
    grades: Path = typer.Argument(..., help=GRADES_HELP),
    kind: str = typer.Option("sxs", "--kind", help="A grading kind (sxs, safety, summarization)."),
    min_shared: int = typer.Option(
        10, "--min-shared", help="Items two raters must share for a kappa."
    ),
    json_out: bool = typer.Option(False, "--json"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Krippendorff's alpha, pairwise Cohen's kappa, gold accuracy, judge-vs-human agreement."""
    from evalkit.kinds.base import get_kind
    from evalkit.report.build import num_interval, pct, pct_interval
    from evalkit.stats import agreement
    from evalkit.stats.runs import grades_source

    grading = get_kind(kind)
    frames = grades_source(grades, grading.name, db)
    frame, rubric = frames.kind(grading.name), frames.rubric(grading.name)
    alpha = agreement.alpha_table(grading, frame, rubric)
    kappas = agreement.pairwise_kappa(grading, frame, rubric, min_shared)
    gold = agreement.gold_accuracy(grading, frame)
    judges = agreement.judge_agreement(grading, frame, rubric)
    if json_out:
        _emit_json_tables({"alpha": alpha, "kappa": kappas, "gold": gold, "judge": judges})
        return
    _table(
        f"{grading.label}: Krippendorff's alpha (human raters)",
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
        ],  # fmt: skip
        "no items with two human grades",
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
                pct(r.agreement),
            ]
            for r in kappas.itertuples()
        ],  # fmt: skip
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
        ],  # fmt: skip
        "no items graded by both an automatic grader and humans",
    )


@stats_app.command("raters")
def raters_command(
    paths: list[Path] = typer.Argument(
        ..., help="Run folders (their grade stores are pooled), or grades exports with --kind."
    ),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="One grading kind (sxs, safety, summarization); default: every kind with human "
        "grades.",
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print the tables as JSON: {kind: rows of rater_quality}."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Rater quality per kind: each human rater's leave-one-out agreement, biases (side shown
    left, longer response, candidate; or the top label), gold accuracy and median seconds per
    grade, with 95% intervals; FLAGGED raters with the reasons. Exit 2 without human grades."""
    from evalkit.errors import UserError
    from evalkit.kinds.base import get_kind
    from evalkit.stats.frames import RunFrames
    from evalkit.stats.raters import display_table, flag_rule, quality_tables
    from evalkit.stats.runs import grades_source, load_run_frames

    grading = get_kind(kind) if kind else None
    parts = []
    for path in paths:
        if not path.is_dir() and grading is None:
            raise UserError(f"{path}: a grades export needs --kind (sxs, safety, summarization)")
        parts.append(
            load_run_frames(path, db) if path.is_dir() else grades_source(path, grading.name, db)  # type: ignore[union-attr]  # set: checked above
        )
    frames = RunFrames.combine(parts)
    tables = quality_tables(frames, [grading.name] if grading else None)
    if not tables:
        what = f"{grading.name} grades" if grading else "grades of any kind"
        raise UserError(
            f"{', '.join(map(str, paths))}: no human {what} (rater quality is for human raters)"
        )
    if json_out:
        _emit_json_tables(tables)
        return
    for name, table in tables.items():
        shown = display_table(name, table, frames.rubric(name))
        flagged = shown[shown["flag"] != ""]
        shown = shown.drop(columns=["reasons"])  # below the table, one line each: readable
        _table(
            f"{get_kind(name).label}: rater quality (human raters) — {len(flagged)} of "
            f"{len(table)} flagged",
            list(shown.columns),
            shown.values.tolist(),
        )
        for row in flagged.itertuples(index=False):
            typer.echo(f"FLAGGED {row.rater}: {row.reasons}")
    typer.echo(
        "Values: estimate [95% interval] n. Agreement: with the majority of the other raters "
        "on the same item (leave-one-out; n items with 2+ other raters). Biases: a share minus "
        "0.5 (left, length) or a difference from the other raters on the same items; intervals "
        "clustered by prompt."
    )
    typer.echo(flag_rule())


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
    from evalkit.report.build import num_interval
    from evalkit.stats.ranking import bradley_terry
    from evalkit.stats.runs import grades_source

    family = _family(SXS_LEAD)
    frame = grades_source(grades, family, db).kind(family)
    if frame.empty:
        raise UserError(f"{grades}: no side-by-side grades")
    table = bradley_terry(frame, resamples=resamples, seed=seed)
    if json_out:
        _emit_json(table)
        return
    for graders, group in table.groupby("graders", sort=False):
        _table(
            f"Bradley–Terry ranking — {_graders_title(str(graders))}",
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
    seed: int = typer.Option(DEFAULT_SEED, "--seed"),
) -> None:
    """Latency (p50, p90), time to first token, tokens/s and error rate per model."""
    from evalkit.errors import UserError
    from evalkit.stats.runs import load_runs

    frames = load_runs(list(run_dirs))
    rows = _family_rows(frames, _family(LATENCY_LEAD), seed=seed)
    if rows.empty:
        raise UserError("no responses in the runs")
    if json_out:
        _emit_json(rows)
        return
    _print_family(
        rows, "Latency, time to first token, tokens/s and error rate", frames.candidates()
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
