"""IFEval: the four accuracies (prompt- and instruction-level, strict and loose) with intervals.

Prompt-level accuracies are shares of independent prompts: Wilson intervals. Instruction-level
accuracies pool the instructions of all prompts, and the instructions of one prompt are not
independent (one bad response fails several), so their interval is a bootstrap over prompts
(the multinomial trick on each prompt's (followed, total) counts), not a Wilson interval that
would pretend every instruction were its own draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.stats.bootstrap import (
    DEFAULT_RESAMPLES,
    group_rng,
    percentile_interval,
    resampled_sums,
)
from evalkit.stats.proportions import rate_row, wilson_interval

METRICS = ("prompt_strict", "prompt_loose", "inst_strict", "inst_loose")
LABELS = {
    "prompt_strict": "prompt-level strict",
    "prompt_loose": "prompt-level loose",
    "inst_strict": "instruction-level strict",
    "inst_loose": "instruction-level loose",
}
COLUMNS = ["model", "metric", "k", "n", "rate", "low", "high", "n_prompts"]


def ifeval_table(
    frame: pd.DataFrame,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per (model, metric) with k, n, rate, 95% interval and the number of prompts."""
    rows = []
    for model, group in frame.groupby("model", sort=True):
        n_prompts = len(group)
        for metric in ("prompt_strict", "prompt_loose"):
            k = int(group[metric].astype(bool).sum())
            rows.append({"model": model, "metric": metric, **rate_row(k, n_prompts, confidence)})
            rows[-1]["n_prompts"] = n_prompts
        for metric, column in (
            ("inst_strict", "inst_strict_pass"),
            ("inst_loose", "inst_loose_pass"),
        ):
            passed = group[column].to_numpy(dtype=float)
            total = group["inst_total"].to_numpy(dtype=float)
            k, n = int(passed.sum()), int(total.sum())
            row = {"model": model, "metric": metric, **rate_row(k, n, confidence)}
            if 0 < k < n:
                rng = group_rng(seed, (model, metric))
                sums = resampled_sums(np.column_stack([passed, total]), resamples, rng)
                low, high = percentile_interval(sums[:, 0] / sums[:, 1], confidence)
                row["low"], row["high"] = float(low), float(high)
            elif n:
                row["low"], row["high"] = wilson_interval(k, n, confidence)
            row["n_prompts"] = n_prompts
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
