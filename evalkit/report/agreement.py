"""The rater-agreement section: how far the grades can be trusted — Krippendorff's alpha per
measure of each kind, pairwise Cohen's kappa, gold accuracy per rater and automatic graders
against humans (`evalkit.stats.agreement`)."""

from __future__ import annotations

from typing import Any

from evalkit.report.options import ReportOptions
from evalkit.report.rows import num_interval, pct, pct_interval
from evalkit.stats.frames import RunFrames


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
                    "kind_name": kind.name,  # which blocks this judge's agreement is printed beside
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
