"""The project config (`evalkit.yaml`): models, suites, judge, output folders.

Loaded with yaml.safe_load and validated; an unknown key is an error that names the key and
its line, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from evalkit.errors import UserError
from evalkit.jsonio import describe_validation_error
from evalkit.records import ModelSpec, Record


class SuiteSpec(Record):
    """A suite: JSONL prompt files or folders (relative to the config), or a data file for
    suites that load a public set (relative to the data folder)."""

    prompts: list[str] = Field(default_factory=list)
    data: str | None = None
    models: list[str] | None = None
    limit: int | None = Field(None, ge=1)


class OutputSpec(Record):
    runs: str = "runs"
    reports: str = "reports"


class ProjectConfig(Record):
    project: str = "evalkit"
    models: list[ModelSpec] = Field(min_length=1)
    suites: dict[str, SuiteSpec] = Field(default_factory=dict)
    judge: str | None = None
    rubrics: str = "rubrics"
    data_dir: str | None = None
    output: OutputSpec = Field(default_factory=OutputSpec)
    # the folder the config was read from; relative paths resolve against it
    root: str = "."

    @model_validator(mode="after")
    def _names_unique_and_judge_known(self) -> ProjectConfig:
        seen: set[str] = set()
        for spec in self.models:
            if spec.name in seen:
                raise ValueError(f"model name {spec.name!r} is used twice")
            seen.add(spec.name)
        if self.judge is not None and self.judge not in seen:
            raise ValueError(f"judge {self.judge!r} is not a configured model")
        for suite_name, suite in self.suites.items():
            for model_name in suite.models or []:
                if model_name not in seen:
                    raise ValueError(f"suite {suite_name!r} names unknown model {model_name!r}")
        return self

    def model(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        known = ", ".join(spec.name for spec in self.models)
        raise UserError(f"unknown model {name!r} (configured: {known})")

    def select_models(self, names: str | list[str] | None) -> list[ModelSpec]:
        """The models named (comma-separated or a list), or all of them."""
        if not names:
            return list(self.models)
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",") if name.strip()]
        return [self.model(name) for name in names]

    def resolve(self, path: str) -> Path:
        candidate = Path(path)
        return candidate if candidate.is_absolute() else Path(self.root) / candidate


def load_config(path: str | os.PathLike[str]) -> ProjectConfig:
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserError(f"{where}: not valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping with at least a `models` key")
    raw.setdefault("root", str(path.parent.resolve()))
    try:
        return ProjectConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field, message = describe_validation_error(exc)
        if first["type"] == "extra_forbidden":
            message = f"unknown key {str(first['loc'][-1])!r}"
        line = yaml_line(text, list(first["loc"]))
        where = f"{path}:{line}" if line else str(path)
        raise UserError(f"{where}: {field}: {message}") from None


def yaml_line(text: str, loc: list[Any]) -> int | None:
    """The 1-based line of the deepest node of `loc` found in the YAML text (best effort)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
