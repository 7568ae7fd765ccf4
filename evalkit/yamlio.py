"""YAML files validated by pydantic models: the project config, the rubrics, the gates file.

One reader, so that each of them reports a mistake the same way, as `path:line: key: problem`
with the line found in the YAML, and names an unknown key, so a typo never falls back to a
default in silence.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from evalkit.errors import UserError
from evalkit.jsonio import describe_error_details

M = TypeVar("M", bound=BaseModel)


class YamlSyntaxError(UserError):
    """A file that is not valid YAML (`path:line: not valid YAML (problem)`)."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, mark: yaml.Mark) -> None:
        super().__init__(problem=f"duplicate key {key!r}", problem_mark=mark)
        self.key = key


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last one
    in silence, so a second `threshold:` would quietly replace the first). Keys brought in by a
    merge key (`<<: *base`) may still be overridden."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark)
                seen.add(key)
            except TypeError:  # an unhashable key: SafeLoader reports it
                pass
        return super().construct_mapping(node, deep)


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load` that refuses duplicate keys (see `UniqueKeyLoader`)."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader


def read_yaml(
    path: Path, what: str, problem_fallback: str | None = "syntax error"
) -> tuple[str, Any]:
    """(text, parsed data) of a YAML file; `what` names the file in errors ("config", ...).

    A missing, folder or unreadable file is a UserError; a YAML mistake is a YamlSyntaxError at
    its line. `problem_fallback` words a parser error that names no problem (None: the parser's
    own message).
    """
    if not path.exists():
        raise UserError(f"{path}: {what} file not found")
    if path.is_dir():
        raise UserError(f"{path}: is a folder, expected a {what} .yaml file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlSyntaxError(f"{path}:{line}: not valid UTF-8 (save the file as UTF-8)") from None
    try:
        return text, parse_yaml(text)
    except _DuplicateKey as exc:
        assert exc.problem_mark is not None
        raise YamlSyntaxError(f"{path}:{exc.problem_mark.line + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or problem_fallback or str(exc)
        raise YamlSyntaxError(f"{where}: not valid YAML ({problem})") from None


def validation_problems(
    path: Path,
    text: str,
    error: ValidationError,
    *,
    all_errors: bool = False,
    root: str = "record",
    missing: str = "required field is missing",
    strip_value_error: bool = True,
) -> list[str]:
    """The first (or every) problem of a validation error as `path:line: field: message`.

    An unknown key reads "unknown key 'x'"; `root` names a problem of the whole file, `missing`
    words a missing key, and `strip_value_error` drops pydantic's "Value error, " prefix.
    """
    details = error.errors() if all_errors else error.errors()[:1]
    return [_problem(path, text, d, root, missing, strip_value_error) for d in details]


def _problem(
    path: Path, text: str, details: ErrorDetails, root: str, missing: str, strip: bool
) -> str:
    field, message = describe_error_details(details, root, missing)
    if details["type"] == "extra_forbidden":
        message = f"unknown key {str(details['loc'][-1])!r}"
    elif strip:
        message = message.removeprefix("Value error, ")
    return f"{yaml_where(path, text, list(details['loc']))}: {field}: {message}"


def load_yaml_model(
    path: str | os.PathLike[str],
    model_type: type[M],
    *,
    what: str,
    expect: str = "a mapping",
    required_key: str | None = None,
    defaults: dict[str, Any] | None = None,
    strip_value_error: bool = True,
    problem_fallback: str | None = "syntax error",
) -> M:
    """Read a YAML mapping and validate it as `model_type`; the first mistake raises a
    UserError `path:line: key: problem`.

    The file must hold a mapping (with `required_key`, when given), else "path: expected
    {expect}". `defaults` fill keys the file leaves out (e.g. the folder it was read from).
    """
    path = Path(path)
    text, raw = read_yaml(path, what, problem_fallback)
    if not isinstance(raw, dict) or (required_key is not None and required_key not in raw):
        raise UserError(f"{path}: expected {expect}")
    for key, value in (defaults or {}).items():
        raw.setdefault(key, value)
    try:
        model = model_type.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(path, text, exc, strip_value_error=strip_value_error)
        raise UserError(problems[0]) from None
    coerced = coercion_problems(raw, model)
    if coerced:
        loc, message = coerced[0]
        field = ".".join(str(part) for part in loc)
        raise UserError(f"{yaml_where(path, text, loc)}: {field}: {message}")
    return model


def coercion_problems(raw: Any, model: BaseModel) -> list[tuple[list[Any], str]]:
    """(location, problem) for each value pydantic accepted only by converting its type: a
    `true` or a quoted "30" where a number is expected, a number or a text where true/false is.
    In YAML these are mistakes (`threshold: yes`), not conversions to make in silence."""
    problems: list[tuple[list[Any], str]] = []
    _coerced(raw, model, [], problems)
    return problems


def _coerced(raw: Any, value: Any, loc: list[Any], problems: list[tuple[list[Any], str]]) -> None:
    if isinstance(value, BaseModel):
        if isinstance(raw, dict):
            for name, info in type(value).model_fields.items():
                key = info.alias or name
                if key in raw:
                    _coerced(raw[key], getattr(value, name, None), [*loc, key], problems)
    elif isinstance(value, dict):
        if isinstance(raw, dict):
            for key, item in raw.items():
                if key in value:
                    _coerced(item, value[key], [*loc, key], problems)
    elif isinstance(value, list | tuple):
        if isinstance(raw, list) and len(raw) == len(value):
            for index, (item, converted) in enumerate(zip(raw, value, strict=True)):
                _coerced(item, converted, [*loc, index], problems)
    elif isinstance(value, bool):
        if not isinstance(raw, bool):
            problems.append((loc, f"expected true or false, got {raw!r}"))
    elif isinstance(value, int | float):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            problems.append((loc, f"expected a number, got {_yaml_text(raw)}"))


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"the text {value!r}" if isinstance(value, str) else repr(value)


def yaml_where(path: Path, text: str, loc: list[Any]) -> str:
    """`path:line` of the deepest node of `loc` in the YAML text, or `path` when not found."""
    line = yaml_line(text, loc)
    return f"{path}:{line}" if line else str(path)


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
