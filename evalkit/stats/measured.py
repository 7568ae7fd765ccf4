"""Metrics a program measures (no raters): IFEval accuracies, latency, tokens/s, error rate.

They land in the same long table as graded metrics (graders = "program"), clustered by prompt
like everything else:

- IFEval prompt-level accuracy: one item per response (several samples of a prompt cluster);
  instruction-level accuracy: one item per instruction, clustered by prompt (the instructions
  of one prompt are not independent draws), so `n` counts prompts, not instructions;
- error rate: one item per request;
- latency quantiles and median tokens/s: a percentile bootstrap over prompts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, group_rng
from evalkit.stats.estimate import clustered_rate
from evalkit.stats.table import ALL, COLUMNS, Metric, Scale, register_metric

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames

PROGRAM = "program"


def _metric(name: str, family: str, scale: Scale, higher: bool | None, description: str) -> Metric:
    return register_metric(
        Metric(
            name=name, family=family, scale=scale, higher_is_better=higher,
            description=description, graded=False,
        )
    )  # fmt: skip


IFEVAL = {
    "ifeval_prompt_strict": ("prompt_strict", None),
    "ifeval_prompt_loose": ("prompt_loose", None),
    "ifeval_inst_strict": ("inst_strict_pass", "inst_total"),
    "ifeval_inst_loose": ("inst_loose_pass", "inst_total"),
}
for _name, _description in (
    ("ifeval_prompt_strict", "IFEval prompt-level strict accuracy"),
    ("ifeval_prompt_loose", "IFEval prompt-level loose accuracy"),
    ("ifeval_inst_strict", "IFEval instruction-level strict accuracy"),
    ("ifeval_inst_loose", "IFEval instruction-level loose accuracy"),
):
    _metric(_name, "ifeval", "rate", True, _description)
_metric("error_rate", "latency", "rate", False, "share of requests that failed")
_metric("latency_p50_s", "latency", "value", False, "median latency (s)")
_metric("latency_p90_s", "latency", "value", False, "90th percentile latency (s)")
_metric("ttft_p50_s", "latency", "value", False, "median time to first token (s)")
_metric("tokens_per_s", "latency", "value", True, "median tokens per second")


def _row(metric: str, model: str, estimate: float, low: float, high: float, **extra: Any) -> dict:
    return {
        "metric": metric, "model": model, "baseline": "", "group": ALL, "graders": PROGRAM,
        "estimate": estimate, "low": low, "high": high, "unit": "prompts",
        "p_value": float("nan"), "p_adjusted": float("nan"), **extra,
    }  # fmt: skip


def ifeval_rows(ifeval: pd.DataFrame, confidence: float = 0.95) -> list[dict]:
    """The four IFEval accuracies per model, clustered by prompt."""
    rows: list[dict] = []
    if ifeval.empty:
        return rows
    for model, part in ifeval.groupby("model", sort=True):
        prompts = part["prompt_id"].to_numpy()
        for name, (passed, total) in IFEVAL.items():
            if total is None:
                values, clusters = part[passed].astype(float).to_numpy(), prompts
            else:
                counts = part[total].astype(int).to_numpy()
                passes = part[passed].astype(int).to_numpy()
                clusters = np.repeat(prompts, counts)
                values = _instruction_values(passes, counts)
            e = clustered_rate(values, clusters, confidence=confidence)
            rows.append(
                _row(name, str(model), e.estimate, e.low, e.high, k=e.k, n=e.n,
                     n_items=e.n_items, method=e.method)
            )  # fmt: skip
    return rows


def _instruction_values(passes: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """One 0/1 value per instruction: each response's passes, then its failures."""
    parts = [np.r_[np.ones(p), np.zeros(t - p)] for p, t in zip(passes, totals, strict=True)]
    return np.concatenate(parts) if parts else np.array([])


