"""Prediction-powered inference (PPI): a human-scale rate from many judge grades and a few
human ones.

When the judge grades every item and people grade a subset, the judge's rate on everything is
precise but biased (the judge is not a person), and the people's rate on the subset is unbiased
but wide. PPI (Angelopoulos et al., 2023; PPI++ power tuning, `ppi_py.ppi_mean_ci`) takes the
judge's mean on the judge-only units and corrects it by the mean human − judge gap on the
units both graded: unbiased for the human-scale rate whatever the judge's bias, and narrower
than the human-only interval when the judge tracks the people (power tuning makes a useless
judge cost close to nothing).

- **Units are prompts.** PPI's interval assumes independent units, and items of one prompt
  move together. So each prompt becomes one unit: `human` = the mean of its items' human
  values, `auto` = the mean of its items' automatic values (item values are already means over
  raters, `evalkit.stats.engine.item_values`). A prompt is *labeled* when it has both, and
  *unlabeled* when it has only automatic values; a prompt people graded but the judge did not
  is left out (it cannot enter the correction). Prompts count equally: with one item per
  prompt per (model, baseline), the usual design, this is the engine's estimand exactly.
- **Assumption:** the human-graded prompts are a random sample of the prompts the judge
  graded. PPI corrects the judge's bias; it cannot correct a biased choice of what people
  graded (e.g. humans only on the hard prompts).
- **Too few labeled prompts** (fewer than `MIN_LABELED`): a note instead of a row; the
  rectifier's variance would be a guess. Also a note when no prompt is judge-only (nothing to
  add), when the judge gives one value throughout, or when the interval would have width 0.

Rows are in the long-table shape (`evalkit.stats.table.COLUMNS`, graders "ppi") with extra
columns: the human-only interval on the labeled items (`clustered_rate`), the judge-only rate
on every judged prompt, and `narrowing` = 1 − width_ppi / width_human.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evalkit.stats.engine import KEY, _holm, item_values
from evalkit.stats.estimate import Estimate, clustered_rate
from evalkit.stats.table import COLUMNS, REGISTRY, group_key

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames

NAN = float("nan")
GRADERS = "ppi"
MIN_LABELED = 10  # labeled prompts below which PPI gives a note instead of a row
EXTRA = [
    "n_labeled",  # prompts with human and automatic values
    "n_unlabeled",  # prompts with automatic values only
    "human_estimate", "human_low", "human_high",  # human-only, labeled items (clustered)
    "judge_estimate", "judge_low", "judge_high",  # judge-only, every judged prompt (clustered)
    "narrowing",  # 1 − width_ppi / width_human: the share of the human interval PPI saves
]  # fmt: skip
PPI_COLUMNS = [*COLUMNS, *EXTRA]
METHOD = (
    "prediction-powered inference (ppi_py), one unit per prompt, human-graded prompts assumed "
    "a random sample; human-only interval {human}"
)


@dataclass(frozen=True)
class PPIEstimate:
    """The PPI rate with its interval, and the human-only and judge-only rates beside it."""

    estimate: float
    low: float
    high: float
    p_value: float
    n_labeled: int
    n_unlabeled: int
    n_items: int
    k: float  # the sum of the labeled prompts' human values
    human: Estimate
    judge: Estimate

    @property
    def narrowing(self) -> float:
        """1 − width_ppi / width_human (positive: PPI is narrower)."""
        width = self.human.high - self.human.low
        if not width > 0:
            return NAN
        return 1 - (self.high - self.low) / width


def prompt_units(items: pd.DataFrame) -> pd.DataFrame:
    """One row per prompt (index prompt_id): `human` and `auto`, the mean item value by each
    kind of grader (NaN where the prompt has none)."""
    means = items.groupby(["prompt_id", "graders"], sort=True)["value"].mean()
    return means.unstack("graders").reindex(columns=["human", "auto"]).astype(float)


def ppi_estimate(
    items: pd.DataFrame, *, confidence: float = 0.95, null: float | None = None
) -> PPIEstimate | str:
    """PPI on the item values of one row (columns prompt_id, item_id, graders, value and
    optionally grades), or a note saying why there is no row."""
    from ppi_py import ppi_mean_ci, ppi_mean_pointestimate, ppi_mean_pval

    items = items[items["graders"].isin(["human", "auto"]) & items["value"].notna()]
    units = prompt_units(items)
    both = units["human"].notna() & units["auto"].notna()
    judge_only = units["human"].isna() & units["auto"].notna()
    labeled, unlabeled = units[both], units[judge_only]
    if len(labeled) < MIN_LABELED:
        return (
            f"{len(labeled)} prompt(s) graded by both people and the judge: fewer than "
            f"{MIN_LABELED}, too few for prediction-powered inference (read the human rows)"
        )
    if len(unlabeled) < 2:
        return (
            f"{len(unlabeled)} prompt(s) graded by the judge alone: PPI adds nothing to the "
            "human rows"
        )
    y = labeled["human"].to_numpy()
    y_hat = labeled["auto"].to_numpy()
    y_hat_unlabeled = unlabeled["auto"].to_numpy()
    if np.ptp(np.concatenate([y_hat, y_hat_unlabeled])) == 0:
        return "the judge gives every prompt the same value: nothing to learn from it"
    alpha = 1 - confidence
    low, high = (float(np.ravel(b)[0]) for b in ppi_mean_ci(y, y_hat, y_hat_unlabeled, alpha))
    point = float(np.ravel(ppi_mean_pointestimate(y, y_hat, y_hat_unlabeled))[0])
    p_value = NAN
    if null is not None:
        p_value = float(np.ravel(ppi_mean_pval(y, y_hat, y_hat_unlabeled, null=null))[0])
    if not high - low > 0:  # Y − λŶ and λŶ constant: a normal interval of width 0 (like Wald)
        return (
            "the people's values do not vary on the labeled prompts and the judge does not "
            "track them: PPI's normal interval is degenerate (read the human rows)"
        )
    judged = units.index[both | judge_only]
    human_items = items[(items["graders"] == "human") & items["prompt_id"].isin(labeled.index)]
    auto_items = items[(items["graders"] == "auto") & items["prompt_id"].isin(judged)]
    human = _rate(human_items, confidence)
    judge = _rate(auto_items, confidence)
    used = pd.concat([human_items["item_id"], auto_items["item_id"]]).nunique()
    return PPIEstimate(
        estimate=min(1.0, max(0.0, point)),
        low=max(0.0, low),
        high=min(1.0, high),
        p_value=p_value,
        n_labeled=len(labeled),
        n_unlabeled=len(unlabeled),
        n_items=int(used),
        k=float(y.sum()),
        human=human,
        judge=judge,
    )


def _rate(items: pd.DataFrame, confidence: float) -> Estimate:
    grades = items["grades"].sum() if "grades" in items.columns else None
    return clustered_rate(
        items["value"].to_numpy(dtype=float),
        items["prompt_id"].to_numpy(),
        confidence=confidence,
        observations=float(grades) if grades else None,
    )


def ppi_rows(frames: RunFrames, *, confidence: float = 0.95) -> pd.DataFrame:
    """PPI rows of every kind's metrics that have human and automatic grades, per (model,
    baseline, group "all" and each group value); `PPI_COLUMNS`. The notes (rows that could not
    be made, and why) are in `.attrs["notes"]`."""
    from evalkit.kinds.base import all_kinds

    parts, notes = [], []
    for kind in all_kinds():
        values = kind.grade_values(frames.kind(kind.name), frames)
        if values.empty:
            continue
        items = item_values(values, kind.groups)
        table, kind_notes = kind_ppi_rows(items, kind.groups, confidence=confidence)
        parts.append(table)
        notes += kind_notes
    parts = [p for p in parts if not p.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PPI_COLUMNS)
    table.attrs["notes"] = notes
    return table


def kind_ppi_rows(
    items: pd.DataFrame, groups: Sequence[str], *, confidence: float = 0.95
) -> tuple[pd.DataFrame, list[str]]:
    """(rows, notes) from one kind's item values (`item_values`): a row per (metric, model,
    baseline, group) whose items have both human and automatic values."""
    rows: list[dict] = []
    notes: list[str] = []
    items = items[items["graders"].isin(["human", "auto"])]
    key = [k for k in KEY if k != "graders"]
    for dimension in (None, *groups):
        by = key if dimension is None else [*key, dimension]
        for values, part in items.groupby(by, sort=True, observed=True, dropna=False):
            name, model, baseline = values[:3]
            value = values[3] if dimension is not None else None
            if dimension is not None and (value is None or pd.isna(value)):
                continue
            if part["graders"].nunique() < 2:  # one kind of grader: nothing to combine
                continue
            metric = REGISTRY[name]
            group = group_key(dimension, value)
            result = ppi_estimate(part, confidence=confidence, null=metric.null)
            if isinstance(result, str):
                vs = f" vs {baseline}" if baseline else ""
                notes.append(f"{name} {model}{vs} [{group}]: {result}")
                continue
            rows.append(_row(name, model, baseline, group, result, metric.scale == "net"))
    table = pd.DataFrame(rows, columns=PPI_COLUMNS)
    if table.empty:
        return table, notes
    return _holm(table), notes


def _row(name: str, model: str, baseline: str, group: str, result: PPIEstimate, net: bool) -> dict:
    def scaled(value: float) -> float:  # a net metric is stored as a preference, shown 2p − 1
        return 2 * value - 1 if net else value

    return {
        "metric": name,
        "model": model,
        "baseline": baseline or "",
        "group": group,
        "graders": GRADERS,
        "estimate": scaled(result.estimate),
        "low": scaled(result.low),
        "high": scaled(result.high),
        "k": result.k,
        "n": result.n_labeled + result.n_unlabeled,
        "n_items": result.n_items,
        "unit": "prompts",
        "method": METHOD.format(human=result.human.method),
        "p_value": result.p_value,
        "p_adjusted": NAN,
        "n_labeled": result.n_labeled,
        "n_unlabeled": result.n_unlabeled,
        "human_estimate": scaled(result.human.estimate),
        "human_low": scaled(result.human.low),
        "human_high": scaled(result.human.high),
        "judge_estimate": scaled(result.judge.estimate),
        "judge_low": scaled(result.judge.low),
        "judge_high": scaled(result.judge.high),
        "narrowing": result.narrowing,
    }
