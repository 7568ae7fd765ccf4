"""Length-controlled win rate (AlpacaEval 2.0): the preference had both answers been as long.

Raters and judges tend to prefer the longer answer, so a model can buy win rate with verbosity.
AlpacaEval 2.0 answers "what would the preference be at equal length?" with a GLM, and so do we:

- **Outcome**: per item, the share of its raters preferring the model, ties as half (the
  `sxs_preference` item value: a mean over raters, so the estimand does not move with the
  number of raters per item). A fractional logit (statsmodels `GLM`, `Binomial` family, y in
  [0, 1]: Papke–Wooldridge quasi-likelihood) fits it.
- **Predictors**: an intercept (or one per category, `categories=True`) and AlpacaEval's
  length term `tanh((len_model − len_baseline) / sd)`, sd the standard deviation of the length
  differences. Lengths are in **characters** of the response text (sample 0, what an item
  shows), or the `len_a` / `len_b` columns of a grade frame where present.
- **Estimate**: the mean over items of sigmoid(linear predictor with the length term at 0).
- **Interval**: a percentile bootstrap over prompts, the GLM (and sd) refit per resample —
  AlpacaEval publishes none. The fit is antisymmetric (swapping the models flips y to 1 − y and
  the length term's sign), so the reverse orientation is exactly 1 − the estimate, with the
  mirrored interval; each unordered pair is fitted once, on one stream of resamples.
- `length_bias`: the length coefficient itself (logit per unit of the tanh term) with a
  prompt-clustered sandwich interval: how much longer answers are preferred.

Human and automatic grades are fitted apart. Items without both lengths are left out; a pair
with none gives no row (never an exception).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

from evalkit.stats.bootstrap import group_rng
from evalkit.stats.engine import item_values
from evalkit.stats.frames import GRADER_ORDER
from evalkit.stats.table import ALL, COLUMNS, Metric, register_metric

NAN = float("nan")
LENGTH_UNIT = "characters"
DEFAULT_LC_RESAMPLES = 1000
METRIC = register_metric(
    Metric(
        name="sxs_lc_preference",
        family="sxs_lc",
        scale="rate",
        higher_is_better=True,
        description=(
            "length-controlled win rate (ties as half; AlpacaEval 2.0 GLM, length term set to zero)"
        ),
        groups=(),
        comparison=True,
        graded=True,
        headline=True,
    )
)
ITEM_COLUMNS = [
    "model", "baseline", "graders", "category", "prompt_id", "item_id", "value",
    "len_model", "len_baseline",
]  # fmt: skip
BIAS_COLUMNS = [
    "model", "baseline", "graders", "coefficient", "low", "high", "p_value", "length_sd",
    "n", "n_items", "method",
]  # fmt: skip


# ---------------------------------------------------------------- items with their lengths


def response_lengths(responses: pd.DataFrame) -> pd.DataFrame:
    """(prompt_id, model, length): characters of each model's sample-0 response (what an item
    shows); a failed or missing text has no length."""
    if responses is None or responses.empty or "text" not in responses.columns:
        return pd.DataFrame(columns=["prompt_id", "model", "length"])
    frame = responses
    if "sample" in frame.columns:
        frame = frame[pd.to_numeric(frame["sample"], errors="coerce").fillna(0) == 0]
    text = frame["text"].where(frame["text"].map(lambda t: isinstance(t, str)))
    out = pd.DataFrame(
        {
            "prompt_id": frame["prompt_id"].astype(str),
            "model": frame["model"].astype(str),
            "length": text.str.len().astype(float),
        }
    )
    return out.dropna().drop_duplicates(["prompt_id", "model"], keep="first")


def _item_lengths(grades: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Per item: model_a, model_b, len_a, len_b (the grade frame's own columns first, then the
    run's responses joined by (prompt_id, model))."""
    columns = ["item_id", "prompt_id", "model_a", "model_b"]
    own = [c for c in ("len_a", "len_b") if c in grades.columns]
    items = grades[columns + own].copy()
    for column in ("len_a", "len_b"):
        items[column] = pd.to_numeric(items[column], errors="coerce") if column in own else NAN
    items = items.groupby("item_id", sort=False).agg(
        prompt_id=("prompt_id", "first"),
        model_a=("model_a", "first"),
        model_b=("model_b", "first"),
        len_a=("len_a", "first"),  # first non-null
        len_b=("len_b", "first"),
    )
    lengths = response_lengths(responses).set_index(["prompt_id", "model"])["length"]
    prompts = items["prompt_id"].astype(str)
    for side in ("a", "b"):
        keys = pd.MultiIndex.from_arrays([prompts, items[f"model_{side}"].astype(str)])
        joined = lengths.reindex(keys).to_numpy() if len(lengths) else NAN
        items[f"len_{side}"] = items[f"len_{side}"].fillna(pd.Series(joined, index=items.index))
    return items.reset_index()


