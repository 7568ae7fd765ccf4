"""Automatic scoring of a run: a registry of scorers, one per suite (extend by registering).

A scorer takes the run's prompts and responses of its suite and returns Score records, which
`evalkit score RUN_DIR` appends to RUN_DIR/scores.jsonl.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.records import Prompt, Response, Score


@dataclass
class ScoringContext:
    run_dir: Path
    run_id: str
    prompts: dict[str, Prompt]  # prompt id -> prompt (only this suite's)
    # this suite's responses (last record per key), errored ones included: each scorer decides
    # (IFEval fails them, the safety scorer skips them); `evalkit score` counts them as no answer
    responses: list[Response]
    options: dict[str, object] = field(default_factory=dict)


Scorer = Callable[[ScoringContext], list[Score]]
SCORERS: dict[str, Scorer] = {}


def register_scorer(suite: str) -> Callable[[Scorer], Scorer]:
    """Register `fn` as the scorer of prompts whose `suite` is `suite`."""

    def decorator(fn: Scorer) -> Scorer:
        SCORERS[suite] = fn
        return fn

    return decorator
