"""Rubrics as data: `rubrics/*.yaml`, read by the app, the judge, Label Studio and the statistics.

A rubric change needs no code change. Each file has a `version`; the loader validates the
shape and names the file, line and key of any mistake.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from pydantic import Field, ValidationError, model_validator

from evalkit.errors import UserError
from evalkit.records import Rating, Record
from evalkit.yamlio import (
    YamlSyntaxError,
    coercion_problems,
    read_yaml,
    validation_problems,
    yaml_where,
)

RATINGS: tuple[Rating, ...] = ("good", "neutral", "poor")
SUMMARY_DIMENSIONS = (
    "composition",
    "comprehensiveness",
    "groundedness",
    "following_instructions",
    "harmfulness",
)
SAFETY_AREAS = ("harmful_content", "sensitive_topics", "factuality")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


class ScaleOption(Record):
    value: int = Field(ge=-2, le=2)  # −2 = A much better … +2 = B much better
    label: str
    description: str = ""


class RubricHeader(Record):
    """What every rubric file starts with; each rubric narrows `kind` to its own name."""

    kind: str
    version: int | str
    title: str
    instructions: str


class SideBySideRubric(RubricHeader):
    kind: Literal["side_by_side"] = "side_by_side"
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
    ratings: dict[Rating, RatingLevel]

    @model_validator(mode="after")
    def _all_ratings(self) -> Dimension:
        missing = [r for r in RATINGS if r not in self.ratings]
        if missing:
            raise ValueError(f"dimension {self.id!r} lacks ratings {missing}")
        return self


class SummarizationRubric(RubricHeader):
    kind: Literal["summarization"] = "summarization"
    dimensions: list[Dimension] = Field(min_length=1)
    # the classification rule, as data: good when every dimension is good, poor when any is poor
    rule: dict[Literal["good", "poor", "neutral"], str]

    def classify(self, ratings: dict[str, str]) -> str:
        """good / neutral / poor for one summary from its per-dimension ratings."""
        missing = [d.id for d in self.dimensions if d.id not in ratings]
        if missing:
            raise UserError(f"summary ratings lack dimensions {missing}")
        values = [ratings[d.id] for d in self.dimensions]
        bad = [v for v in values if v not in RATINGS]
        if bad:
            raise UserError(f"summary ratings must be one of {list(RATINGS)}, got {bad}")
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


class SafetyRubric(RubricHeader):
    kind: Literal["safety"] = "safety"
    areas: list[SafetyArea] = Field(min_length=1)
    over_refusal: str  # the definition of a needless refusal of a benign request

    def area(self, area_id: str) -> SafetyArea:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise UserError(
            f"unknown safety area {area_id!r} (rubric has {[a.id for a in self.areas]})"
        )

    def categories(self) -> list[str]:
        """Every `area/subcategory` id a rater may choose for a violation."""
        return [f"{a.id}/{s.id}" for a in self.areas for s in a.subcategories]


Rubric = SideBySideRubric | SummarizationRubric | SafetyRubric
R = TypeVar("R", bound=RubricHeader)


def rubric_types() -> dict[str, type[RubricHeader]]:
    """Rubric name -> its type, for every registered grading kind (a project's kinds too)."""
    from evalkit.kinds.base import all_kinds

    return {kind.rubric_name: kind.rubric_type for kind in all_kinds()}


@overload
def load_rubric(
    name: Literal["side_by_side"], rubrics_dir: str | os.PathLike[str] | None = None
) -> SideBySideRubric: ...
@overload
def load_rubric(
    name: Literal["summarization"], rubrics_dir: str | os.PathLike[str] | None = None
) -> SummarizationRubric: ...
@overload
def load_rubric(
    name: Literal["safety"], rubrics_dir: str | os.PathLike[str] | None = None
) -> SafetyRubric: ...
@overload
def load_rubric(name: str, rubrics_dir: str | os.PathLike[str] | None = None) -> Any: ...
def load_rubric(name: str, rubrics_dir: str | os.PathLike[str] | None = None) -> Any:
    """Load `rubrics/<name>.yaml` (side_by_side, summarization, safety or a project kind's)."""
    from evalkit.kinds.base import all_kinds

    kinds = {kind.rubric_name: kind for kind in all_kinds()}
    if name not in kinds:
        raise UserError(f"unknown rubric {name!r} (known: {', '.join(kinds)})")
    return kinds[name].load_rubric(rubrics_dir)


@overload
def load_rubric_file(path: Path, rubric_type: type[R]) -> R: ...
@overload
def load_rubric_file(path: Path, rubric_type: None = None) -> RubricHeader: ...
def load_rubric_file(path: Path, rubric_type: type[RubricHeader] | None = None) -> RubricHeader:
    """Load and validate one rubric file; the first mistake raises `path:line: key: problem`."""
    rubric, problems = _parse_rubric(Path(path), rubric_type)
    if problems:
        raise UserError(problems[0])
    assert rubric is not None
    return rubric


def rubric_problems(
    path: str | os.PathLike[str], rubric_type: type[RubricHeader] | None = None
) -> list[str]:
    """Every mistake of a rubric file as `path:line: key: problem` (empty when it is valid).

    Beyond the shape, the rubric's grading kind checks what its app pages and statistics rely
    on (`GradingKind.rubric_problems`: unique snake_case ids, side-by-side guidance only for
    known bank categories, the safety areas the statistics group by...).
    """
    from evalkit.kinds.base import kind_of_rubric

    path = Path(path)
    rubric, problems = _parse_rubric(path, rubric_type, all_errors=True)
    if rubric is None:
        return problems
    text = path.read_text(encoding="utf-8")
    content = kind_of_rubric(rubric.kind).rubric_problems(rubric)
    return [f"{yaml_where(path, text, loc)}: {msg}" for loc, msg in content]


def _parse_rubric(
    path: Path, rubric_type: type[RubricHeader] | None, all_errors: bool = False
) -> tuple[RubricHeader | None, list[str]]:
    try:
        text, raw = read_yaml(path, "rubric")
    except YamlSyntaxError as exc:
        return None, [str(exc)]
    if not isinstance(raw, dict):
        return None, [f"{path}: expected a mapping"]
    if rubric_type is None:
        # the `kind` key names the rubric; a file without one is known by its name
        kind = raw.get("kind", path.stem)
        types = rubric_types()
        if kind not in types:
            where = yaml_where(path, text, ["kind"])
            return None, [f"{where}: kind: must be one of {', '.join(types)}"]
        rubric_type = types[kind]
    try:
        rubric = rubric_type.model_validate(raw)
    except ValidationError as exc:
        return None, validation_problems(
            path, text, exc, all_errors=all_errors, root="rubric", missing="required key is missing"
        )
    coerced = [
        f"{yaml_where(path, text, loc)}: {'.'.join(map(str, loc))}: {message}"
        for loc, message in coercion_problems(raw, rubric)
    ]
    return (None, coerced) if coerced else (rubric, [])
