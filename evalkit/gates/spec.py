"""A gates file: release gates as data (`evalkit gate --gates GATES.yaml RUN_DIR...`).

A gate names a metric of the registry (`evalkit.stats.table`), the model (and, for a comparison
metric, the baseline), an optional filter on one of the metric's group dimensions (category,
use case, area...), and a rule: a threshold that an interval bound must meet, or a
non-inferiority margin against a reference (a previous release's run and/or another model).
A gate decides on the 95% interval, never the point estimate; `min_n` counts prompts (the
independent unit), and a gate with fewer fails and says so.

Which grades a gate reads (`graders`): unset, humans' grades, falling back to automatic grades
only when there is no human grade at all for the gate (the verdict says so); `human` / `auto`:
only those; `any`: both pooled; `ppi`: the prediction-powered estimate from judge grades
corrected by a random subset of human grades. Program-measured metrics (IFEval, latency) take
no `graders`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from evalkit.stats.table import REGISTRY, Metric, group_key, metrics
from evalkit.yamlio import load_yaml_model

Direction = Literal["at_least", "at_most"]
Bound = Literal["lower", "upper", "point"]
Graders = Literal["human", "auto", "any", "ppi"]
DEFAULT_MIN_N = 30


class Gate(BaseModel):
    """One release gate. Rates and margins are fractions (0.02 = 2 points)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    metric: str
    model: str = Field(min_length=1)
    baseline: str | None = None
    filter: dict[str, str] = Field(default_factory=dict)
    threshold: float | None = None
    direction: Direction | None = None
    bound: Bound | None = None
    min_n: int = Field(DEFAULT_MIN_N, ge=1)
    graders: Graders | None = None
    baseline_run: str | None = None
    reference_model: str | None = None
    margin: float | None = Field(default=None, ge=0)
    description: str | None = None

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        known = metrics()
        if value.startswith("lmeval:") and value.count(":") >= 2:
            from evalkit.stats.table import Metric, register_metric

            # an lm-eval task's metric: known once its scores are read; a rate until then
            if value not in known:
                register_metric(
                    Metric(value, "lmeval", "rate", True, f"lm-eval {value[7:]}", graded=False)
                )
            return value
        if value not in known:
            raise ValueError(f"unknown metric {value!r} (known: {', '.join(sorted(known))})")
        return value

    @field_validator("threshold", "margin", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            raise ValueError(f"expected a number, got {value!r}")
        if value is not None and not math.isfinite(float(value)):
            raise ValueError(f"expected a finite number, got {value!r}")
        return value

    @property
    def info(self) -> Metric:
        return REGISTRY[self.metric]

    @property
    def group(self) -> str:
        if not self.filter:
            return group_key(None, None)
        ((dimension, value),) = self.filter.items()
        return group_key(dimension, value)

    @model_validator(mode="after")
    def _consistent(self) -> Gate:
        info = self.info
        if info.comparison and not self.baseline:
            raise ValueError(f"metric {self.metric} needs `baseline` (the model compared against)")
        if not info.comparison and self.baseline:
            raise ValueError(
                "`baseline` is only for comparison metrics; compare against another model "
                "with `reference_model` and `margin`"
            )
        bad = [k for k in self.filter if k not in info.groups]
        if bad:
            allowed = ", ".join(info.groups) or "no filter"
            raise ValueError(f"filter {', '.join(bad)} does not apply to {self.metric} ({allowed})")
        if len(self.filter) > 1:
            raise ValueError("filter: one dimension at a time")
        if (self.threshold is None) == (self.margin is None):
            raise ValueError("give exactly one of `threshold` or `margin` (non-inferiority)")
        if self.margin is not None:
            if info.scale != "rate":
                raise ValueError(f"`margin` applies to rate metrics, not {self.metric}")
            if not (self.baseline_run or self.reference_model):
                raise ValueError("`margin` needs `baseline_run` and/or `reference_model`")
            if self.margin > 1:
                raise ValueError("`margin` is a fraction (0.02 = 2 points)")
            if info.family == "sxs_lc" or self.graders == "ppi":
                raise ValueError(
                    "`margin` needs item-level values: not available for model-based estimates "
                    "(length-controlled, prediction-powered); use a `threshold`"
                )
        elif self.baseline_run or self.reference_model:
            raise ValueError("`baseline_run` / `reference_model` need a `margin`")
        if self.threshold is not None:
            low, high = {"rate": (0.0, 1.0), "net": (-1.0, 1.0)}.get(
                info.scale, (-math.inf, math.inf)
            )
            if not low <= self.threshold <= high:
                raise ValueError(
                    f"threshold {self.threshold} is outside [{low}, {high}] for {self.metric} "
                    "(rates are fractions: 0.5 = 50%)"
                )
        if self.direction is None:
            if info.higher_is_better is None:
                raise ValueError(f"metric {self.metric} needs `direction` (at_least or at_most)")
            self.direction = "at_least" if info.higher_is_better else "at_most"
        if self.bound is None:
            self.bound = "lower" if self.direction == "at_least" else "upper"
        if self.graders is not None and not info.graded:
            raise ValueError(f"`graders` does not apply to {self.metric} (measured by program)")
        return self

    def target(self) -> str:
        return f"{self.model} vs {self.baseline}" if self.baseline else self.model

    def filter_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.filter.items()) or "all"


class GatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    seed: int = DEFAULT_SEED
    resamples: int = Field(DEFAULT_RESAMPLES, ge=100)
    gates: list[Gate] = Field(min_length=1)
    path: str = ""  # where it was read from (set by the loader)

    @model_validator(mode="after")
    def _unique_names(self) -> GatesFile:
        seen: set[str] = set()
        for gate in self.gates:
            if gate.name in seen:
                raise ValueError(f"gate name {gate.name!r} is used twice")
            seen.add(gate.name)
        return self


def load_gates(path: str | os.PathLike[str]) -> GatesFile:
    """Read and validate a gates file; a mistake is a UserError `path:line: key: problem`."""
    gates = load_yaml_model(
        path, GatesFile, what="gates", expect="a mapping with a `gates:` list",
        required_key="gates",
    )  # fmt: skip
    gates.path = str(Path(path))
    return gates
