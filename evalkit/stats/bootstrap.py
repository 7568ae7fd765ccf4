"""The cluster bootstrap, fast: unique outcomes with weights, multinomial counts.

Resampling prompts with replacement only changes how many times each prompt is counted, and
prompts with the same outcome are interchangeable. So instead of building B resampled frames
(the naive loop), we reduce the prompts to their K distinct outcome vectors with counts, draw
B multinomial count vectors over those K types in one call, and get every resampled statistic
from one matrix product — the way Chatbot Arena's notebook bootstraps its battles. With one
outcome per prompt K is 3 (win, tie, loss), so the cost no longer grows with the number of
prompts at all.
"""

from __future__ import annotations

import zlib

import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20240601


def rng_for(seed: int | np.random.Generator | None) -> np.random.Generator:
    """An explicit generator: a seed (None means evalkit's fixed default, never the clock)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(DEFAULT_SEED if seed is None else seed)


def group_rng(seed: int | np.random.Generator | None, key: object) -> np.random.Generator:
    """A generator for one group of a table, from the seed and the group's key.

    So a comparison's interval is the same whatever else is in the table (a gate and the report
    computing the same comparison agree to the last digit).
    """
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**32))
    base = DEFAULT_SEED if seed is None else seed
    return np.random.default_rng([base, zlib.crc32(repr(key).encode())])


def multinomial_counts(
    cluster_values: np.ndarray, resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(types K×d, counts B×K): B bootstrap resamples of the clusters (rows) of `cluster_values`.

    Row i of `cluster_values` holds cluster i's sums (e.g. wins, ties, losses, items). The
    resampled total of column j in draw b is `counts[b] @ types[:, j]`.
    """
    values = np.asarray(cluster_values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    n = values.shape[0]
    types, weights = np.unique(values, axis=0, return_counts=True)
    counts = rng.multinomial(n, weights / n, size=resamples)
    return types, counts


def resampled_sums(
    cluster_values: np.ndarray, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """B×d: the column sums of `cluster_values` in each of B cluster-bootstrap resamples."""
    types, counts = multinomial_counts(cluster_values, resamples, rng)
    return counts @ types


def percentile_interval(
    draws: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of bootstrap draws along axis 0."""
    alpha = (1 - confidence) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha], axis=0)
    return low, high
