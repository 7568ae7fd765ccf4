"""lm-eval scores as statistics: long-table rows, registered metrics and per-item values.

`lmeval_rows(run_dir or frames)` gives long-table rows (graders "program") named
`lmeval:<task>:<metric>[:<filter>]`, registered with `evalkit.stats.table.register_metric`
(family "lmeval"): a 0/1 metric is a rate with the prompt-clustered Wilson interval
(`clustered_rate`); any other metric averaged by lm-eval is a value with a percentile bootstrap
over prompts; a corpus-level aggregation (bleu, chrf, ter, f1...) is lm-eval's own aggregation,
with a `cluster_bootstrap` interval. With one sample per prompt the estimate is lm-eval's number.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.records import Score
from evalkit.suites.lmeval.tasks import FAMILY, NO_FILTER, SUITE_PREFIX, quiet_lm_eval

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames
    from evalkit.stats.table import Metric, Scale


def _score_paths(source: Any) -> list[Path]:
    """scores.jsonl of a run folder, of RunFrames' run folders, or of a list of either."""
    if isinstance(source, str | os.PathLike):
        return [Path(source) / "scores.jsonl"]
    if hasattr(source, "run_dirs"):
        return [Path(d) / "scores.jsonl" for d in source.run_dirs]
    if isinstance(source, Sequence):
        return [path for part in source for path in _score_paths(part)]
    raise TypeError(f"expected a run folder, RunFrames or a list of them, got {type(source)}")


def lmeval_scores(source: str | os.PathLike[str] | RunFrames | Sequence[Any]) -> pd.DataFrame:
    """Every lmeval score of the runs, one row each (the last record per key): metric (the
    statistics' name), model, prompt_id, sample, value, item, aggregation, higher_is_better,
    task, description."""
    from evalkit.jsonio import read_records

    rows: dict[tuple, dict[str, Any]] = {}
    for path in _score_paths(source):
        if not path.exists():
            continue
        for score in read_records(path, Score, allow_torn_tail=True):
            if not score.scorer.startswith(SUITE_PREFIX):
                continue
            details = score.details
            key = (
                str(path),
                score.prompt_id,
                score.model,
                score.sample,
                score.scorer,
                score.metric,
            )
            rows[key] = {
                "metric": f"{score.scorer}:{score.metric}",
                "model": score.model,
                "prompt_id": score.prompt_id,
                "sample": score.sample,
                "value": score.value,
                "item": details.get("item"),
                "aggregation": details.get("aggregation") or "mean",
                "higher_is_better": details.get("higher_is_better"),
                "task": details.get("task") or score.scorer.removeprefix(SUITE_PREFIX),
                "lm_metric": details.get("metric") or score.metric,
                "filter": details.get("filter") or NO_FILTER,
            }
    columns = [
        "metric", "model", "prompt_id", "sample", "value", "item", "aggregation",
        "higher_is_better", "task", "lm_metric", "filter",
    ]  # fmt: skip
    return pd.DataFrame(list(rows.values()), columns=columns)


def _is_binary(values: pd.Series) -> bool:
    numbers = values.dropna()
    return not numbers.empty and bool(numbers.isin([0.0, 1.0]).all())


def register_lmeval_metrics(
    source: str | os.PathLike[str] | RunFrames | Sequence[Any] | pd.DataFrame,
) -> list[Metric]:
    """Register (evalkit.stats.table) every lmeval metric the runs' scores hold; call it before
    a gate or the report names `lmeval:<task>:<metric>`. Returns the metrics."""
    scores = source if isinstance(source, pd.DataFrame) else lmeval_scores(source)
    return [_register(name, part) for name, part in scores.groupby("metric", sort=True)]


def _register(name: str, part: pd.DataFrame) -> Metric:
    from evalkit.stats.table import REGISTRY, Metric, register_metric

    first = part.iloc[0]
    aggregation = str(first["aggregation"])
    values = pd.to_numeric(part["value"], errors="coerce")
    scale: Scale = "rate" if aggregation == "mean" and _is_binary(values) else "value"
    existing = REGISTRY.get(name)
    if existing is not None and existing.family == FAMILY:
        if existing.scale == scale or (existing.scale == "rate" and _in_unit(values)):
            return existing  # registered by another run: keep it unless the values rule it out
    higher = first["higher_is_better"]
    filter_note = "" if first["filter"] == NO_FILTER else f", {first['filter']} filter"
    metric = Metric(
        name=name,
        family=FAMILY,
        scale=scale,
        higher_is_better=bool(higher) if isinstance(higher, bool | np.bool_) else None,
        description=f"lm-eval {first['task']}: {first['lm_metric']}{filter_note} "
        f"({aggregation} over documents)",
        graded=False,
    )
    if existing is not None and existing != metric:
        REGISTRY[name] = metric  # the values rule out the earlier scale: the data decide
        return metric
    return register_metric(metric)


