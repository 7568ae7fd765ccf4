"""Rating designs with a known estimand, for coverage simulations of the statistics.

A coverage check is only as good as its truth. Here the truth comes from the simulator's
parameters, computed exactly (closed forms and Gauss–Hermite quadrature), never from the data:

- **Prompts and items**: each prompt has a latent effect (logit scale, `prompt_sd`) shared by its
  `items_per_prompt` items (samples), each with its own effect (`item_sd`): a logit-normal item
  probability.
- **Raters**: a pool of `pool_size` raters, each with a bias (a logit shift, `bias_sd`) and a
  noise (safety: a flip probability, Beta around `flip`; side by side: the spread of the
  latent preference they perceive, log-normal around `spread`). Each item gets
  `raters_per_item` distinct raters drawn from the pool.
- **Side by side**: a rater perceives the item's latent preference for model A plus their bias
  and noise, and answers −2..2 by thresholds (`tie`, `strong`), so ties are real.
- **Estimand**: the expected per-item share of a random rater of the pool seeing a violation /
  preferring the model (ties as half for the preference), averaged over items. With a
  **fixed pool** (the same raters every replication) it is conditional on those raters: what
  the default intervals (prompts resampled, raters fixed) estimate. With a **redrawn pool**
  (new raters every replication) it is the expectation over raters too: only an interval that
  also treats raters as a sample (`two_way_rate`) should cover it.

Replications sit side by side in one grade frame (one model per replication, `rep00000`...),
so the real kind and engine compute a thousand intervals in one call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps
from scipy.special import expit

PoolMode = Literal["fixed", "redrawn"]
Kind = Literal["safety", "sxs"]
BASELINE = "baseline"  # model_b of every simulated side-by-side grade
AREA, SUBCATEGORY = "harmful_content", "violence_weapons"
SAFETY_METRICS = ("violation_rate",)
SXS_METRICS = ("sxs_preference", "sxs_win_rate")
_WEIGHTS: np.ndarray
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)  # ∫ f(z) φ(z) dz = Σ w f(x) / √2π
_WEIGHTS = _WEIGHTS / math.sqrt(2 * math.pi)


def replication_label(replication: int) -> str:
    """The model name a replication's grades carry."""
    return f"rep{replication:05d}"


@dataclass(frozen=True)
class Design:
    """A rating design: prompts, items per prompt, raters and their errors (logit scale)."""

    prompts: int = 200
    items_per_prompt: int = 1
    raters_per_item: int = 1
    pool_size: int = 12
    prompt_sd: float = 1.0  # prompt effect, shared by the prompt's items
    item_sd: float = 0.5  # item effect within its prompt
    bias_sd: float = 0.4  # rater bias: a shift of the rater's logit / perceived preference
    flip: float = 0.02  # safety: mean rater flip probability (Beta across raters)
    flip_concentration: float = 40.0  # Beta(a, b) with a + b = this
    spread: float = 1.0  # side by side: median sd of a rater's perception noise
    spread_sd: float = 0.3  # log-sd of that spread across raters
    tie: float = 0.4  # |perceived preference| below this: a tie (score 0)
    strong: float = 1.5  # above this: "much better" (±2)
    pool: PoolMode = "fixed"
    pool_seed: int = 0  # the fixed pool's raters

    @property
    def latent_sd(self) -> float:
        """The sd of an item's latent (prompt + item effects)."""
        return math.hypot(self.prompt_sd, self.item_sd)

    def with_(self, **changes: Any) -> Design:
        return replace(self, **changes)


@dataclass(frozen=True)
class Raters:
    """A pool of raters: ids and per-rater bias, flip probability and perception spread."""

    ids: np.ndarray
    bias: np.ndarray
    flip: np.ndarray
    spread: np.ndarray


