"""The side-by-side section: win / tie / loss bars per candidate, baseline and group, the
ties-as-half and net preferences with Holm-adjusted p-values, the majority views apart, the
Bradley–Terry ranking; and the examples where human raters most clearly preferred the baseline.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from evalkit.report import charts
from evalkit.report.charts import Segment, StackRow
from evalkit.report.options import ReportOptions
from evalkit.report.rows import (
    _block,
    _candidates,
    _finite,
    _method,
    by_graders,
    cell,
    family_metrics,
    family_rows,
    family_title,
    graders_label,
    group_label,
    is_auto,
    long_blocks,
    num_interval,
    one_row,
    ordered_groups,
    ordered_models,
    p_text,
    preferred_pairs,
    shown_comparisons,
)
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import ALL, metrics

WIN, TIE, LOSS = "sxs_win_rate", "sxs_tie_rate", "sxs_loss_rate"
PREFERENCE, NET = "sxs_preference", "sxs_net_preference"

SXS_SEGMENTS = [
    Segment(WIN, "candidate preferred (win)", charts.WIN),
    Segment(TIE, "tie", charts.TIE),
    Segment(LOSS, "baseline preferred (loss)", charts.LOSS),
]
EXAMPLE_CHARS = 700


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
                    mine,
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