def length_items(frames: Any) -> pd.DataFrame:
    """One row per (model, baseline, graders, item), both orientations: the item's preference
    for the model (mean over raters of win + tie/2) and both answers' lengths. Items without
    both lengths are left out."""
    from evalkit.kinds.base import get_kind

    grades = frames.kind("sxs")
    grades = grades[~grades["is_gold"].astype(bool)] if not grades.empty else grades
    if grades.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    values = get_kind("sxs").grade_values(grades, frames)
    values = values[values["metric"] == "sxs_preference"]
    items = item_values(values, ("category",))
    if items.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    lengths = _item_lengths(grades, getattr(frames, "responses", None))
    merged = items.merge(lengths[["item_id", "model_a", "len_a", "len_b"]], on="item_id")
    forward = merged["model"].astype(str) == merged["model_a"].astype(str)
    merged["len_model"] = np.where(forward, merged["len_a"], merged["len_b"]).astype(float)
    merged["len_baseline"] = np.where(forward, merged["len_b"], merged["len_a"]).astype(float)
    merged = merged.dropna(subset=["len_model", "len_baseline"])
    return merged[ITEM_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------- the GLM


def _design(
    diff: np.ndarray, codes: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """(intercepts, full design, sd): per-category (or one) intercept columns, then the length
    term when the lengths differ at all (sd weighted as the resample repeats items)."""
    total = weights.sum()
    mean = float(np.average(diff, weights=weights))
    sd = math.sqrt(float(np.sum(weights * (diff - mean) ** 2)) / (total - 1)) if total > 1 else 0
    present = np.unique(codes)
    base = (codes[:, None] == present[None, :]).astype(float)
    if not sd > 0:
        return base, base, NAN
    return base, np.column_stack([base, np.tanh(diff / sd)]), sd


def _glm(y: np.ndarray, design: np.ndarray, weights: np.ndarray, **fit: Any) -> Any:
    """The fractional-logit fit, or None when it fails (a degenerate resample)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # separation / convergence: judged by the result
            model = sm.GLM(y, design, family=sm.families.Binomial(), freq_weights=weights)
            return model.fit(**fit)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None


def lc_fit(
    y: np.ndarray,
    diff: np.ndarray,
    codes: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """(length-controlled rate, length coefficient) of item preferences `y` and length
    differences `diff` (model − baseline), with optional category codes and item weights
    (bootstrap counts). NaN where the GLM cannot be fitted."""
    y, diff = np.asarray(y, dtype=float), np.asarray(diff, dtype=float)
    codes = np.zeros(len(y), dtype=int) if codes is None else np.asarray(codes)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    keep = weights > 0
    y, diff, codes, weights = y[keep], diff[keep], codes[keep], weights[keep]
    if weights.sum() < 2:
        return NAN, NAN
    base, design, sd = _design(diff, codes, weights)
    result = _glm(y, design, weights)
    if result is None or not np.all(np.isfinite(result.params)):
        return NAN, NAN
    params = np.asarray(result.params)
    rate = float(np.average(expit(base @ params[: base.shape[1]]), weights=weights))
    return rate, (float(params[-1]) if sd > 0 else NAN)


def _pair_arrays(part: pd.DataFrame, categories: bool) -> tuple[np.ndarray, ...]:
    y = part["value"].to_numpy(dtype=float)
    diff = (part["len_model"] - part["len_baseline"]).to_numpy(dtype=float)
    codes = (
        pd.factorize(part["category"].astype(str))[0]
        if categories
        else np.zeros(len(part), dtype=int)
    )
    prompts = pd.factorize(part["prompt_id"].astype(str))[0]
    return y, diff, codes, prompts


def _bootstrap(
    y: np.ndarray,
    diff: np.ndarray,
    codes: np.ndarray,
    prompts: np.ndarray,
    *,
    confidence: float,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Percentile interval of the LC rate over resampled prompts (an item weighs as many times
    as its prompt is drawn; the GLM and the sd refit each time)."""
    n_prompts = int(prompts.max()) + 1 if len(prompts) else 0
    if n_prompts < 2:
        return NAN, NAN
    draws = np.full(resamples, NAN)
    uniform = np.full(n_prompts, 1.0 / n_prompts)
    for b in range(resamples):
        counts = rng.multinomial(n_prompts, uniform)
        draws[b] = lc_fit(y, diff, codes, counts[prompts].astype(float))[0]
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return NAN, NAN
    alpha = (1 - confidence) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return float(low), float(high)


def _canonical_pairs(items: pd.DataFrame) -> pd.DataFrame:
    """Each unordered pair once (model < baseline by name), per graders."""
    return items[items["model"].astype(str) < items["baseline"].astype(str)]


def _sorted_rows(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    order = table["graders"].map(GRADER_ORDER).fillna(9)
    table = table.assign(_order=order).sort_values(["_order", "model", "baseline"], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def length_controlled_rows(
    frames: Any,
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_LC_RESAMPLES,
    seed: int | None = None,
    categories: bool = False,
) -> pd.DataFrame:
    """Long-table rows of `sxs_lc_preference`: every (model, baseline, graders) of the sxs
    grades, both orientations, n = prompts. No lengths, no rows."""
    items = length_items(frames)
    rows: list[dict] = []
    keys = ["model", "baseline", "graders"]
    for (model, baseline, graders), part in _canonical_pairs(items).groupby(keys, sort=True):
        y, diff, codes, prompts = _pair_arrays(part, categories)
        point, _ = lc_fit(y, diff, codes)
        if math.isnan(point):
            continue
        rng = group_rng(seed, (METRIC.name, model, baseline, graders, categories))
        low, high = _bootstrap(
            y, diff, codes, prompts, confidence=confidence, resamples=resamples, rng=rng
        )
        intercepts = "per-category intercepts" if categories else "an intercept"
        method = (
            f"fractional-logit GLM (binomial, ties as half) on {intercepts} + "
            f"tanh(Δ{LENGTH_UNIT}/sd), length term set to 0; percentile bootstrap over prompts, "
            f"GLM refit per resample ({resamples} resamples)"
        )
        common = {
            "metric": METRIC.name, "group": ALL, "graders": graders, "k": NAN,
            "n": int(prompts.max()) + 1, "n_items": len(part), "unit": "prompts",
            "method": method, "p_value": NAN, "p_adjusted": NAN,
        }  # fmt: skip
        rows.append(
            common | {"model": model, "baseline": baseline, "estimate": point}
            | {"low": low, "high": high}
        )  # fmt: skip
        rows.append(
            common | {"model": baseline, "baseline": model, "estimate": 1 - point}
            | {"low": 1 - high, "high": 1 - low}
        )  # fmt: skip
    return _sorted_rows(rows, COLUMNS)


def length_bias(frames: Any, *, confidence: float = 0.95, categories: bool = False) -> pd.DataFrame:
    """The fitted length coefficient per (model, baseline, graders), both orientations (it is
    the same in both: a preference for the longer answer, whoever wrote it), with a Wald
    interval from the prompt-clustered sandwich (t with prompts − 1 df). Positive: longer
    answers are preferred; the coefficient is in logits per unit of tanh(Δ/sd), `length_sd`
    is that sd in characters."""
    items = length_items(frames)
    rows: list[dict] = []
    keys = ["model", "baseline", "graders"]
    for (model, baseline, graders), part in _canonical_pairs(items).groupby(keys, sort=True):
        y, diff, codes, prompts = _pair_arrays(part, categories)
        weights = np.ones(len(y))
        _, design, sd = _design(diff, codes, weights)
        if math.isnan(sd):
            continue
        clustered = int(prompts.max()) + 1 >= 2
        fit = (
            {"cov_type": "cluster", "cov_kwds": {"groups": prompts}, "use_t": True}
            if clustered
            else {}
        )
        result = _glm(y, design, weights, **fit)
        if result is None or not np.all(np.isfinite(result.params)):
            continue
        low, high = np.asarray(result.conf_int(alpha=1 - confidence))[-1]
        common = {
            "graders": graders, "coefficient": float(result.params[-1]), "low": float(low),
            "high": float(high), "p_value": float(np.asarray(result.pvalues)[-1]),
            "length_sd": sd, "n": int(prompts.max()) + 1, "n_items": len(part),
            "method": "fractional-logit GLM coefficient of tanh(Δ/sd); Wald, "
            + ("prompt-clustered sandwich (t, prompts − 1 df)" if clustered else "model-based"),
        }  # fmt: skip
        rows.append(common | {"model": model, "baseline": baseline})
        rows.append(common | {"model": baseline, "baseline": model})
    return _sorted_rows(rows, BIAS_COLUMNS)
