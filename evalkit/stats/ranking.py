"""Ranking: Bradley–Terry strengths over every pairwise comparison, with bootstrap intervals.

Each graded item is one "battle" between its two models; its outcome is the share of raters
preferring model_a, ties as half (the headline side-by-side estimand), so the fit does not
depend on how many raters graded an item. The
strengths β maximise the Bradley–Terry likelihood P(i beats j) = 1 / (1 + e^(βj − βi)) with a
weak ridge (λ = 0.01, so a model that wins every battle stays finite); they are centred at mean
0 and also shown on the familiar Elo-like scale 1000 + 400·β / ln 10 (as Chatbot Arena does).
Intervals: bootstrap over battles with the multinomial trick — unique (i, j, outcome) rows
with counts, B multinomial count vectors, one weighted refit per draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from evalkit.stats.bootstrap import percentile_interval, rng_for
from evalkit.stats.frames import graders_first, normalize

ELO_SCALE = 400 / np.log(10)
RIDGE = 0.01
COLUMNS = [
    "graders",
    "rank",
    "model",
    "strength",
    "low",
    "high",
    "elo",
    "elo_low",
    "elo_high",
    "n_battles",
]


def fit_bradley_terry(
    winners: np.ndarray, losers: np.ndarray, y: np.ndarray, weights: np.ndarray, n_models: int
) -> np.ndarray:
    """β (mean 0) maximising Σ w·[y·log σ(βa−βb) + (1−y)·log σ(βb−βa)] − λ/2·|β|²."""

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        d = beta[winners] - beta[losers]
        nll = -np.sum(weights * (y * log_expit(d) + (1 - y) * log_expit(-d)))
        residual = weights * (y - expit(d))
        grad = -np.bincount(winners, residual, n_models) + np.bincount(losers, residual, n_models)
        return nll + RIDGE / 2 * beta @ beta, grad + RIDGE * beta

    result = minimize(objective, np.zeros(n_models), jac=True, method="L-BFGS-B")
    return result.x - result.x.mean()


def battles(frame: pd.DataFrame, candidates: Sequence[str] | None = None) -> pd.DataFrame:
    """Unique (graders, model_a, model_b, y) rows with counts; y = the item's share of raters
    preferring model_a, ties as half. `candidates`: keep only battles involving them."""
    frame = normalize(frame, "sxs")
    frame = frame[~frame["is_gold"].astype(bool)]
    if candidates:
        frame = frame[frame["model_a"].isin(candidates) | frame["model_b"].isin(candidates)]
    score = frame["score"].astype(float)
    pref = (score > 0).astype(float) + (score == 0).astype(float) / 2
    items = (
        frame.assign(pref=pref, graders=frame["grader"])
        .groupby(["graders", "model_a", "model_b", "item_id"], observed=True)["pref"]
        .mean()
        .rename("y")
        .reset_index()
        .rename(columns={"model_a": "candidate", "model_b": "baseline"})
    )
    return (
        items.groupby(["graders", "candidate", "baseline", "y"], observed=True)
        .size()
        .rename("count")
        .reset_index()
    )


def bradley_terry(
    frame: pd.DataFrame,
    *,
    resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Strengths per (graders, model) with bootstrap intervals and rank (1 = strongest)."""
    rng = rng_for(seed)
    rows = []
    for graders, group in battles(frame).groupby("graders", sort=True):
        models = sorted(set(group["candidate"]) | set(group["baseline"]))
        index = {m: i for i, m in enumerate(models)}
        a = group["candidate"].map(index).to_numpy()
        b = group["baseline"].map(index).to_numpy()
        y = group["y"].to_numpy(dtype=float)
        counts = group["count"].to_numpy(dtype=float)
        beta = fit_bradley_terry(a, b, y, counts, len(models))
        total = int(counts.sum())
        draws = (
            np.array(
                [
                    fit_bradley_terry(a, b, y, w.astype(float), len(models))
                    for w in rng.multinomial(total, counts / total, size=resamples)
                ]
            )
            if resamples
            else np.tile(beta, (1, 1))
        )
        low, high = percentile_interval(draws, confidence)
        n_battles = np.bincount(a, counts, len(models)) + np.bincount(b, counts, len(models))
        order = np.argsort(-beta)
        for rank, i in enumerate(order, start=1):
            rows.append(
                {
                    "graders": graders,
                    "rank": rank,
                    "model": models[i],
                    "strength": beta[i],
                    "low": low[i],
                    "high": high[i],
                    "elo": 1000 + ELO_SCALE * beta[i],
                    "elo_low": 1000 + ELO_SCALE * low[i],
                    "elo_high": 1000 + ELO_SCALE * high[i],
                    "n_battles": int(n_battles[i]),
                }
            )
    return graders_first(pd.DataFrame(rows, columns=COLUMNS))
