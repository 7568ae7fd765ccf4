"""The leadership report: the statistics' long table → one context → HTML (and Markdown, PDF).

Every number shown is a row of `evalkit.stats.engine.statistics_table(frames)` — the same rows
`evalkit stats` prints and the gates decide on — read through the metric registry
(`evalkit.stats.table.metrics()`: family, headline flag, description, scale). A rate is always
shown as `format_row` gives it (estimate, 95% interval, n prompts) with its method; human,
automatic and program rows are kept apart and labelled; headline metrics come first and the
secondary views (`headline=False`, the majority rules) sit in a table named as such.

The sections name metrics, never grading kinds: a section's family is the family of its lead
metric, and a family without a section of its own (a kind added by a project) gets a generic
one. Model output and every name from the data are escaped by Jinja's autoescape (HTML) or by
the Markdown template's escaping; charts are inline SVG built with escaped labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from evalkit.gates import GateReport, headline, verdict_rows
from evalkit.report import charts
from evalkit.report.charts import Point, Segment, StackRow
from evalkit.report.history import history_context
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import ALL, Metric, format_row, metrics, parse_group

# the metrics the dedicated sections lay out (names of the registry, never kind names)
WIN, TIE, LOSS = "sxs_win_rate", "sxs_tie_rate", "sxs_loss_rate"
PREFERENCE, NET = "sxs_preference", "sxs_net_preference"
VIOLATION, OVER_REFUSAL = "violation_rate", "over_refusal_rate"
TWIN_OVER_REFUSAL = "twin_over_refusal_rate"
SAFETY_COLUMNS = {
    VIOLATION: "Violation rate",
    OVER_REFUSAL: "Over-refusal",
    TWIN_OVER_REFUSAL: "Twin over-refusal",
}
GOOD, NEUTRAL, POOR = (
    "summarization_good_rate",
    "summarization_neutral_rate",
    "summarization_poor_rate",
)
NOT_AMPLIFY = "summarization_not_amplify_rate"
IFEVAL_LEAD = "ifeval_prompt_strict"
LATENCY_P50, LATENCY_P90, TOKENS_PER_S = "latency_p50_s", "latency_p90_s", "tokens_per_s"

SXS_SEGMENTS = [
    Segment(WIN, "candidate preferred (win)", charts.WIN),
    Segment(TIE, "tie", charts.TIE),
    Segment(LOSS, "baseline preferred (loss)", charts.LOSS),
]
SUMMARY_SEGMENTS = [
    Segment(GOOD, "good", charts.GOOD),
    Segment(NEUTRAL, "neutral", charts.NEUTRAL),
    Segment(POOR, "poor", charts.POOR),
]
GRADER_LABELS = {
    "human": "human raters",
    "auto": "automatic graders",
    "any": "human and automatic grades pooled",
    "ppi": "prediction-powered (judge grades corrected by human grades)",
    "program": "measured by program",
}
GRADER_WARNINGS = {
    "auto": "These grades come from automatic graders, not from human raters: read them as a "
    "screen, not as the verdict.",
    "any": "These rows pool human and automatic grades.",
    "ppi": "Prediction-powered estimates: the judge's rate on every prompt, corrected by the "
    "human − judge gap on the prompts both graded. They assume the human-graded prompts are a "
    "random sample of the judged ones.",
}
EXAMPLE_CHARS = 700
NONE = "—"


@dataclass
class ReportOptions:
    title: str = "Model evaluation report"
    candidates: list[str] | None = None
    seed: int = DEFAULT_SEED
    resamples: int = DEFAULT_RESAMPLES
    min_shared: int = 10
    plan_n: int = 750
    examples_per_pair: int = 3
    pool: bool = False  # add rows pooling human and automatic grades ("any")
    rater_bootstrap: bool = False  # intervals that also resample raters
    length_control: bool = False  # add the length-controlled win rates (slower)
    ppi: bool = False  # add prediction-powered rows where judge and human grades overlap
    notes: list[str] = field(default_factory=list)
    # release history: earlier runs, oldest first (this report's runs come last), read through
    # `history_table`, which the report renders as its own section
    history: Any = None


# ---------------------------------------------------------------- reading the long table


def graders_label(graders: str) -> str:
    return GRADER_LABELS.get(graders, graders)


def is_auto(graders: str) -> bool:
    """Whether rows rest (also) on automatic grades: they are badged and warned about."""
    return graders in GRADER_WARNINGS


def p_text(p: Any) -> str:
    if not _finite(p):
        return "n/a"
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def _finite(value: Any) -> bool:
    try:
        return value is not None and not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def family_metrics(family: str, headline_only: bool | None = None) -> list[Metric]:
    """The registered metrics of a family, in registry order."""
    return [
        m
        for m in metrics().values()
        if m.family == family and (headline_only is None or m.headline == headline_only)
    ]


def families() -> list[str]:
    """Every metric family, in registry order."""
    return list(dict.fromkeys(m.family for m in metrics().values()))


def family_title(family: str) -> str:
    from evalkit.kinds.base import all_kinds

    for kind in all_kinds():
        if kind.name == family:
            return kind.label
    first = family_metrics(family)
    if first:  # a family of its own (e.g. length-controlled rates): its first metric says what
        text = first[0].description.split(" (")[0]
        return text[:1].upper() + text[1:]
    return family


def family_rows(table: pd.DataFrame, family: str) -> pd.DataFrame:
    names = [m.name for m in family_metrics(family)]
    return table[table["metric"].isin(names) & (table["n"] > 0)]


def by_graders(rows: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    """(graders, rows) in the table's order: humans, pooled, automatic, program."""
    if rows.empty:
        return []
    return list(rows.groupby("graders", sort=False))


