"""The leadership report: statistics → one context → HTML (and Markdown, and PDF).

Everything shown is computed here from the runs' frames with the functions of
`evalkit.stats`; the templates only lay it out. Model output and every name from the data are
escaped by Jinja's autoescape (HTML) or by the Markdown template's escaping; charts are inline
SVG built with escaped labels. The HTML needs no network and runs no script.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from evalkit.gates import GateReport, verdict_rows
from evalkit.report import charts
from evalkit.report.charts import Point, Segment, StackRow
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from evalkit.stats.display import (
    GRADER_SHORT,
    num_interval,
    p_value,
    pct,
    pct_interval,
    signed_pct_interval,
)
from evalkit.stats.frames import RunFrames

SXS_SEGMENTS = [
    Segment("win", "candidate preferred", charts.WIN),
    Segment("tie", "tie", charts.TIE),
    Segment("loss", "baseline preferred", charts.LOSS),
]
SUMMARY_SEGMENTS = [
    Segment("good", "good", charts.GOOD),
    Segment("neutral", "neutral", charts.NEUTRAL),
    Segment("poor", "poor", charts.POOR),
]
EXAMPLE_CHARS = 700


@dataclass
class ReportOptions:
    title: str = "Model evaluation report"
    candidates: list[str] | None = None
    seed: int = DEFAULT_SEED
    resamples: int = DEFAULT_RESAMPLES
    min_shared: int = 10
    plan_n: int = 750
    examples_per_pair: int = 3
    notes: list[str] = field(default_factory=list)


def graders_label(graders: str) -> str:
    return GRADER_SHORT.get(graders, graders)


def _finite(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- sections


def _candidates(frames: RunFrames, options: ReportOptions) -> list[str] | None:
    if options.candidates:
        return options.candidates
    return frames.candidates() or None


def sxs_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    from evalkit.stats.ranking import bradley_terry
    from evalkit.stats.sxs import ALL, sxs_table

    if frames.sxs.empty:
        return {"blocks": [], "ranking": []}
    table = sxs_table(
        frames.sxs, _candidates(frames, options), resamples=options.resamples, seed=options.seed
    )
    blocks = []
    for (graders, candidate), group in table.groupby(["graders", "candidate"], sort=False):
        overall = group[group["category"] == ALL]
        overall_rows = [
            StackRow(
                f"vs {r.baseline}",
                {"win": r.win_rate, "tie": r.tie_rate, "loss": r.loss_rate},
                f"n={r.n_items}",
            )
            for r in overall.itertuples()
        ]
        baselines = []
        for baseline, rows in group.groupby("baseline", sort=False):
            per_category = [
                StackRow(
                    r.category,
                    {"win": r.win_rate, "tie": r.tie_rate, "loss": r.loss_rate},
                    f"n={r.n_items}",
                )
                for r in rows.itertuples()
            ]
            baselines.append(
                {
                    "baseline": baseline,
                    "chart": charts.stacked_bars(
                        per_category, SXS_SEGMENTS, f"{candidate} vs {baseline} by category"
                    ),
                    "rows": [_sxs_row(r) for r in rows.itertuples()],
                }
            )
        blocks.append(
            {
                "graders": graders,
                "graders_label": graders_label(graders),
                "is_auto": graders != "human",
                "candidate": candidate,
                "overall_chart": charts.stacked_bars(
                    overall_rows, SXS_SEGMENTS, f"{candidate}: win / tie / loss per baseline"
                )
                if len(overall_rows) > 1
                else None,
                "baselines": baselines,
            }
        )
    ranking = bradley_terry(frames.sxs, resamples=min(options.resamples, 500), seed=options.seed)
    ranking_rows = [
        {
            "graders": graders_label(r.graders),
            "is_auto": r.graders != "human",
            "rank": r.rank,
            "model": r.model,
            "strength": num_interval(r.strength, r.low, r.high),
            "elo": num_interval(r.elo, r.elo_low, r.elo_high, 0),
            "n": r.n_battles,
        }
        for r in ranking.itertuples()
    ]
    return {"blocks": blocks, "ranking": ranking_rows, "table": table}


def _sxs_row(r: Any) -> dict[str, Any]:
    return {
        "category": r.category,
        "n": r.n_items,
        "n_prompts": r.n_prompts,
        "n_raters": r.n_raters,
        "win": pct_interval(r.win_rate, r.win_low, r.win_high),
        "tie": pct_interval(r.tie_rate, r.tie_low, r.tie_high),
        "loss": pct_interval(r.loss_rate, r.loss_low, r.loss_high),
        "net": signed_pct_interval(r.net, r.net_low, r.net_high),
        "p": p_value(r.p_holm),
        "significant": bool(r.significant),
        "is_all": r.category == "all",
    }


def safety_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    from evalkit.stats.safety import over_refusal_table, violation_differences, violation_table

    out: dict[str, Any] = {"blocks": [], "over_refusal": []}
    if not frames.safety.empty:
        rates = violation_table(frames.safety)
        candidates = _candidates(frames, options) or []
        models = sorted(set(rates["model"]))
        pairs = [(c, m) for c in candidates for m in models if m != c] or None
        diffs = violation_differences(rates, pairs)
        for graders, group in rates.groupby("graders", sort=False):
            points = _candidates_first(
                [
                    Point(r.area, r.model, r.rate, r.low, r.high, f"{r.k}/{r.n}")
                    for r in group.itertuples()
                ],
                candidates,
            )
            gdiffs = diffs[diffs["graders"] == graders]
            out["blocks"].append(
                {
                    "graders_label": graders_label(graders),
                    "is_auto": graders != "human",
                    "chart": charts.interval_dots(points, "violation rate by area"),
                    "rows": [_rate_row(r, area=r.area) for r in group.itertuples()],
                    "diffs": [
                        {
                            "area": r.area,
                            "pair": f"{r.model} − {r.other}",
                            "diff": signed_pct_interval(r.diff, r.low, r.high),
                            "n": f"{r.n} / {r.n_other}",
                        }
                        for r in gdiffs.itertuples()
                    ],
                }
            )
    over = over_refusal_table(frames.safety, frames.refusals)
    for graders, group in over.groupby("graders", sort=False):
        points = _candidates_first(
            [
                Point(r.area, r.model, r.rate, r.low, r.high, f"{r.k}/{r.n}")
                for r in group.itertuples()
            ],
            _candidates(frames, options) or [],
        )
        out["over_refusal"].append(
            {
                "graders_label": graders_label(graders),
                "is_auto": graders != "human",
                "chart": charts.interval_dots(points, "over-refusal by area"),
                "rows": [_rate_row(r, area=r.area) for r in group.itertuples()],
            }
        )
    return out


def _rate_row(r: Any, **extra: Any) -> dict[str, Any]:
    return {
        "model": r.model,
        "k": r.k,
        "n": r.n,
        "rate": pct_interval(r.rate, r.low, r.high),
        **extra,
    }


def ifeval_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    from evalkit.stats.ifeval import LABELS, ifeval_table

    if frames.ifeval.empty:
        return {}
    table = ifeval_table(frames.ifeval, resamples=options.resamples, seed=options.seed)
    points = _candidates_first(
        [
            Point(LABELS[r.metric], r.model, r.rate, r.low, r.high, f"{r.k}/{r.n}")
            for r in table.itertuples()
        ],
        _candidates(frames, options) or [],
    )
    return {
        "chart": charts.interval_dots(points, "IFEval accuracy", axis_max=1.0),
        "rows": [
            {
                "model": r.model,
                "metric": LABELS[r.metric],
                "k": r.k,
                "n": r.n,
                "n_prompts": r.n_prompts,
                "rate": pct_interval(r.rate, r.low, r.high),
            }
            for r in table.itertuples()
        ],
    }


def summarization_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    from evalkit.stats.summarization import default_rubric, summarization_table

    if frames.summarization.empty:
        return {"blocks": []}
    table = summarization_table(frames.summarization, default_rubric())
    blocks = []
    rank = {name: i for i, name in enumerate(_candidates(frames, options) or [])}
    for graders, group in table.groupby("graders", sort=False):
        ordered = group.assign(
            _u=group["use_case"].map(lambda v: (v == "all", v)),
            _m=group["model"].map(lambda m: (rank.get(m, len(rank)), m)),
        ).sort_values(["_u", "_m"])
        rows = [
            StackRow(
                r.model,
                {"good": r.good_rate, "neutral": r.neutral_rate, "poor": r.poor_rate},
                f"n={r.n_items}",
                group=r.use_case,
            )
            for r in ordered.itertuples()
        ]
        blocks.append(
            {
                "graders_label": graders_label(graders),
                "is_auto": graders != "human",
                "chart": charts.stacked_bars(
                    rows, SUMMARY_SEGMENTS, "summary quality per use case"
                ),
                "rows": [
                    {
                        "model": r.model,
                        "use_case": r.use_case,
                        "n": r.n_items,
                        "good": pct_interval(r.good_rate, r.good_low, r.good_high),
                        "neutral": pct_interval(r.neutral_rate, r.neutral_low, r.neutral_high),
                        "poor": pct_interval(r.poor_rate, r.poor_low, r.poor_high),
                    }
                    for r in ordered.itertuples()
                ],
            }
        )
    return {"blocks": blocks}


def _candidates_first(points: list[Point], candidates: Sequence[str]) -> list[Point]:
    """Points with the candidates' series first, so a candidate keeps the first colour."""
    rank = {name: i for i, name in enumerate(candidates)}
    return sorted(points, key=lambda p: rank.get(p.series, len(rank)))