def latency_rows(
    responses: pd.DataFrame,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> list[dict]:
    """Error rate (clustered Wilson) and latency / TTFT / tokens-per-second quantiles
    (percentile bootstrap over prompts) per model."""
    rows: list[dict] = []
    if responses.empty:
        return rows
    for model, part in responses.groupby("model", sort=True):
        model = str(model)
        failed = (~part["ok"].astype(bool)).astype(float).to_numpy()
        e = clustered_rate(failed, part["prompt_id"].to_numpy(), confidence=confidence)
        rows.append(
            _row("error_rate", model, e.estimate, e.low, e.high, k=e.k, n=e.n,
                 n_items=e.n_items, method=e.method)
        )  # fmt: skip
        ok = part[part["ok"].astype(bool)]
        for name, column, q in (
            ("latency_p50_s", "latency_s", 0.5),
            ("latency_p90_s", "latency_s", 0.9),
            ("ttft_p50_s", "ttft_s", 0.5),
            ("tokens_per_s", "tokens_per_s", 0.5),
        ):
            data = ok[["prompt_id", column]].dropna()
            if data.empty:
                continue
            rng = group_rng(seed, (name, model))
            point, low, high = quantile_interval(data, column, q, confidence, resamples, rng)
            rows.append(
                _row(name, model, point, low, high, k=float("nan"), n=data["prompt_id"].nunique(),
                     n_items=len(data), method=f"percentile bootstrap over prompts ({resamples})")
            )  # fmt: skip
    return rows


def quantile_interval(
    data: pd.DataFrame,
    column: str,
    q: float,
    confidence: float,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[float, float, float]:
    """(point, low, high) of a quantile (the inverted-CDF definition), prompts resampled with
    replacement: each draw weights the sorted values by how often their prompt was drawn, so
    every draw's quantile is one cumulative sum, all draws at once."""
    values = data[column].to_numpy(dtype=float)
    codes, uniques = pd.factorize(data["prompt_id"])
    point = float(np.quantile(values, q, method="inverted_cdf"))
    n = len(uniques)
    if n < 2:
        return point, float("nan"), float("nan")
    order = np.argsort(values, kind="stable")
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)
    weights = counts[:, codes[order]].astype(float)  # B x values, in sorted order
    cumulative = np.cumsum(weights, axis=1)
    crossing = (cumulative >= q * cumulative[:, -1:]).argmax(axis=1)
    draws = values[order][crossing]
    alpha = (1 - confidence) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return point, float(low), float(high)


def measured_table(
    frames: RunFrames,
    confidence: float = 0.95,
    seed: int | None = None,
    resamples: int = DEFAULT_RESAMPLES,
) -> pd.DataFrame:
    """The program-measured rows of a run's frames (IFEval and latency)."""
    rows = ifeval_rows(frames.ifeval, confidence)
    rows += latency_rows(frames.responses, confidence, resamples=resamples, seed=seed)
    return pd.DataFrame(rows, columns=COLUMNS)


def measured_items(frames: RunFrames, metric: str, model: str) -> pd.DataFrame:
    """(prompt_id, value) per item of a program-measured rate, for paired comparisons."""
    if metric in IFEVAL:
        data = frames.ifeval
        data = data[data["model"] == model]
        passed, total = IFEVAL[metric]
        if total is None:
            return pd.DataFrame(
                {"prompt_id": data["prompt_id"], "value": data[passed].astype(float)}
            )
        counts = data[total].astype(int).to_numpy()
        values = _instruction_values(data[passed].astype(int).to_numpy(), counts)
        return pd.DataFrame(
            {"prompt_id": np.repeat(data["prompt_id"].to_numpy(), counts), "value": values}
        )
    if metric == "error_rate":
        data = frames.responses
        data = data[data["model"] == model]
        failed = (~data["ok"].astype(bool)).astype(float)
        return pd.DataFrame({"prompt_id": data["prompt_id"], "value": failed})
    return pd.DataFrame(columns=["prompt_id", "value"])