def group_label(group: str, dimensions: Sequence[str] = ()) -> str:
    """The group as people read it: all, the value of the family's only dimension, or
    `dimension: value`."""
    dimension, value = parse_group(group)
    if dimension is None:
        return ALL
    return str(value) if len(dimensions) <= 1 else f"{dimension}: {value}"


def ordered_groups(groups: Iterable[str], dimensions: Sequence[str] = ()) -> list[str]:
    """Group "all" first, then each dimension's values (in the metric's dimension order)."""
    rank = {d: i for i, d in enumerate(dimensions)}

    def key(group: str) -> tuple:
        dimension, value = parse_group(group)
        if dimension is None:
            return (0, 0, "")
        return (1, rank.get(dimension, len(rank)), str(value))

    return sorted(dict.fromkeys(groups), key=key)


def ordered_models(models: Iterable[str], candidates: Sequence[str] = ()) -> list[str]:
    """Candidates first (in their order), then the others by name."""
    rank = {name: i for i, name in enumerate(candidates)}
    return sorted(dict.fromkeys(models), key=lambda m: (rank.get(m, len(rank)), m))


def one_row(rows: pd.DataFrame, **where: str) -> pd.Series | None:
    """The row matching every `column=value` (None when there is none)."""
    mask = pd.Series(True, index=rows.index)
    for column, value in where.items():
        mask &= rows[column] == value
    found = rows[mask]
    return None if found.empty else found.iloc[0]


def cell(row: pd.Series | None) -> str:
    """A rate (or value) as people read it: '41.2% [35.1, 47.5] n=250 prompts'."""
    return NONE if row is None else format_row(row)


def preferred_pairs(frames: RunFrames, family: str) -> set[tuple[str, str]]:
    """The orientation of each compared pair when no candidate is named: the model its grade
    frame most often records as `model_a` (the planned candidate); else by name."""
    from evalkit.kinds.base import all_kinds

    names = {kind.name for kind in all_kinds()}
    frame = frames.kind(family) if family in names else pd.DataFrame()
    pairs: set[tuple[str, str]] = set()
    if frame.empty or not {"model_a", "model_b"} <= set(frame.columns):
        return pairs
    graded = frame[~frame["is_gold"].astype(bool)] if "is_gold" in frame else frame
    counts = graded.groupby(["model_a", "model_b"]).size()
    for (a, b), count in counts.items():
        other = int(counts.get((b, a), 0))
        if count > other or (count == other and str(a) <= str(b)):
            pairs.add((str(a), str(b)))
    return pairs


