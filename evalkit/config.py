"""The project config (`evalkit.yaml`): models, suites, judge, output folders.

Loaded with yaml.safe_load and validated; an unknown key is an error that names the key and
its line, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator

from evalkit.errors import UserError
from evalkit.records import ModelSpec, Record
from evalkit.yamlio import load_yaml_model
from evalkit.yamlio import yaml_line as yaml_line  # re-exported: `evalkit.config.yaml_line`


class SuiteSpec(Record):
    """A suite: JSONL prompt files or folders (relative to the config), or a data file for
    suites that load a public set (relative to the data folder)."""

    prompts: list[str] = Field(default_factory=list)
    data: str | None = None
    models: list[str] | None = None
    limit: int | None = Field(default=None, ge=1)


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
    return load_yaml_model(
        path,
        ProjectConfig,
        what="config",
        expect="a mapping with at least a `models` key",
        defaults={"root": str(path.parent.resolve())},
        # as config errors have always read: pydantic's "Value error, " kept, and the parser's
        # own message for a YAML error that names no problem
        strip_value_error=False,
        problem_fallback=None,
    )
