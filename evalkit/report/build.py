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

The sections live in sibling modules, one per family or concern: `overview` (verdict, glance
cards, sample sizes), `sxs` (with the examples), `safety`, `summarization`, `ifeval`,
`performance`, `agreement`, `raters` (rater quality; leaving flagged raters out) and
`automatic` (the automatic graders' measured error, the judge's hygiene); `rows` holds the
helpers they share for reading the long table and `options` the `ReportOptions`. This module
assembles them into the one context the templates render.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from evalkit.gates import GateReport
from evalkit.report.agreement import agreement_section
from evalkit.report.automatic import attach_accuracy, judge_section
from evalkit.report.history import history_context
from evalkit.report.ifeval import IFEVAL_LEAD, ifeval_section
from evalkit.report.options import ReportOptions
from evalkit.report.overview import at_a_glance, gates_section, samples_section
from evalkit.report.performance import LATENCY_P50, latency_section
from evalkit.report.raters import rater_tables, raters_section, without_flagged
from evalkit.report.rows import (
    NONE,
    _candidates,
    by_graders,
    families,
    family_metrics,
    family_rows,
    family_title,
    long_blocks,
    num_interval,
    ordered_models,
    pct,
    pct_interval,
    preferred_pairs,
    shown_comparisons,
)
from evalkit.report.safety import VIOLATION, safety_section
from evalkit.report.summarization import GOOD, summarization_section
from evalkit.report.sxs import WIN, examples_section, sxs_section
from evalkit.stats.frames import RunFrames
from evalkit.stats.table import metrics

# what other modules import from here (`evalkit.report`, `evalkit.cli.stats`, tests)
__all__ = [
    "ReportOptions",
    "by_graders",
    "family_rows",
    "long_blocks",
    "num_interval",
    "ordered_models",
    "other_sections",
    "pct",
    "pct_interval",
    "preferred_pairs",
    "report_context",
    "shown_comparisons",
]


def report_context(
    frames: RunFrames, gates: GateReport | None = None, options: ReportOptions | None = None
) -> dict[str, Any]:
    """Everything the templates show, computed once from the long table. With
    `options.exclude_flagged` the flagged raters' grades are dropped first, so every number
    leaves them out (the gates are the caller's: run them on the frames
    `evalkit.stats.raters.exclude_flagged` gives); the raters section still shows every rater."""
    from evalkit import __version__
    from evalkit.stats.engine import statistics_table

    options = options or ReportOptions()
    tables = rater_tables(frames)  # on every grade, before any exclusion
    exclusion = None
    if options.exclude_flagged:
        frames, excluded = without_flagged(frames, tables)
        exclusion = {"raters": excluded, "history": options.history is not None}
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
        "exclusion": exclusion,
        "gates": gates_section(gates),
        "table": table,
        "preference": sxs_section(table, frames, options),
        "violations": safety_section(table, frames, options),
        "instructions": ifeval_section(table, frames, options),
        "summaries": summarization_section(table, frames, options),
        "latency": latency_section(table, frames, options),
        "others": other_sections(table, frames, options, dedicated),
        "agreement": agreement_section(frames, options),
        "raters": raters_section(frames, tables, options.exclude_flagged),
        "samples": samples_section(table, frames, options),
        "examples": examples_section(frames, options),
        "notes": [*frames.notes, *options.notes],
        "seed": options.seed,
        "resamples": options.resamples,
        "rater_bootstrap": options.rater_bootstrap,
        "history": history_context(options.history) if options.history is not None else None,
    }
    context["glance"] = at_a_glance(table, context, frames, options)
    # each automatic (or program) block gets its graders' measured accuracy beside it
    context["graders"] = judge_section(frames, options, attach_accuracy(context, table))
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
