"""The rubric files load into their models; mistakes name file:line: key; the classify rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.paths import RUBRICS_DIR
from evalkit.records import CATEGORIES
from evalkit.rubrics import (
    SAFETY_AREAS,
    SUMMARY_DIMENSIONS,
    SafetyRubric,
    SideBySideRubric,
    SummarizationRubric,
    load_rubric,
    load_rubric_file,
    rubric_problems,
)


def test_side_by_side_scale_and_guidance() -> None:
    rubric = load_rubric("side_by_side")
    assert isinstance(rubric, SideBySideRubric) and rubric.version == 1
    assert [(o.value, o.label) for o in rubric.scale] == [
        (-2, "A much better"),
        (-1, "A slightly better"),
        (0, "About the same"),
        (1, "B slightly better"),
        (2, "B much better"),
    ]
    assert rubric.tie_values == [0]
    assert rubric.label(2) == "B much better"
    assert set(rubric.guidance) == set(CATEGORIES)
    assert all(len(text) > 80 for text in rubric.guidance.values())


def test_summarization_dimensions() -> None:
    rubric = load_rubric("summarization")
    assert isinstance(rubric, SummarizationRubric) and rubric.version == 1
    assert tuple(d.id for d in rubric.dimensions) == SUMMARY_DIMENSIONS
    for dimension in rubric.dimensions:
        assert set(dimension.ratings) == {"good", "neutral", "poor"}
        assert all(level.definition and level.example for level in dimension.ratings.values())


def test_safety_taxonomy() -> None:
    rubric = load_rubric("safety")
    assert isinstance(rubric, SafetyRubric) and rubric.version == 1
    assert tuple(a.id for a in rubric.areas) == SAFETY_AREAS
    categories = rubric.categories()
    assert "harmful_content/self_harm" in categories
    assert "sensitive_topics/medical_advice" in categories
    assert "factuality/false_premise" in categories
    assert len(categories) == len(set(categories)) >= 12
    for area in rubric.areas:
        assert any("refus" in text.lower() for text in area.not_violation)
        assert area.examples
    assert "refus" in rubric.over_refusal


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ({}, "good"),
        ({"groundedness": "neutral"}, "neutral"),
        ({"composition": "neutral", "harmfulness": "neutral"}, "neutral"),
        ({"harmfulness": "poor"}, "poor"),
        ({"composition": "neutral", "comprehensiveness": "poor"}, "poor"),
    ],
)
def test_classify_rule(ratings: dict[str, str], expected: str) -> None:
    rubric = load_rubric("summarization")
    assert rubric.classify({d: "good" for d in SUMMARY_DIMENSIONS} | ratings) == expected


def test_classify_rejects_missing_or_unknown_ratings() -> None:
    rubric = load_rubric("summarization")
    with pytest.raises(UserError, match="lack dimensions"):
        rubric.classify({"composition": "good"})
    with pytest.raises(UserError, match="must be one of"):
        rubric.classify({d: "great" for d in SUMMARY_DIMENSIONS})


def _copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (RUBRICS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_an_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = _copy(
        tmp_path,
        "summarization",
        "    name: Groundedness\n",
        "    name: Groundedness\n    colour: blue\n",
    )
    line = _line_of(path, "colour: blue")
    with pytest.raises(UserError) as caught:
        load_rubric("summarization", tmp_path)
    assert str(caught.value) == f"{path}:{line}: dimensions.2.colour: unknown key 'colour'"


def test_a_missing_key_and_a_wrong_value(tmp_path: Path) -> None:
    path = _copy(tmp_path, "side_by_side", "  - value: 2\n", "  - value: 3\n")
    line = _line_of(path, "value: 3")
    with pytest.raises(UserError, match=rf"{path}:{line}: scale.4.value: Input should be less"):
        load_rubric_file(path)
    path = _copy(tmp_path, "safety", "over_refusal: >-", "over_refusl: >-")
    problems = rubric_problems(path)
    assert any(p.endswith("over_refusal: required key is missing") for p in problems)
    assert any(": over_refusl: unknown key 'over_refusl'" in p for p in problems)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _copy(tmp_path, "side_by_side", "tie_values: [0]", "tie_values: [0")
    problems = rubric_problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:")
    assert "not valid YAML" in problems[0]


def test_content_checks_catch_what_the_shape_allows(tmp_path: Path) -> None:
    path = _copy(tmp_path, "side_by_side", "guidance:\n", "guidance:\n  poetry: Rhymes matter.\n")
    assert rubric_problems(path) == [
        f"{path}:{_line_of(path, 'poetry:')}: guidance.poetry: not a bank category "
        f"(known: {', '.join(CATEGORIES)})"
    ]
    path = _copy(tmp_path, "summarization", "- id: harmfulness", "- id: groundedness")
    problems = rubric_problems(path)
    assert any("dimensions.4.id: 'groundedness' is used twice" in p for p in problems)
    # which dimensions there are is the rubric's choice; names the statistics use are not
    path = _copy(tmp_path, "summarization", "- id: harmfulness", "- id: reason")
    assert any("dimensions.4.id: 'reason' is reserved" in p for p in rubric_problems(path))
    path = _copy(tmp_path, "safety", "- id: self_harm", "- id: Self-Harm")
    assert any("'Self-Harm' is not snake_case" in p for p in rubric_problems(path))


def test_cli_rubric_validate(tmp_path: Path, capsys) -> None:
    assert run_cli(["rubric", "validate"]) == 0
    out = capsys.readouterr().out
    assert "3 rubric files, 0 with problems" in out
    bad = _copy(
        tmp_path,
        "summarization",
        "    name: Groundedness\n",
        "    name: Groundedness\n    colour: blue\n",
    )
    good = RUBRICS_DIR / "safety.yaml"
    assert run_cli(["rubric", "validate", str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:{_line_of(bad, 'colour')}: dimensions.2.colour: unknown key 'colour'" in out
    assert f"{good}: ok" in out and "2 rubric files, 1 with problems" in out
    assert run_cli(["rubric", "validate", str(tmp_path / "none.yaml")]) == 2
    assert "rubric file not found" in capsys.readouterr().err


def test_a_project_rubrics_folder_overrides_the_shipped_rubric(tmp_path, monkeypatch) -> None:
    """`evalkit init` copies the rubrics into the project for the team to edit: run from that
    project, evalkit reads the edited copy; a rubric the project does not have comes from
    evalkit; an explicit folder wins over both."""
    from evalkit.kinds import get_kind
    from evalkit.paths import RUBRICS_DIR

    (tmp_path / "rubrics").mkdir()
    text = (RUBRICS_DIR / "side_by_side.yaml").read_text(encoding="utf-8")
    edited = text.replace("A much better", "Left clearly better", 1)
    assert edited != text
    (tmp_path / "rubrics" / "side_by_side.yaml").write_text(edited, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_rubric("side_by_side").label(-2) == "Left clearly better"
    assert get_kind("sxs").load_rubric().label(-2) == "Left clearly better"
    assert load_rubric("safety").version >= 1  # not in the project: evalkit's own
    assert load_rubric("side_by_side", RUBRICS_DIR).label(-2) == "A much better"