def shown_comparisons(
    rows: pd.DataFrame, candidates: Sequence[str], preferred: set[tuple[str, str]]
) -> pd.DataFrame:
    """Comparison rows come in both orientations; keep the candidates' (else the preferred
    orientation of each pair, else model before baseline by name)."""
    if rows.empty:
        return rows
    registry = metrics()
    comparison = rows["metric"].map(lambda name: registry[name].comparison).astype(bool)
    compared = rows[comparison]
    keep = compared["model"].isin(list(candidates)) if candidates else None
    if keep is None or not keep.any():
        pairs = list(zip(compared["model"], compared["baseline"], strict=True))
        if preferred:
            keep = pd.Series([p in preferred for p in pairs], index=compared.index)
        else:
            keep = pd.Series([str(m) <= str(b) for m, b in pairs], index=compared.index)
    return pd.concat([rows[~comparison], compared[keep]]).sort_index()


def long_blocks(
    rows: pd.DataFrame, names: Sequence[str], candidates: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Rows of the given metrics, one block per graders: metric, model (vs baseline), group,
    value [95% CI] n, p (Holm) and method."""
    registry = metrics()
    rank = {name: i for i, name in enumerate(names)}
    rows = rows[rows["metric"].isin(list(names))]
    blocks = []
    for graders, part in by_graders(rows):
        out = []
        model_rank = {m: i for i, m in enumerate(ordered_models(part["model"], candidates))}
        for metric_name, of_metric in sorted(
            part.groupby("metric", sort=False), key=lambda kv: rank[kv[0]]
        ):
            info = registry[metric_name]
            groups = ordered_groups(of_metric["group"], info.groups)
            group_rank = {g: i for i, g in enumerate(groups)}
            ordered = of_metric.assign(
                _m=of_metric["model"].map(model_rank),
                _g=of_metric["group"].map(group_rank),
            ).sort_values(["_m", "baseline", "_g"])
            for _, row in ordered.iterrows():
                out.append(
                    {
                        "metric": metric_name,
                        "description": info.description,
                        "model": row["model"],
                        "target": (
                            f"{row['model']} vs {row['baseline']}"
                            if row["baseline"]
                            else row["model"]
                        ),
                        "group": group_label(row["group"], info.groups),
                        "is_all": row["group"] == ALL,
                        "value": format_row(row),
                        "p": p_text(row["p_adjusted"]) if info.null is not None else "",
                        "method": row["method"],
                    }
                )
        blocks.append(_block(graders, rows=out))
    return blocks


def _block(graders: str, **content: Any) -> dict[str, Any]:
    return {
        "graders": graders,
        "graders_label": graders_label(graders),
        "is_auto": is_auto(graders),
        "warning": GRADER_WARNINGS.get(graders, ""),
        **content,
    }


def methods_note(rows: pd.DataFrame) -> list[str]:
    """'description: method' for each distinct method of the rows (a wide table's footnote)."""
    registry = metrics()
    seen = dict.fromkeys(f"{registry[r.metric].description}: {r.method}" for r in rows.itertuples())
    return list(seen)


# ---------------------------------------------------------------- sections


def _candidates(frames: RunFrames, options: ReportOptions) -> list[str]:
    if options.candidates:
        return list(options.candidates)
    return frames.candidates()


def sxs_section(table: pd.DataFrame, frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    """Side by side: win / tie / loss (the bars), ties-as-half preference and net preference
    with Holm-adjusted p-values, per candidate, baseline and group; the majority views apart;
    the Bradley–Terry ranking."""
    registry = metrics()
    family = registry[WIN].family
    candidates = _candidates(frames, options)
    rows = shown_comparisons(
        family_rows(table, family), candidates, preferred_pairs(frames, family)
    )
    dims = registry[WIN].groups
    out: dict[str, Any] = {
        "title": family_title(family),
        "blocks": [],
        "secondary": long_blocks(
            rows, [m.name for m in family_metrics(family, headline_only=False)], candidates
        ),
        "ranking": [],
        "glance": [],
        "descriptions": {name: registry[name].description for name in (PREFERENCE, NET)},
    }
    headline_rows = rows[rows["metric"].isin([WIN, TIE, LOSS, PREFERENCE, NET])]
    for graders, part in by_graders(headline_rows):
        for model in ordered_models(part["model"], candidates):
            mine = part[part["model"] == model]
            baselines, overall = [], []
            for baseline in sorted(mine["baseline"].unique()):
                pair = mine[mine["baseline"] == baseline]
                lines, bars = [], []
                for group in ordered_groups(pair["group"], dims):
                    at = pair[pair["group"] == group]
                    cells = {name: one_row(at, metric=name) for name in (WIN, TIE, LOSS)}
                    pref, net = one_row(at, metric=PREFERENCE), one_row(at, metric=NET)
                    p = net["p_adjusted"] if net is not None else float("nan")
                    label = group_label(group, dims)
                    lines.append(
                        {
                            "group": label,
                            "is_all": group == ALL,
                            "win": cell(cells[WIN]),
                            "tie": cell(cells[TIE]),
                            "loss": cell(cells[LOSS]),
                            "preference": cell(pref),
                            "net": cell(net),
                            "p": p_text(p),
                            "significant": _finite(p) and float(p) < 0.05,
                            "method": _method(cells[WIN], pref, net),
                        }
                    )
                    n = next((int(r["n"]) for r in cells.values() if r is not None), 0)
                    bar = StackRow(
                        label,
                        {k: float(r["estimate"]) for k, r in cells.items() if r is not None},
                        f"n={n}",
                    )
                    bars.append(bar)
                    if group == ALL:
                        overall.append(StackRow(f"vs {baseline}", bar.values, bar.note))
                        if cells[WIN] is not None:
                            out["glance"].append(_sxs_card(graders, model, baseline, lines[-1]))
                baselines.append(
                    {
                        "baseline": baseline,
                        "chart": charts.stacked_bars(
                            bars, SXS_SEGMENTS, f"{model} vs {baseline}: win / tie / loss"
                        ),
                        "rows": lines,
                    }
                )
            out["blocks"].append(
                _block(
                    graders,
                    candidate=model,
                    baselines=baselines,
                    overall_chart=(
                        charts.stacked_bars(
                            overall, SXS_SEGMENTS, f"{model}: win / tie / loss per baseline"
                        )
                        if len(overall) > 1
                        else None
                    ),
                )
            )
    out["ranking"] = _ranking(frames, family, options)
    return out


def _method(*rows: pd.Series | None) -> str:
    return "; ".join(dict.fromkeys(str(r["method"]) for r in rows if r is not None))


def _sxs_card(graders: str, model: str, baseline: str, line: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": f"{model} vs {baseline} · win rate",
        "value": line["win"],
        "detail": (
            f"tie {line['tie']} · loss {line['loss']} · ties as half {line['preference']} · "
            f"net {line['net']}, p (Holm) {line['p']}"
        ),
        "graders": graders_label(graders),
        "is_auto": is_auto(graders),
    }


def _ranking(frames: RunFrames, family: str, options: ReportOptions) -> list[dict[str, Any]]:
    """Bradley–Terry strengths over every pairwise grade of the comparison kind."""
    from evalkit.stats.ranking import bradley_terry

    grades = frames.kind(family)
    if grades.empty:
        return []
    ranking = bradley_terry(grades, resamples=min(options.resamples, 500), seed=options.seed)
    return [
        {
            "graders": graders_label(r.graders),
            "is_auto": is_auto(r.graders),
            "rank": r.rank,
            "model": r.model,
            "strength": num_interval(r.strength, r.low, r.high),
            "elo": num_interval(r.elo, r.elo_low, r.elo_high, 0),
            "n": r.n_battles,
        }
        for r in ranking.itertuples()
    ]


def num_interval(value: float, low: float, high: float, digits: int = 2) -> str:
    if not _finite(value):
        return "n/a"
    bounds = ", ".join(f"{v:.{digits}f}" if _finite(v) else "n/a" for v in (low, high))
    return f"{value:.{digits}f} [{bounds}]"


def safety_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """Violation rate beside over-refusal and twin over-refusal, per model and group."""
    registry = metrics()
    family = registry[VIOLATION].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    dims = registry[VIOLATION].groups
    columns = [name for name in SAFETY_COLUMNS if name in registry]
    out: dict[str, Any] = {
        "title": family_title(family),
        "columns": [
            {"metric": n, "label": SAFETY_COLUMNS[n], "description": registry[n].description}
            for n in columns
        ],
        "blocks": [],
        "secondary": long_blocks(
            rows, [m.name for m in family_metrics(family, headline_only=False)], candidates
        ),
    }
    for graders, part in by_graders(rows[rows["metric"].isin(columns)]):
        lines = []
        models = ordered_models(part["model"], candidates)
        for model in models:
            mine = part[part["model"] == model]
            for group in ordered_groups(mine["group"], dims):
                at = mine[mine["group"] == group]
                found = {name: one_row(at, metric=name) for name in columns}
                lines.append(
                    {
                        "model": model,
                        "group": group_label(group, dims),
                        "is_all": group == ALL,
                        "cells": [cell(found[name]) for name in columns],
                        "method": _method(*found.values()),
                    }
                )
        figures = []
        for name in columns:
            of_metric = part[part["metric"] == name]
            if of_metric.empty:
                continue
            groups = ordered_groups(of_metric["group"], dims)
            points = [
                Point(group_label(g, dims), m, r["estimate"], r["low"], r["high"], format_row(r))
                for g in groups
                for m in models
                if (r := one_row(of_metric, group=g, model=m)) is not None
            ]
            figures.append(
                {
                    "chart": charts.interval_dots(points, registry[name].description),
                    "caption": f"{SAFETY_COLUMNS[name]}: {registry[name].description}. Dot: rate; "
                    "line: 95% interval.",
                }
            )
        out["blocks"].append(_block(graders, rows=lines, figures=figures))
    return out


def summarization_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """Good / neutral / poor per model along the metric's first dimension (use case); the
    adversarial subset's not-amplify rate when present."""
    registry = metrics()
    family = registry[GOOD].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    dimension = registry[GOOD].groups[0] if registry[GOOD].groups else None
    classes = [GOOD, NEUTRAL, POOR]
    out: dict[str, Any] = {
        "title": family_title(family),
        "dimension": (dimension or "group").replace("_", " "),
        "blocks": [],
        "not_amplify": long_blocks(rows, [NOT_AMPLIFY], candidates)
        if NOT_AMPLIFY in registry
        else [],
        "not_amplify_description": registry[NOT_AMPLIFY].description
        if NOT_AMPLIFY in registry
        else "",
        "secondary": long_blocks(
            rows, [m.name for m in family_metrics(family, headline_only=False)], candidates
        ),
    }
    shown = rows["metric"].isin(classes)
    if dimension is not None:
        shown &= (rows["group"] == ALL) | rows["group"].str.startswith(f"{dimension}=")
    for graders, part in by_graders(rows[shown]):
        models = ordered_models(part["model"], candidates)
        bars, lines = [], []
        for group in ordered_groups(part["group"], (dimension,) if dimension else ()):
            label = group_label(group)
            for model in models:
                at = part[(part["group"] == group) & (part["model"] == model)]
                found = {name: one_row(at, metric=name) for name in classes}
                if all(r is None for r in found.values()):
                    continue
                n = next((int(r["n"]) for r in found.values() if r is not None), 0)
                bars.append(
                    StackRow(
                        model,
                        {k: float(r["estimate"]) for k, r in found.items() if r is not None},
                        f"n={n}",
                        group=label,
                    )
                )
                lines.append(
                    {
                        "group": label,
                        "model": model,
                        "is_all": group == ALL,
                        "good": cell(found[GOOD]),
                        "neutral": cell(found[NEUTRAL]),
                        "poor": cell(found[POOR]),
                        "method": _method(*found.values()),
                    }
                )
        title = f"summary quality per {out['dimension']}"
        out["blocks"].append(
            _block(graders, chart=charts.stacked_bars(bars, SUMMARY_SEGMENTS, title), rows=lines)
        )
    return out


def ifeval_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """The program-measured accuracies of IFEval's family, per model."""
    family = metrics()[IFEVAL_LEAD].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    names = [m.name for m in family_metrics(family)]
    out: dict[str, Any] = {"title": family_title(family), "blocks": []}
    for graders, part in by_graders(rows):
        models = ordered_models(part["model"], candidates)
        points, lines = [], []
        for name in names:
            description = metrics()[name].description
            for model in models:
                r = one_row(part, metric=name, model=model, group=ALL)
                if r is None:
                    continue
                points.append(
                    Point(description, model, r["estimate"], r["low"], r["high"], format_row(r))
                )
                lines.append(
                    {
                        "model": model,
                        "metric": description,
                        "value": format_row(r),
                        "followed": f"{r['k']:g} of {int(r['n_items'])}",
                        "method": r["method"],
                    }
                )
        chart = charts.interval_dots(points, family_title(family), axis_max=1.0)
        out["blocks"].append(_block(graders, chart=chart, rows=lines))
    return out


def latency_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """Latency, throughput and errors per model: one column per metric of the family."""
    registry = metrics()
    family = registry[LATENCY_P50].family
    candidates = _candidates(frames, options)
    rows = family_rows(table, family)
    names = [m.name for m in family_metrics(family)]
    present = [n for n in names if (rows["metric"] == n).any()]
    out: dict[str, Any] = {
        "title": family_title(family),
        "columns": [registry[n].description for n in present],
        "rows": [],
        "figures": [],
        "methods": methods_note(rows),
    }
    if rows.empty:
        return out
    models = ordered_models(rows["model"], candidates)
    for model in models:
        mine = rows[(rows["model"] == model) & (rows["group"] == ALL)]
        out["rows"].append(
            {"model": model, "cells": [cell(one_row(mine, metric=n)) for n in present]}
        )
    for chart_names, label, unit in (
        ((LATENCY_P50, LATENCY_P90), "latency", " s"),
        ((TOKENS_PER_S,), "tokens per second", ""),
    ):
        points = [
            Point(registry[n].description, m, r["estimate"], r["low"], r["high"], format_row(r))
            for n in chart_names
            if n in registry
            for m in models
            if (r := one_row(rows, metric=n, model=m, group=ALL)) is not None
        ]
        if points:
            chart = charts.interval_dots(points, label, percent=False, unit=unit)
            caption = "; ".join(registry[n].description for n in chart_names) + "."
            out["figures"].append({"chart": chart, "caption": caption})
    return out


def other_sections(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions, shown: Sequence[str]
) -> list[dict[str, Any]]:
    """A generic section for every family with rows and no section of its own (a kind a
    project added): headline metrics, then the secondary views."""
    candidates = _candidates(frames, options)
    out = []
    for family in families():
        if family in shown:
            continue
        rows = family_rows(table, family)
        if rows.empty:
            continue
        rows = shown_comparisons(rows, candidates, preferred_pairs(frames, family))
        out.append(
            {
                "id": f"family-{family}",
                "title": family_title(family),
                "metrics": [
                    {"name": m.name, "description": m.description, "headline": m.headline}
                    for m in family_metrics(family)
                ],
                "headline": long_blocks(
                    rows, [m.name for m in family_metrics(family, True)], candidates
                ),
                "secondary": long_blocks(
                    rows, [m.name for m in family_metrics(family, False)], candidates
                ),
            }
        )
    return out


def agreement_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    """Agreement for every kind with grades, through the kind's agreement measures."""
    from evalkit.kinds.base import all_kinds
    from evalkit.stats import agreement

    alpha, kappas, gold, judges = [], [], [], []
    for kind in all_kinds():
        grades = frames.kind(kind.name)
        if grades.empty:
            continue
        rubric = frames.rubric(kind.name)
        label = kind.label
        table = agreement.alpha_table(
            kind, grades, rubric, resamples=min(options.resamples, 300), seed=options.seed
        )
        alpha += [
            {
                "kind": label,
                "measure": r.measure,
                "level": r.level,
                "alpha": num_interval(r.alpha, r.low, r.high),
                "n_items": r.n_items,
                "n_raters": r.n_raters,
            }
            for r in table.itertuples()
        ]
        for r in agreement.pairwise_kappa(kind, grades, rubric, options.min_shared).itertuples():
            kappas.append(
                {
                    "kind": label,
                    "pair": f"{r.rater_1} · {r.rater_2}",
                    "n": r.n_shared,
                    "kappa": num_interval(r.kappa, r.low, r.high),
                    "agreement": pct(r.agreement),
                }
            )
        for r in agreement.gold_accuracy(kind, grades).itertuples():
            gold.append(
                {
                    "kind": label,
                    "rater": r.rater_id,
                    "k": r.k,
                    "n": r.n,
                    "rate": pct_interval(r.rate, r.low, r.high),
                }
            )
        for r in agreement.judge_agreement(kind, grades, rubric).itertuples():
            judges.append(
                {
                    "kind": label,
                    "judge": r.judge,
                    "k": r.k,
                    "n": r.n,
                    "rate": pct_interval(r.rate, r.low, r.high),
                    "kappa": num_interval(r.kappa, r.kappa_low, r.kappa_high),
                }
            )
    return {
        "alpha": alpha,
        "kappa": kappas,
        "gold": gold,
        "judges": judges,
        "min_shared": options.min_shared,
    }


def pct(value: Any) -> str:
    return f"{100 * float(value):.1f}%" if _finite(value) else "n/a"


def pct_interval(rate: Any, low: Any, high: Any) -> str:
    if not _finite(rate):
        return "n/a"
    bounds = ", ".join(f"{100 * float(v):.1f}" if _finite(v) else "n/a" for v in (low, high))
    return f"{pct(rate)} [{bounds}]"


def samples_section(
    table: pd.DataFrame, frames: RunFrames, options: ReportOptions
) -> dict[str, Any]:
    """What the numbers rest on, per kind and graders; and what `plan_n` items buy."""
    from evalkit.kinds.base import all_kinds
    from evalkit.stats.power import what_n_buys

    rows = []
    for kind in all_kinds():
        frame = frames.kind(kind.name)
        if frame.empty:
            continue
        for graders, group in frame.groupby("grader", sort=False):
            rows.append(
                {
                    "kind": kind.label,
                    "graders": graders_label(str(graders)),
                    "n_items": int(group["item_id"].nunique()),
                    "prompts": int(group["prompt_id"].nunique()),
                    "grades": len(group),
                    "raters": int(group["rater_id"].nunique()),
                    "gold": int(group.loc[group["is_gold"].astype(bool), "item_id"].nunique()),
                }
            )
    if not frames.ifeval.empty:
        rows.append(
            {
                "kind": f"{family_title(metrics()[IFEVAL_LEAD].family)} (program-scored)",
                "graders": graders_label("program"),
                "n_items": len(frames.ifeval),
                "prompts": int(frames.ifeval["prompt_id"].nunique()),
                "grades": len(frames.ifeval),
                "raters": 0,
                "gold": 0,
            }
        )
    tie_rate, observed = 0.2, False
    ties = table[(table["metric"] == TIE) & (table["group"] == ALL) & (table["graders"] == "human")]
    ties = ties[ties["n"] > 0]
    if not ties.empty:
        tie_rate = float((ties["estimate"] * ties["n"]).sum() / ties["n"].sum())
        tie_rate, observed = min(max(tie_rate, 0.0), 0.8), True
    plan = what_n_buys(options.plan_n, tie_rate)
    return {
        "rows": rows,
        "plan": plan.to_dict("records"),
        "plan_n": options.plan_n,
        "tie_rate": f"{100 * tie_rate:.0f}%",
        "tie_source": "observed on the human side-by-side grades" if observed else "assumed",
    }


def examples_section(frames: RunFrames, options: ReportOptions) -> list[dict[str, Any]]:
    """Items where human raters most clearly preferred the baseline to a candidate (the lowest
    ties-as-half preference): model output, quoted (escaped), its invisible and direction-changing
    characters shown as marked code points (`evalkit.text_display.visible`)."""
    from evalkit.stats.engine import item_values, kind_values
    from evalkit.text_display import visible

    family = metrics()[PREFERENCE].family
    if frames.kind(family).empty or frames.responses.empty:
        return []
    values, groups = kind_values(frames, family)
    values = values[(values["metric"] == PREFERENCE) & (values["graders"] == "human")]
    if values.empty:
        return []
    items = item_values(values, groups)
    candidates = _candidates(frames, options)
    if candidates:
        items = items[items["model"].isin(candidates)]
    else:
        pairs = preferred_pairs(frames, family)
        keep = [(m, b) in pairs for m, b in zip(items["model"], items["baseline"], strict=True)]
        items = items[keep]
    texts = (
        frames.responses.dropna(subset=["text"])
        .drop_duplicates(["prompt_id", "model"])
        .set_index(["prompt_id", "model"])
    )
    dimension = groups[0] if groups else None
    out = []
    for (model, baseline), group in items.groupby(["model", "baseline"], sort=True):
        worst = group[group["value"] < 0.5].sort_values(["value", "item_id"])
        shown = 0
        for r in worst.itertuples():
            if shown >= options.examples_per_pair:
                break
            keys = [(r.prompt_id, model), (r.prompt_id, baseline)]
            if any(key not in texts.index for key in keys):
                continue
            shown += 1
            out.append(
                {
                    "pair": f"{model} vs {baseline}",
                    "candidate": model,
                    "baseline": baseline,
                    "group": str(getattr(r, dimension)) if dimension else "",
                    "score": f"{r.value:.2f}",
                    "raters": int(r.grades),
                    # model text and prompts: invisible and bidi characters shown as ⟦U+…⟧
                    "prompt": visible(_clip(texts.loc[(r.prompt_id, model), "prompt_text"])),
                    "candidate_text": visible(_clip(texts.loc[(r.prompt_id, model), "text"])),
                    "baseline_text": visible(_clip(texts.loc[(r.prompt_id, baseline), "text"])),
                    "prompt_id": r.prompt_id,
                }
            )
    return out


def _clip(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS].rstrip() + " …"


def gates_section(report: GateReport | None) -> dict[str, Any] | None:
    """The verdict: `headline(report)` follows the gates' exit code (Ready only on exit 0)."""
    if report is None:
        return None
    code = report.exit_code
    return {
        "headline": headline(report),
        "summary": report.summary(),
        "rows": verdict_rows(report),
        "exit_code": code,
        "tone": "ok" if code == 0 else ("warn" if code == 2 else "bad"),
        "path": report.gates_path,
        "all_pass": code == 0,
    }


def at_a_glance(
    table: pd.DataFrame, context: dict[str, Any], frames: RunFrames, options: ReportOptions
) -> list[dict[str, Any]]:
    """The comparisons' win rates, then each candidate's first headline metric of every other
    family (humans' rows first), each with its interval and n."""
    out = list(context["preference"]["glance"])
    comparison_families = {metrics()[WIN].family}
    for model in _candidates(frames, options):
        for family in families():
            if family in comparison_families:
                continue
            rows = family_rows(table, family)
            rows = rows[(rows["model"] == model) & (rows["group"] == ALL)]
            for info in family_metrics(family, headline_only=True):
                if info.comparison:
                    continue
                found = rows[rows["metric"] == info.name]
                if found.empty:
                    continue
                row = found.iloc[0]  # the table puts humans first
                out.append(
                    {
                        "label": f"{model} · {info.description}",
                        "value": format_row(row),
                        "detail": row["method"],
                        "graders": graders_label(row["graders"]),
                        "is_auto": is_auto(row["graders"]),
                    }
                )
                break
    return out


def report_context(
    frames: RunFrames, gates: GateReport | None = None, options: ReportOptions | None = None
) -> dict[str, Any]:
    """Everything the templates show, computed once from the long table."""
    from evalkit import __version__
    from evalkit.stats.engine import statistics_table

    options = options or ReportOptions()
    table = statistics_table(
        frames,
        pool=options.pool,
        rater_bootstrap=options.rater_bootstrap,
        resamples=options.resamples,
        seed=options.seed,
        length_control=options.length_control,
        ppi=options.ppi,
    )
    registry = metrics()
    dedicated = [registry[name].family for name in (WIN, VIOLATION, IFEVAL_LEAD, GOOD, LATENCY_P50)]
    context: dict[str, Any] = {
        "title": options.title,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "runs": frames.run_dirs,
        "run_ids": frames.run_ids,
        "models": _models(frames, table),
        "gates": gates_section(gates),
        "table": table,
        "preference": sxs_section(table, frames, options),
        "violations": safety_section(table, frames, options),
        "instructions": ifeval_section(table, frames, options),
        "summaries": summarization_section(table, frames, options),
        "latency": latency_section(table, frames, options),
        "others": other_sections(table, frames, options, dedicated),
        "agreement": agreement_section(frames, options),
        "samples": samples_section(table, frames, options),
        "examples": examples_section(frames, options),
        "notes": [*frames.notes, *options.notes],
        "seed": options.seed,
        "resamples": options.resamples,
        "rater_bootstrap": options.rater_bootstrap,
        "history": history_context(options.history) if options.history is not None else None,
    }
    context["glance"] = at_a_glance(table, context, frames, options)
    return context


def _models(frames: RunFrames, table: pd.DataFrame) -> list[dict[str, str]]:
    names: list[str] = list(frames.models)
    for column in ("model", "baseline"):
        if column in table.columns:
            names += [str(m) for m in table[column].dropna().unique() if str(m)]
    # gold items pair a reference answer with a decoy: those are not models under evaluation
    seen = [name for name in dict.fromkeys(names) if not name.startswith("gold:")]
    return [
        {
            "name": name,
            "role": str(frames.models.get(name, {}).get("role") or NONE),
            "tier": str(frames.models.get(name, {}).get("tier") or NONE),
        }
        for name in seen
    ]