def _in_unit(values: pd.Series) -> bool:
    numbers = values.dropna()
    return not numbers.empty and bool(((numbers >= 0) & (numbers <= 1)).all())


def lmeval_rows(
    source: str | os.PathLike[str] | RunFrames | Sequence[Any],
    confidence: float = 0.95,
    resamples: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Long-table rows (evalkit.stats.table.COLUMNS, graders "program") of every lm-eval metric
    in the runs' scores.jsonl, per model, clustered by prompt; the metrics are registered."""
    from evalkit.stats.bootstrap import DEFAULT_RESAMPLES
    from evalkit.stats.table import COLUMNS

    resamples = resamples or DEFAULT_RESAMPLES
    scores = lmeval_scores(source)
    if scores.empty:
        return pd.DataFrame(columns=COLUMNS)
    metrics = {m.name: m for m in register_lmeval_metrics(scores)}
    rows = []
    for (name, model), part in scores.groupby(["metric", "model"], sort=True):
        row = _metric_row(metrics[str(name)], str(model), part, confidence, resamples, seed)
        if row is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _metric_row(
    metric: Metric,
    model: str,
    part: pd.DataFrame,
    confidence: float,
    resamples: int,
    seed: int | None,
) -> dict[str, Any] | None:
    from evalkit.stats.bootstrap import group_rng, percentile_interval, resampled_sums
    from evalkit.stats.estimate import cluster_bootstrap, clustered_rate
    from evalkit.stats.table import ALL

    aggregation = str(part["aggregation"].iloc[0])
    values = pd.to_numeric(part["value"], errors="coerce")
    rng = group_rng(seed, (metric.name, model))
    base = {
        "metric": metric.name, "model": model, "baseline": "", "group": ALL,
        "graders": "program", "unit": "prompts", "p_value": math.nan, "p_adjusted": math.nan,
    }  # fmt: skip
    if aggregation == "mean" and values.notna().any():
        data = pd.DataFrame({"prompt_id": part["prompt_id"], "value": values}).dropna()
        if metric.scale == "rate":
            e = clustered_rate(data["value"].to_numpy(), data["prompt_id"].to_numpy(),
                               confidence=confidence)  # fmt: skip
            return base | {
                "estimate": e.estimate, "low": e.low, "high": e.high, "k": e.k, "n": e.n,
                "n_items": e.n_items, "method": e.method,
            }  # fmt: skip
        sums = data.groupby("prompt_id", sort=True)["value"].agg(["sum", "size"])
        y, m = sums["sum"].to_numpy(float), sums["size"].to_numpy(float)
        point = float(y.sum() / m.sum())
        low = high = math.nan
        if len(y) >= 2:
            draws = resampled_sums(np.column_stack([y, m]), resamples, rng)
            low, high = (float(v) for v in percentile_interval(draws[:, 0] / draws[:, 1],
                                                               confidence))  # fmt: skip
        return base | {
            "estimate": point, "low": low, "high": high, "k": float(y.sum()), "n": len(y),
            "n_items": int(m.sum()),
            "method": f"percentile bootstrap over prompts ({resamples} resamples)",
        }  # fmt: skip
    function = _aggregation_function(aggregation)
    items = part[part["item"].notna()]
    if function is None or items.empty:
        return None  # an aggregation lm-eval cannot name back: no row (the scores keep items)
    frame = pd.DataFrame({"prompt_id": items["prompt_id"].to_numpy(), "item": items["item"]})

    def statistic(sample: pd.DataFrame) -> float:
        return float(function([_tuple(v) for v in sample["item"]]))

    point, low, high = cluster_bootstrap(
        frame, statistic, confidence=confidence, resamples=resamples, seed=rng
    )
    return base | {
        "estimate": point, "low": low, "high": high, "k": math.nan,
        "n": frame["prompt_id"].nunique(), "n_items": len(frame),
        "method": f"lm-eval {aggregation}; cluster bootstrap over prompts ({resamples} resamples)",
    }  # fmt: skip


def _aggregation_function(name: str) -> Any:
    from lm_eval.api.registry import AGGREGATION_REGISTRY

    with quiet_lm_eval():
        return AGGREGATION_REGISTRY.get(name, None)


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def lmeval_items(
    source: str | os.PathLike[str] | RunFrames | Sequence[Any], metric: str, model: str
) -> pd.DataFrame:
    """(prompt_id, value) per item of one lmeval metric and model, for paired comparisons
    (`evalkit.stats.estimate.paired_difference`), like `measured.measured_items`."""
    scores = lmeval_scores(source)
    part = scores[(scores["metric"] == metric) & (scores["model"] == model)]
    values = pd.to_numeric(part["value"], errors="coerce")
    out = pd.DataFrame({"prompt_id": part["prompt_id"], "value": values}).dropna()
    return out.reset_index(drop=True)