def latency_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    from evalkit.stats.latency import latency_table

    if frames.responses.empty:
        return {}
    table = latency_table(frames.responses)
    first = _candidates(frames, options) or []
    latency_points = [
        Point("median latency", r.model, r.latency_p50_s, r.latency_p50_low, r.latency_p50_high)
        for r in table.itertuples()
    ] + [
        Point("p90 latency", r.model, r.latency_p90_s, r.latency_p90_low, r.latency_p90_high)
        for r in table.itertuples()
    ]
    tps_points = [
        Point(
            "tokens / s (median)", r.model, r.tokens_per_s, r.tokens_per_s_low, r.tokens_per_s_high
        )
        for r in table.itertuples()
    ]
    latency_points = _candidates_first(latency_points, first)
    tps_points = _candidates_first(tps_points, first)
    return {
        "latency_chart": charts.interval_dots(latency_points, "latency", percent=False, unit=" s"),
        "tps_chart": charts.interval_dots(tps_points, "tokens per second", percent=False),
        "rows": [
            {
                "model": r.model,
                "n": r.n,
                "errors": pct_interval(r.error_rate, r.error_low, r.error_high),
                "p50": num_interval(r.latency_p50_s, r.latency_p50_low, r.latency_p50_high),
                "p90": num_interval(r.latency_p90_s, r.latency_p90_low, r.latency_p90_high),
                "ttft": f"{r.ttft_p50_s:.2f}" if _finite(r.ttft_p50_s) else "n/a",
                "tps": num_interval(r.tokens_per_s, r.tokens_per_s_low, r.tokens_per_s_high, 1),
            }
            for r in table.itertuples()
        ],
    }