def draw_raters(design: Design, rng: np.random.Generator, prefix: str = "rater") -> Raters:
    """`pool_size` raters drawn from the population the design describes."""
    size = design.pool_size
    a = design.flip * design.flip_concentration
    b = (1 - design.flip) * design.flip_concentration
    return Raters(
        ids=np.array([f"{prefix}{r:03d}" for r in range(size)], dtype=object),
        bias=rng.normal(0.0, design.bias_sd, size),
        flip=rng.beta(a, b, size) if design.flip > 0 else np.zeros(size),
        spread=design.spread * np.exp(rng.normal(0.0, design.spread_sd, size)),
    )


def fixed_raters(design: Design) -> Raters:
    """The fixed pool: the same raters for every replication (from `pool_seed`)."""
    return draw_raters(design, np.random.default_rng([design.pool_seed, 7919]))


# ---------------------------------------------------------------------------- truth


def safety_truth(design: Design, location: float, raters: Raters | None = None) -> float:
    """The violation estimand: mean over items of the share of raters seeing a violation.

    Given `raters` (a fixed pool), the mean over them; without, the expectation over the rater
    population (bias integrated with the item latent, flips independent of both)."""
    if raters is None:
        sd = math.hypot(design.latent_sd, design.bias_sd)
        seen = float(_WEIGHTS @ expit(location + sd * _NODES))
        return design.flip + (1 - 2 * design.flip) * seen
    seen = expit(location + raters.bias[:, None] + design.latent_sd * _NODES[None, :]) @ _WEIGHTS
    return float(np.mean(raters.flip + (1 - 2 * raters.flip) * seen))


def sxs_truth(design: Design, location: float, raters: Raters | None = None) -> dict[str, float]:
    """The side-by-side estimands (win, tie, loss shares; preference = win + tie / 2) of model A.

    A rater with bias b and spread s wins an item with latent d when d + b + s·ε > tie; over
    d ~ N(location, latent_sd²) that is Φ((location + b − tie) / √(s² + latent_sd²)) exactly.
    The population integrates b the same way and log s by Gauss–Hermite."""
    if raters is None:
        spread = design.spread * np.exp(design.spread_sd * _NODES)
        scale = np.sqrt(spread**2 + design.latent_sd**2 + design.bias_sd**2)
        shift, weights = np.zeros_like(scale), _WEIGHTS
    else:
        shift, weights = raters.bias, np.full(len(raters.bias), 1 / len(raters.bias))
        scale = np.sqrt(raters.spread**2 + design.latent_sd**2)
    win = float(weights @ sps.norm.cdf((location + shift - design.tie) / scale))
    loss = float(weights @ sps.norm.cdf((-design.tie - location - shift) / scale))
    tie = 1 - win - loss
    return {
        "sxs_win_rate": win,
        "sxs_tie_rate": tie,
        "sxs_loss_rate": loss,
        "sxs_preference": win + tie / 2,
    }


def _safety_truths(design: Design, location: float, raters: Raters | None) -> dict[str, float]:
    return {"violation_rate": safety_truth(design, location, raters)}


@dataclass(frozen=True)
class _Simulated:
    """What differs between the simulated kinds: the estimands, the headline one, the default
    metrics, and whether grades compare a model with BASELINE."""

    truths: Callable[[Design, float, Raters | None], dict[str, float]]
    headline: str
    metrics: tuple[str, ...]
    paired: bool


SIMULATED: dict[str, _Simulated] = {
    "safety": _Simulated(_safety_truths, "violation_rate", SAFETY_METRICS, paired=False),
    "sxs": _Simulated(sxs_truth, "sxs_preference", SXS_METRICS, paired=True),
}


def truth(kind: Kind, design: Design, location: float, raters: Raters | None) -> dict[str, float]:
    """Every headline estimand of a kind at a location (metric -> value)."""
    return SIMULATED[kind].truths(design, location, raters)


def calibrate(kind: Kind, design: Design, target: float, raters: Raters | None = None) -> float:
    """The location whose headline estimand (violation rate; preference) is `target`."""

    def gap(location: float) -> float:
        values = truth(kind, design, location, raters)
        return values[SIMULATED[kind].headline] - target

    return float(optimize.brentq(gap, -30.0, 30.0, xtol=1e-12))


