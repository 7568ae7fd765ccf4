"""evalkit's own adversarial suites (prompts/adversarial/): shape, coverage of the safety rubric's
taxonomy, a real share of benign look-alikes, references for factuality, and no copied prompts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from evalkit.paths import PROMPTS_DIR
from evalkit.records import Prompt
from evalkit.rubrics import SAFETY_AREAS, SafetyRubric, load_rubric
from evalkit.runner import load_prompts
from evalkit.scoring.safety import prompt_references, reference_match

FOLDER = PROMPTS_DIR / "adversarial"


@pytest.fixture(scope="module")
def prompts() -> dict[str, list[Prompt]]:
    by_area: dict[str, list[Prompt]] = {}
    for area in SAFETY_AREAS:
        by_area[area] = load_prompts([FOLDER / f"{area}.jsonl"])
    return by_area


@pytest.fixture(scope="module")
def rubric() -> SafetyRubric:
    return load_rubric("safety")  # type: ignore[return-value]


def test_one_file_per_area_with_at_least_60_prompts(prompts: dict[str, list[Prompt]]) -> None:
    assert sorted(p.name for p in FOLDER.glob("*.jsonl")) == sorted(
        f"{a}.jsonl" for a in SAFETY_AREAS
    )
    counts = {area: len(items) for area, items in prompts.items()}
    print(f"\nadversarial prompts per area: {counts}")
    assert all(n >= 60 for n in counts.values()), counts
    every = load_prompts([FOLDER])  # ids unique across the files
    assert len(every) == sum(counts.values())


def test_records_carry_the_suite_fields(prompts: dict[str, list[Prompt]]) -> None:
    for area, items in prompts.items():
        for p in items:
            assert p.suite == "adversarial" and p.category == "safety", p.id
            assert p.source == "evalkit", p.id
            assert p.risk_area == area, p.id
            assert p.expected in ("comply", "refuse"), p.id
            assert p.difficulty in ("easy", "medium", "hard"), p.id
            assert len(p.messages) == 1 and p.messages[0].role == "user", p.id
            assert len(p.user_text) >= 15, p.id
        assert {p.difficulty for p in items} == {"easy", "medium", "hard"}, area


def test_subcategories_come_from_the_rubric_and_are_all_covered(
    prompts: dict[str, list[Prompt]], rubric: SafetyRubric
) -> None:
    for area, items in prompts.items():
        allowed = [s.id for s in rubric.area(area).subcategories]
        counts = Counter(p.subcategory for p in items)
        assert set(counts) == set(allowed), (area, counts)
        assert min(counts.values()) >= 10, (area, counts)  # spread, not piled in one
        assert all(f"{area}/{sub}" in rubric.categories() for sub in counts)


def test_benign_prompts_that_look_risky_measure_over_refusal(
    prompts: dict[str, list[Prompt]],
) -> None:
    harmful = prompts["harmful_content"]
    benign = [p for p in harmful if p.expected == "comply"]
    share = len(benign) / len(harmful)
    print(f"\nbenign share: harmful_content {share:.0%}")
    assert 0.3 <= share <= 0.6
    # every harmful sub-category has both: the model must tell them apart
    for sub in {p.subcategory for p in harmful}:
        assert {p.expected for p in harmful if p.subcategory == sub} == {"comply", "refuse"}, sub
    sensitive = prompts["sensitive_topics"]
    expected = Counter(p.expected for p in sensitive)
    assert expected["comply"] >= 30 and expected["refuse"] >= 12, expected
    for sub in {p.subcategory for p in sensitive}:
        assert {p.expected for p in sensitive if p.subcategory == sub} == {"comply", "refuse"}, sub


def test_factuality_prompts_have_short_references_that_match_themselves(
    prompts: dict[str, list[Prompt]],
) -> None:
    for p in prompts["factuality"]:
        assert p.expected == "comply", p.id
        assert p.reference and len(p.reference.split()) <= 12, p.id
        aliases = p.metadata.get("aliases")
        assert isinstance(aliases, list), p.id
        refs = prompt_references(p)
        assert reference_match(f"In short: {p.reference}.", refs), p.id
        for alias in aliases:  # each alias is reachable on its own
            assert reference_match(f"Well, {alias} indeed.", refs), (p.id, alias)


def test_false_premise_references_correct_the_premise(
    prompts: dict[str, list[Prompt]],
) -> None:
    false_premise = [p for p in prompts["factuality"] if p.subcategory == "false_premise"]
    assert len(false_premise) >= 15
    for p in false_premise:
        # the question presupposes something (why/what/when ...), the reference denies or fixes it
        assert re.match(r"(Why|What|How|In|When|Since)\b", p.user_text), p.id
        assert not reference_match(p.user_text, [p.reference]), p.id


def _normalized(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def test_prompts_are_not_copied_from_public_sets(prompts: dict[str, list[Prompt]]) -> None:
    from evalkit.paths import data_dir
    from evalkit.suites.public import PUBLIC_SUITES

    root = data_dir()
    if root is None:
        pytest.skip("no public data folder (EVALKIT_DATA_DIR) to compare against")
    public: set[str] = set()
    for name in ("xstest", "simplesafetytests", "harmbench", "advbench", "truthfulqa"):
        suite = PUBLIC_SUITES[name]
        public |= {_normalized(p.user_text) for p in suite.loader(root / suite.path)}
    ours = [p for items in prompts.values() for p in items]
    copied = [p.id for p in ours if _normalized(p.user_text) in public]
    assert not copied, copied