def agreement_section(frames: RunFrames, options: ReportOptions) -> dict[str, Any]:
    from evalkit.stats import agreement
    from evalkit.stats.summarization import default_rubric

    rubric = default_rubric() if not frames.summarization.empty else None
    kinds = {
        "sxs": frames.sxs,
        "safety": frames.safety,
        "summarization": frames.summarization,
    }
    present = {k: f for k, f in kinds.items() if not f.empty}
    alpha = agreement.alpha_table(
        **present, resamples=min(options.resamples, 300), seed=options.seed, rubric=rubric
    )
    kappas, gold, judges = [], [], []
    for kind, frame in present.items():
        for r in agreement.pairwise_kappa(frame, kind, options.min_shared, rubric).itertuples():
            kappas.append(
                {
                    "kind": kind,
                    "pair": f"{r.rater_1} · {r.rater_2}",
                    "n": r.n_shared,
                    "kappa": num_interval(r.kappa, r.low, r.high),
                    "agreement": pct(r.agreement),
                }
            )
        for r in agreement.gold_accuracy(frame, kind, rubric).itertuples():
            gold.append(
                {
                    "kind": kind,
                    "rater": r.rater_id,
                    "k": r.k,
                    "n": r.n,
                    "rate": pct_interval(r.rate, r.low, r.high),
                }
            )
        for r in agreement.judge_agreement(frame, kind, rubric).itertuples():
            judges.append(
                {
                    "kind": kind,
                    "judge": r.judge,
                    "k": r.k,
                    "n": r.n,
                    "rate": pct_interval(r.rate, r.low, r.high),
                    "kappa": num_interval(r.kappa, r.kappa_low, r.kappa_high),
                }
            )
    return {
        "alpha": [
            {
                "kind": r.kind,
                "measure": r.measure,
                "level": r.level,
                "alpha": num_interval(r.alpha, r.low, r.high),
                "n_items": r.n_items,
                "n_raters": r.n_raters,
            }
            for r in alpha.itertuples()
        ],
        "kappa": kappas,
        "gold": gold,
        "judges": judges,
        "min_shared": options.min_shared,
    }


