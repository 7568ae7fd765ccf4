"""`ReportOptions`: what a caller chooses about a report (title, candidates, seed, which extra
rows, whether flagged raters are left out, the release history). Its own module so every
section can read it without importing the orchestration in `evalkit.report.build`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED


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
    # drop the grades of the raters `evalkit.stats.raters` flags before every statistic; the
    # report names them and says why at the top
    exclude_flagged: bool = False
    db: str | None = None  # the runs' grade store URL (the judge's hygiene reads the runs again)
    # release history: earlier runs, oldest first (this report's runs come last), read through
    # `history_table`, which the report renders as its own section
    history: Any = None