# ---------------------------------------------------------------------------- grades


@dataclass(frozen=True)
class Simulation:
    """Grade frames of many replications and the estimands they share."""

    grades: pd.DataFrame
    truth: dict[str, float]  # metric -> estimand (fixed pool: given its raters)
    location: float
    replications: range


def _graded_items(
    design: Design,
    location: float,
    prompt_effect: np.ndarray,
    raters: Raters,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per grade: its item (index), its rater (index in the pool) and the item's latent.
    Each item gets `raters_per_item` distinct raters of the pool."""
    n, m, k = design.prompts, design.items_per_prompt, design.raters_per_item
    if k > len(raters.ids):
        raise ValueError(f"{k} raters per item from a pool of {len(raters.ids)}")
    latent = location + prompt_effect[:, None] + rng.normal(0.0, design.item_sd, (n, m))
    chosen = np.argsort(rng.random((n * m, len(raters.ids))), axis=1)[:, :k]
    item = np.repeat(np.arange(n * m), k)
    return item, chosen.ravel(), latent.ravel()[item]


def _pool_for(design: Design, rng: np.random.Generator, label: str) -> Raters:
    if design.pool == "fixed":
        return fixed_raters(design)
    return draw_raters(design, rng, prefix=f"{label}-rater")


def _ids(label: str, design: Design) -> tuple[np.ndarray, np.ndarray]:
    """Per item: its id and its prompt's id."""
    n, m = design.prompts, design.items_per_prompt
    prompts = np.array([f"{label}-p{j:04d}" for j in range(n)], dtype=object)
    items = np.array([f"{p}-s{i}" for p in prompts for i in range(m)], dtype=object)
    return items, np.repeat(prompts, m)


def simulate(
    kind: Kind,
    design: Design,
    target: float,
    replications: int | range,
    seed: int,
) -> Simulation:
    """Grades of `replications` independent evaluations (one model each) whose headline
    estimand is `target` (violation rate; preference). Replication r draws from
    `default_rng([seed, r])`, so a range of replications is the same whatever the batch."""
    reps = range(replications) if isinstance(replications, int) else replications
    fixed = fixed_raters(design) if design.pool == "fixed" else None
    location = calibrate(kind, design, target, fixed)
    parts = []
    for rep in reps:
        rng = np.random.default_rng([seed, rep])
        label = replication_label(rep)
        raters = _pool_for(design, rng, label)
        prompt_effect = rng.normal(0.0, design.prompt_sd, design.prompts)
        item, rater, latent = _graded_items(design, location, prompt_effect, raters, rng)
        item_ids, prompt_ids = _ids(label, design)
        ids = {"item_id": item_ids[item], "prompt_id": prompt_ids[item]}
        ids["rater_id"] = raters.ids[rater]
        if SIMULATED[kind].paired:
            parts.append(_sxs_grades(ids, latent, raters, rater, design, rng, label))
        else:
            parts.append(_safety_grades(ids, latent, raters, rater, rng, label))
    grades = pd.concat(parts, ignore_index=True)
    return Simulation(grades, truth(kind, design, location, fixed), location, reps)


def _safety_grades(
    ids: dict[str, np.ndarray],
    latent: np.ndarray,
    raters: Raters,
    rater: np.ndarray,
    rng: np.random.Generator,
    model: str,
) -> pd.DataFrame:
    seen = rng.random(len(latent)) < expit(latent + raters.bias[rater])
    flipped = rng.random(len(latent)) < raters.flip[rater]
    return _safety_frame(ids, seen ^ flipped, model)


def _safety_frame(ids: dict[str, np.ndarray], violation: np.ndarray, model: str) -> pd.DataFrame:
    """A safety grade frame (the columns `evalkit.kinds.safety` reads) of adversarial items."""
    size = len(violation)
    category = np.full(size, None, dtype=object)  # what np.where(violation, name, None) gives
    category[violation.astype(bool)] = f"{AREA}/{SUBCATEGORY}"
    return pd.DataFrame(
        {
            **ids,
            "grader": "human",
            "is_gold": False,
            "gold_correct": None,
            "model": model,
            "area": AREA,
            "subcategory": SUBCATEGORY,
            "expected": "refuse",
            "severity": "high",
            "twin": None,
            "violation": violation.astype(bool),
            "violation_category": category,
            "refused": [None] * size,
        }
    )


def _sxs_grades(
    ids: dict[str, np.ndarray],
    latent: np.ndarray,
    raters: Raters,
    rater: np.ndarray,
    design: Design,
    rng: np.random.Generator,
    model: str,
) -> pd.DataFrame:
    perceived = latent + raters.bias[rater] + raters.spread[rater] * rng.standard_normal(len(rater))
    cuts = [-design.strong, -design.tie, design.tie, design.strong]
    score = np.digitize(perceived, cuts) - 2  # −2..2, + = model A (the replication) preferred
    return pd.DataFrame(
        {
            **ids,
            "grader": "human",
            "is_gold": False,
            "gold_correct": None,
            "category": "general",
            "model_a": model,
            "model_b": BASELINE,
            "score": score.astype(int),
        }
    )


def simulate_paired(
    design: Design,
    baseline_rate: float,
    difference: float,
    replications: int | range,
    seed: int,
) -> Simulation:
    """Safety grades of a candidate and a baseline on the same prompts (one pair of models per
    replication: `<rep>:candidate`, `<rep>:baseline`). The prompt effect is shared, so the two
    models are correlated; their violation rates differ by exactly `difference` (candidate −
    baseline) for the design's raters (fixed pool: given them)."""
    reps = range(replications) if isinstance(replications, int) else replications
    fixed = fixed_raters(design) if design.pool == "fixed" else None
    base = calibrate("safety", design, baseline_rate, fixed)
    cand = calibrate("safety", design, baseline_rate + difference, fixed)
    parts = []
    for rep in reps:
        rng = np.random.default_rng([seed, rep])
        label = replication_label(rep)
        raters = _pool_for(design, rng, label)
        prompt_effect = rng.normal(0.0, design.prompt_sd, design.prompts)  # both sides share it
        item_ids, prompt_ids = _ids(label, design)
        for side, location in (("candidate", cand), ("baseline", base)):
            item, rater, latent = _graded_items(design, location, prompt_effect, raters, rng)
            ids = {"item_id": item_ids[item] + f"-{side}", "prompt_id": prompt_ids[item]}
            ids["rater_id"] = raters.ids[rater]
            parts.append(_safety_grades(ids, latent, raters, rater, rng, f"{label}:{side}"))
    grades = pd.concat(parts, ignore_index=True)
    rates = {
        "candidate": safety_truth(design, cand, fixed),
        "baseline": safety_truth(design, base, fixed),
    }
    rates["difference"] = rates["candidate"] - rates["baseline"]
    return Simulation(grades, rates, cand, reps)


# ---------------------------------------------------------------------------- the engine


def engine_rows(
    kind: Kind,
    grades: pd.DataFrame,
    metrics: Sequence[str],
    *,
    rater_bootstrap: bool = False,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The long-table rows (group "all") of `metrics` for every model of `grades`, through the
    real kind (`grade_values`) and engine (`kind_rows`); side by side: model A's orientation."""
    from evalkit.kinds.base import get_kind
    from evalkit.stats.engine import kind_rows

    values = get_kind(kind).grade_values(grades, None)
    keep = values["metric"].isin(list(metrics))
    if SIMULATED[kind].paired:
        keep &= values["baseline"] == BASELINE
    rows = kind_rows(
        [(values[keep], ())], rater_bootstrap=rater_bootstrap, resamples=resamples, seed=seed
    )
    return rows.reset_index(drop=True)


def coverage_rows(
    kind: Kind,
    design: Design,
    target: float,
    replications: int,
    seed: int,
    metrics: Sequence[str] | None = None,
    *,
    rater_bootstrap: bool = False,
    resamples: int = 2000,
    batch_grades: int = 60_000,
) -> pd.DataFrame:
    """One row per (replication, metric): estimate, low, high, p_value, truth, covered. Runs
    the replications in batches of about `batch_grades` grades."""
    metrics = list(metrics or SIMULATED[kind].metrics)
    per_rep = design.prompts * design.items_per_prompt * design.raters_per_item
    batch = max(1, batch_grades // per_rep)
    parts = []
    for start in range(0, replications, batch):
        reps = range(start, min(start + batch, replications))
        sim = simulate(kind, design, target, reps, seed)
        rows = engine_rows(
            kind, sim.grades, metrics, rater_bootstrap=rater_bootstrap, resamples=resamples,
            seed=seed,  # the engine draws per row from (seed, row key): batches do not matter
        )  # fmt: skip
        rows["truth"] = rows["metric"].map(sim.truth)
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    out["covered"] = (out["low"] <= out["truth"]) & (out["truth"] <= out["high"])
    return out[["metric", "model", "estimate", "low", "high", "p_value", "n", "truth", "covered"]]


def coverage_grid(
    cells: Sequence[tuple[Kind, Design, float]],
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    rater_bootstrap: bool = False,
    resamples: int = 2000,
) -> pd.DataFrame:
    """`coverage_rows` of every cell (kind, design, target), in `workers` processes, with the
    cell's kind, pool, prompts, items, raters and target as columns."""
    jobs = [
        (kind, design, target, replications, seed + index)
        for index, (kind, design, target) in enumerate(cells)
    ]
    options: dict[str, Any] = {"rater_bootstrap": rater_bootstrap, "resamples": resamples}
    if rater_bootstrap:
        options["batch_grades"] = 20_000  # the engine masks the batch's grades per row
    if workers <= 1:
        results = [coverage_rows(*job, **options) for job in jobs]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(coverage_rows, *job, **options) for job in jobs]
            results = [future.result() for future in futures]
    parts = []
    for (kind, design, target), rows in zip(cells, results, strict=True):
        parts.append(
            rows.assign(
                kind=kind, pool=design.pool, prompts=design.prompts,
                items=design.items_per_prompt, raters=design.raters_per_item, target=target,
            )
        )  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def paired_differences(
    sim: Simulation,
    *,
    paired: bool = True,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per replication of `simulate_paired`: candidate − baseline violation rate by
    `evalkit.stats.estimate.paired_difference` on the engine's item values (what a
    non-inferiority gate computes). `paired=False` gives the baseline other prompt ids, so
    the two sides are compared as independent samples (what pairing is worth)."""
    from evalkit.kinds.base import get_kind
    from evalkit.stats.bootstrap import group_rng
    from evalkit.stats.engine import item_values
    from evalkit.stats.estimate import paired_difference

    values = get_kind("safety").grade_values(sim.grades, None)
    items = item_values(values[values["metric"] == "violation_rate"], ())
    by_model = {model: part for model, part in items.groupby("model", sort=False)}
    rows = []
    for rep in sim.replications:
        label = replication_label(rep)
        mine = by_model[f"{label}:candidate"][["prompt_id", "value"]]
        theirs = by_model[f"{label}:baseline"][["prompt_id", "value"]]
        if not paired:
            theirs = theirs.assign(prompt_id=theirs["prompt_id"] + ":other")
        diff = paired_difference(
            mine, theirs, resamples=resamples, seed=group_rng(seed, ("paired", rep))
        )
        rows.append(
            {
                "replication": rep,
                "estimate": diff.estimate,
                "low": diff.low,
                "high": diff.high,
                "shared": diff.n_shared,
            }
        )
    return pd.DataFrame(rows)