def samples_section(
    frames: RunFrames, sxs_table: pd.DataFrame | None, options: ReportOptions
) -> dict[str, Any]:
    from evalkit.stats.power import what_n_buys

    rows = []
    for kind, frame in (
        ("side by side", frames.sxs),
        ("safety", frames.safety),
        ("summarization", frames.summarization),
    ):
        if frame.empty:
            continue
        for graders, group in frame.groupby("grader", sort=False):
            gold = int(group["is_gold"].sum()) if "is_gold" in group else 0
            rows.append(
                {
                    "kind": kind,
                    "graders": graders_label(graders),
                    "n_items": int(group["item_id"].nunique()),
                    "prompts": int(group["prompt_id"].nunique()),
                    "grades": len(group),
                    "raters": int(group["rater_id"].nunique()),
                    "gold": gold,
                }
            )
    if not frames.ifeval.empty:
        rows.append(
            {
                "kind": "IFEval (program-scored)",
                "graders": "program",
                "n_items": len(frames.ifeval),
                "prompts": int(frames.ifeval["prompt_id"].nunique()),
                "grades": len(frames.ifeval),
                "raters": 0,
                "gold": 0,
            }
        )
    tie_rate = 0.2
    if sxs_table is not None and not sxs_table.empty:
        overall = sxs_table[(sxs_table["category"] == "all") & (sxs_table["graders"] == "human")]
        if not overall.empty and overall["n_items"].sum() > 0:
            tie_rate = float((overall["ties"].sum()) / overall["n_items"].sum())
            tie_rate = min(max(tie_rate, 0.0), 0.8)
    plan = what_n_buys(options.plan_n, tie_rate)
    return {
        "rows": rows,
        "plan": plan.to_dict("records"),
        "plan_n": options.plan_n,
        "tie_rate": pct(tie_rate, 0),
    }


def examples_section(frames: RunFrames, options: ReportOptions) -> list[dict[str, Any]]:
    """Items where the candidate lost most clearly to humans: model output, quoted (escaped)."""
    from evalkit.stats.sxs import item_outcomes

    if frames.sxs.empty or frames.responses.empty:
        return []
    items = item_outcomes(frames.sxs, _candidates(frames, options))
    items = items[items["graders"] == "human"]
    texts = (
        frames.responses.dropna(subset=["text"])
        .drop_duplicates(["prompt_id", "model"])
        .set_index(["prompt_id", "model"])
    )
    out = []
    for (candidate, baseline), group in items.groupby(["candidate", "baseline"], sort=False):
        worst = group[group["outcome"] < 0].sort_values(["mean_score", "item_id"])
        for r in worst.head(options.examples_per_pair).itertuples():
            if (r.prompt_id, candidate) not in texts.index or (
                r.prompt_id,
                baseline,
            ) not in texts.index:
                continue
            out.append(
                {
                    "pair": f"{candidate} vs {baseline}",
                    "candidate": candidate,
                    "baseline": baseline,
                    "category": r.category,
                    "score": f"{r.mean_score:+.2f}",
                    "prompt": _clip(texts.loc[(r.prompt_id, candidate), "prompt_text"]),
                    "candidate_text": _clip(texts.loc[(r.prompt_id, candidate), "text"]),
                    "baseline_text": _clip(texts.loc[(r.prompt_id, baseline), "text"]),
                    "prompt_id": r.prompt_id,
                }
            )
    return out


def _clip(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS].rstrip() + " …"


def gates_section(report: GateReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "summary": report.summary(),
        "rows": verdict_rows(report),
        "exit_code": report.exit_code,
        "path": report.gates_path,
        "all_pass": report.exit_code == 0,
    }


