"""Latency and throughput per model, from a run's responses.

Medians and 90th percentiles carry distribution-free 95% intervals from order statistics (the
ranks a binomial(n, q) puts around the quantile), so no normality and no seed is assumed. The
error rate is a rate: Wilson. Only successful responses count towards latency and tokens/s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom

from evalkit.stats.proportions import wilson_interval

COLUMNS = [
    "model",
    "n",
    "errors",
    "error_rate",
    "error_low",
    "error_high",
    "latency_p50_s",
    "latency_p50_low",
    "latency_p50_high",
    "latency_p90_s",
    "latency_p90_low",
    "latency_p90_high",
    "ttft_p50_s",
    "tokens_per_s",
    "tokens_per_s_low",
    "tokens_per_s_high",
]


def quantile_interval(
    values: np.ndarray, q: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """(estimate, low, high) for the q-quantile, by order statistics; NaN when too few values."""
    x = np.sort(np.asarray(values, dtype=float)[~np.isnan(np.asarray(values, dtype=float))])
    n = len(x)
    if n == 0:
        return (float("nan"),) * 3
    estimate = float(np.quantile(x, q))
    alpha = 1 - confidence
    lo_rank = int(binom.ppf(alpha / 2, n, q))  # 0-based index of the lower order statistic
    hi_rank = int(binom.ppf(1 - alpha / 2, n, q))
    low = float(x[lo_rank - 1]) if lo_rank >= 1 else float("nan")
    high = float(x[hi_rank]) if hi_rank < n else float("nan")
    return estimate, low, high


def latency_table(responses: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per model: errors, latency p50 / p90, time to first token, tokens/s median."""
    rows = []
    for model, group in responses.groupby("model", sort=True):
        n = len(group)
        ok = group[group["ok"].astype(bool)]
        errors = n - len(ok)
        e_low, e_high = wilson_interval(errors, n, confidence)
        p50 = quantile_interval(ok["latency_s"].to_numpy(dtype=float), 0.5, confidence)
        p90 = quantile_interval(ok["latency_s"].to_numpy(dtype=float), 0.9, confidence)
        ttft = quantile_interval(ok["ttft_s"].to_numpy(dtype=float), 0.5, confidence)
        tps = quantile_interval(ok["tokens_per_s"].to_numpy(dtype=float), 0.5, confidence)
        rows.append(
            {
                "model": model,
                "n": n,
                "errors": errors,
                "error_rate": errors / n if n else float("nan"),
                "error_low": e_low,
                "error_high": e_high,
                "latency_p50_s": p50[0],
                "latency_p50_low": p50[1],
                "latency_p50_high": p50[2],
                "latency_p90_s": p90[0],
                "latency_p90_low": p90[1],
                "latency_p90_high": p90[2],
                "ttft_p50_s": ttft[0],
                "tokens_per_s": tps[0],
                "tokens_per_s_low": tps[1],
                "tokens_per_s_high": tps[2],
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
