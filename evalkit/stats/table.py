"""One table shape for every statistic, and the registry of metrics that gates, the report and
the CLI read (as lm-eval's `metric_list` names what a task reports).

Every statistic is a long table, one row per (metric, model, baseline, group, graders):

| column | meaning |
|---|---|
| metric | a registered metric name (`sxs_win_rate`, `violation_rate`, `ifeval_prompt_strict`...) |
| model | the model measured (the candidate of a comparison) |
| baseline | the model it is compared with, "" when the metric is not a comparison |
| group | "all", or `<dimension>=<value>` (`category=coding`, `area=factuality`) |
| graders | human, auto or any (pooled), or `program` for what a program measures |
| estimate, low, high | the point estimate and its 95% interval |
| k | the sum of item values (successes; fractional when raters split) |
| n | the number of independent units (`unit`: prompts) |
| n_items | the items those units hold |
| unit | what n counts |
| method | how the interval was computed |
| p_value | against the metric's null, when it has one (e.g. a preference of 0.5) |
| p_adjusted | Holm-adjusted across the rows of the same metric and graders |

A gate names a metric, a model, a baseline, a filter and graders; it finds its row here. The
report and `evalkit stats` print the same rows, so the three never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from evalkit.errors import UserError

COLUMNS = [
    "metric", "model", "baseline", "group", "graders", "estimate", "low", "high",
    "k", "n", "n_items", "unit", "method", "p_value", "p_adjusted",
]  # fmt: skip
ALL = "all"
Scale = Literal["rate", "net", "value"]


@dataclass(frozen=True)
class Metric:
    """A metric a kind (or a program-measured family) reports."""

    name: str
    family: str  # the grading kind's name, or "ifeval" / "latency"
    scale: Scale  # rate in [0, 1]; net in [-1, 1]; value: unbounded (seconds, tokens/s)
    higher_is_better: bool | None  # None: a gate must say which direction it wants
    description: str
    groups: tuple[str, ...] = ()  # the dimensions a gate may filter on
    comparison: bool = False  # measured against a baseline model (side by side)
    graded: bool = True  # by raters or a judge (False: measured by a program)
    null: float | None = None  # the value a test is against (a preference of 0.5)
    headline: bool = True  # False for secondary views (majority rules)
    # how an item's grades become its value: their mean (the headline rule, the same estimand
    # for any number of raters), or a majority view: mean > 0, or mean >= 0.5
    item_rule: Literal["mean", "mean_positive", "at_least_half"] = "mean"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def unit_label(self) -> str:
        return {"rate": "%", "net": "pts", "value": ""}[self.scale]


REGISTRY: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Add a metric to the registry. A second registration of the same name must come from the
    same family (which may refine it, as lm-eval metrics are once their scores are read)."""
    existing = REGISTRY.get(metric.name)
    if existing is not None and existing.family != metric.family:
        raise ValueError(f"metric {metric.name!r} is already registered by {existing.family}")
    REGISTRY[metric.name] = metric
    return metric


def metric(name: str) -> Metric:
    _load_families()
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UserError(f"unknown metric {name!r} (known: {known})") from None


def metrics() -> dict[str, Metric]:
    """Every registered metric, by name (kinds and program-measured families loaded)."""
    _load_families()
    return dict(REGISTRY)


def _load_families() -> None:
    import evalkit.stats.measured  # noqa: F401  (IFEval, latency)
    from evalkit.kinds.base import all_kinds

    all_kinds()  # registers every kind's metrics, a project's kinds too


def group_key(dimension: str | None, value: object | None) -> str:
    return ALL if dimension is None else f"{dimension}={value}"


def parse_group(group: str) -> tuple[str | None, str | None]:
    if group == ALL:
        return None, None
    dimension, _, value = group.partition("=")
    return dimension, value


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def frame(rows: Iterable[dict]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=COLUMNS)
    return out


def select(
    table: pd.DataFrame,
    metric: str,
    model: str | None = None,
    baseline: str | None = None,
    group: str = ALL,
    graders: str | None = None,
) -> pd.DataFrame:
    """The rows of one metric (for a model, baseline, group and graders where given)."""
    rows = table[(table["metric"] == metric) & (table["group"] == group)]
    if model is not None:
        rows = rows[rows["model"] == model]
    if baseline is not None:
        rows = rows[rows["baseline"] == (baseline or "")]
    if graders is not None:
        rows = rows[rows["graders"] == graders]
    return rows


def format_value(value: float, scale: Scale) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if scale == "rate":
        return f"{100 * value:.1f}%"
    if scale == "net":
        return f"{100 * value:+.1f} pts"
    return f"{value:.3g}"


def format_row(row: pd.Series | dict) -> str:
    """'41.2% [35.1, 47.5] n=250 prompts' — how a person should read a row."""
    scale = metric(str(row["metric"])).scale
    if not row["n"]:
        return "n/a (n=0)"
    low, high = row["low"], row["high"]
    if scale == "rate":
        bounds = ", ".join("n/a" if math.isnan(v) else f"{100 * v:.1f}" for v in (low, high))
    elif scale == "net":
        bounds = ", ".join("n/a" if math.isnan(v) else f"{100 * v:+.1f}" for v in (low, high))
    else:
        bounds = ", ".join("n/a" if math.isnan(v) else f"{v:.3g}" for v in (low, high))
    unit = str(row["unit"]).removesuffix("s") if int(row["n"]) == 1 else row["unit"]
    return f"{format_value(row['estimate'], scale)} [{bounds}] n={int(row['n'])} {unit}"