def at_a_glance(
    context: dict[str, Any], frames: RunFrames, options: ReportOptions
) -> list[dict[str, str]]:
    """A handful of headline numbers, each with its interval and n."""
    out = []
    table = context["sxs"].get("table")
    if table is not None and not table.empty:
        overall = table[table["category"] == "all"]
        for r in overall.itertuples():
            out.append(
                {
                    "label": f"{r.candidate} vs {r.baseline}",
                    "value": f"win {pct_interval(r.win_rate, r.win_low, r.win_high)}",
                    "detail": (
                        f"tie {pct_interval(r.tie_rate, r.tie_low, r.tie_high)} · "
                        f"loss {pct_interval(r.loss_rate, r.loss_low, r.loss_high)} · "
                        f"net {signed_pct_interval(r.net, r.net_low, r.net_high)} · n={r.n_items}"
                    ),
                    "graders": graders_label(r.graders),
                    "is_auto": r.graders != "human",
                }
            )
    for model in _candidates(frames, options) or []:
        out += _model_cards(context, model)
    return out


def _model_cards(context: dict[str, Any], model: str) -> list[dict[str, Any]]:
    """Headline rates of one candidate: violations, IFEval, summary quality."""
    cards = []
    for block in context["safety"]["blocks"]:
        for r in block["rows"]:
            if r["model"] == model and r["area"] == "all":
                cards.append(
                    {
                        "label": f"{model} · violation rate",
                        "value": r["rate"],
                        "detail": f"{r['k']} of n={r['n']} adversarial prompts",
                        "graders": block["graders_label"],
                        "is_auto": block["is_auto"],
                    }
                )
                break
    for r in context["ifeval"].get("rows", []):
        if r["model"] == model and r["metric"] == "prompt-level strict":
            cards.append(
                {
                    "label": f"{model} · IFEval prompt-level strict",
                    "value": r["rate"],
                    "detail": f"{r['k']} of n={r['n']} prompts",
                    "graders": "program",
                    "is_auto": False,
                }
            )
    for block in context["summarization"]["blocks"]:
        for r in block["rows"]:
            if r["model"] == model and r["use_case"] == "all":
                cards.append(
                    {
                        "label": f"{model} · summaries rated good",
                        "value": r["good"],
                        "detail": f"poor {r['poor']}, n={r['n']}",
                        "graders": block["graders_label"],
                        "is_auto": block["is_auto"],
                    }
                )
                break
    return cards


def report_context(
    frames: RunFrames, gates: GateReport | None = None, options: ReportOptions | None = None
) -> dict[str, Any]:
    """Everything the templates show, computed once."""
    from evalkit import __version__

    options = options or ReportOptions()
    sxs = sxs_section(frames, options)
    context: dict[str, Any] = {
        "title": options.title,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "runs": frames.run_dirs,
        "run_ids": frames.run_ids,
        "models": _models(frames),
        "gates": gates_section(gates),
        "sxs": sxs,
        "safety": safety_section(frames, options),
        "ifeval": ifeval_section(frames, options),
        "summarization": summarization_section(frames, options),
        "latency": latency_section(frames, options),
        "agreement": agreement_section(frames, options),
        "samples": samples_section(frames, sxs.get("table"), options),
        "examples": examples_section(frames, options),
        "notes": [*frames.notes, *options.notes],
        "seed": options.seed,
        "resamples": options.resamples,
    }
    context["glance"] = at_a_glance(context, frames, options)
    return context


def _models(frames: RunFrames) -> list[dict[str, str]]:
    names: list[str] = list(frames.models)
    for frame, columns in (
        (frames.sxs, ("model_a", "model_b")),
        (frames.safety, ("model",)),
        (frames.summarization, ("model",)),
        (frames.ifeval, ("model",)),
        (frames.responses, ("model",)),
    ):
        for column in columns:
            if column in frame.columns:
                names += [str(m) for m in frame[column].dropna().unique()]
    # gold items pair a reference answer with a decoy: those are not models under evaluation
    seen = [name for name in dict.fromkeys(names) if not name.startswith("gold:")]
    return [
        {
            "name": name,
            "role": str(frames.models.get(name, {}).get("role") or "—"),
            "tier": str(frames.models.get(name, {}).get("tier") or "—"),
        }
        for name in seen
    ]
