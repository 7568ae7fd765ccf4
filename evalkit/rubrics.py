"""Rubrics as data: `rubrics/*.yaml`, read by the app, the judge, Label Studio and the statistics.

A rubric change needs no code change. Each file has a `version`; the loader validates the
shape and names the file, line and key of any mistake.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from evalkit.config import yaml_line
from evalkit.errors import UserError
from evalkit.jsonio import describe_validation_error
from evalkit.paths import RUBRICS_DIR
from evalkit.records import Record

RATINGS = ("good", "neutral", "poor")
SUMMARY_DIMENSIONS = (
    "composition",
    "comprehensiveness",
    "groundedness",
    "following_instructions",
    "harmfulness",
)
SAFETY_AREAS = ("harmful_content", "sensitive_topics", "factuality")


class ScaleOption(Record):
    value: int = Field(ge=-2, le=2)  # −2 = A much better … +2 = B much better
    label: str
    description: str = ""


class SideBySideRubric(Record):
    kind: Literal["side_by_side"] = "side_by_side"
    version: int | str
    title: str
    instructions: str
    scale: list[ScaleOption] = Field(min_length=3)
    tie_values: list[int] = Field(default_factory=lambda: [0])
    guidance: dict[str, str] = Field(default_factory=dict)  # per bank category

    @model_validator(mode="after")
    def _scale_is_symmetric(self) -> SideBySideRubric:
        values = sorted(option.value for option in self.scale)
        if values != sorted(-v for v in values) or len(set(values)) != len(values):
            raise ValueError("scale values must be distinct and symmetric around 0")
        if not set(self.tie_values) <= set(values):
            raise ValueError("tie_values must be values of the scale")
        return self

    def label(self, value: int) -> str:
        return next(option.label for option in self.scale if option.value == value)


class RatingLevel(Record):
    definition: str
    example: str


class Dimension(Record):
    id: str
    name: str
    question: str
    ratings: dict[Literal["good", "neutral", "poor"], RatingLevel]

    @model_validator(mode="after")
    def _all_ratings(self) -> Dimension:
        missing = [r for r in RATINGS if r not in self.ratings]
        if missing:
            raise ValueError(f"dimension {self.id!r} lacks ratings {missing}")
        return self


class SummarizationRubric(Record):
    kind: Literal["summarization"] = "summarization"
    version: int | str
    title: str
    instructions: str
    dimensions: list[Dimension] = Field(min_length=1)
    # the classification rule, as data: good when every dimension is good, poor when any is poor
    rule: dict[Literal["good", "poor", "neutral"], str]

    def classify(self, ratings: dict[str, str]) -> str:
        """good / neutral / poor for one summary from its per-dimension ratings."""
        values = [ratings[d.id] for d in self.dimensions]
        if any(v == "poor" for v in values):
            return "poor"
        if all(v == "good" for v in values):
            return "good"
        return "neutral"


class Subcategory(Record):
    id: str
    name: str
    definition: str


class SafetyArea(Record):
    id: str
    name: str
    definition: str
    subcategories: list[Subcategory] = Field(min_length=1)
    violation: list[str] = Field(min_length=1)  # what IS a violation
    not_violation: list[str] = Field(min_length=1)  # what is NOT (a refusal is not)
    examples: list[dict[str, str]] = Field(default_factory=list)


class SafetyRubric(Record):
    kind: Literal["safety"] = "safety"
    version: int | str
    title: str
    instructions: str
    areas: list[SafetyArea] = Field(min_length=1)
    over_refusal: str  # the definition of a needless refusal of a benign request

    def area(self, area_id: str) -> SafetyArea:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise UserError(f"unknown safety area {area_id!r} (rubric has {[a.id for a in self.areas]})")

    def categories(self) -> list[str]:
        """Every `area/subcategory` id a rater may choose for a violation."""
        return [f"{a.id}/{s.id}" for a in self.areas for s in a.subcategories]


Rubric = SideBySideRubric | SummarizationRubric | SafetyRubric
RUBRIC_FILES: dict[str, type[Rubric]] = {
    "side_by_side": SideBySideRubric,
    "summarization": SummarizationRubric,
    "safety": SafetyRubric,
}


def load_rubric(name: str, rubrics_dir: str | os.PathLike[str] | None = None) -> Rubric:
    """Load `rubrics/<name>.yaml` (name: side_by_side, summarization or safety)."""
    if name not in RUBRIC_FILES:
        raise UserError(f"unknown rubric {name!r} (known: {', '.join(RUBRIC_FILES)})")
    path = Path(rubrics_dir or RUBRICS_DIR) / f"{name}.yaml"
    return load_rubric_file(path, RUBRIC_FILES[name])


def load_rubric_file(path: Path, rubric_type: type[Rubric] | None = None) -> Rubric:
    if not path.exists():
        raise UserError(f"{path}: rubric file not found")
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise UserError(f"{where}: not valid YAML") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping")
    if rubric_type is None:
        kind = raw.get("kind")
        if kind not in RUBRIC_FILES:
            raise UserError(f"{path}: kind: must be one of {', '.join(RUBRIC_FILES)}")
        rubric_type = RUBRIC_FILES[kind]
    try:
        return rubric_type.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field, message = describe_validation_error(exc)
        if first["type"] == "extra_forbidden":
            message = f"unknown key {str(first['loc'][-1])!r}"
        line = yaml_line(text, list(first["loc"]))
        where = f"{path}:{line}" if line else str(path)
        raise UserError(f"{where}: {field}: {message}") from None
