"""evalkit's own adversarial suites (prompts/adversarial/): at least 150 prompts per area, the
rubric's taxonomy covered, severity and tactic on every prompt, a benign twin beside every prompt
to refuse, checkable answers for factuality, notes on injected-document items, and no copied
prompts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from evalkit.bank import MIN_PER_AREA, TACTICS
from evalkit.paths import PROMPTS_DIR
from evalkit.records import Prompt
from evalkit.rubrics import SAFETY_AREAS, SafetyRubric, load_rubric
from evalkit.runner import load_prompts

FOLDER = PROMPTS_DIR / "adversarial"
PREFIX = {
    "harmful_content": "adv-harm-",
    "sensitive_topics": "adv-sens-",
    "factuality": "adv-fact-",
}


@pytest.fixture(scope="module")
def prompts() -> dict[str, list[Prompt]]:
    return {area: load_prompts([FOLDER / f"{area}.jsonl"]) for area in SAFETY_AREAS}


@pytest.fixture(scope="module")
def everything(prompts: dict[str, list[Prompt]]) -> list[Prompt]:
    return [p for items in prompts.values() for p in items]


@pytest.fixture(scope="module")
def rubric() -> SafetyRubric:
    return load_rubric("safety")  # type: ignore[return-value]


def test_one_file_per_area_with_at_least_150_prompts(prompts: dict[str, list[Prompt]]) -> None:
    assert sorted(p.name for p in FOLDER.glob("*.jsonl")) == sorted(
        f"{a}.jsonl" for a in SAFETY_AREAS
    )
    counts = {area: len(items) for area, items in prompts.items()}
    print(f"\nadversarial prompts per area: {counts}")
    assert MIN_PER_AREA == 150
    assert all(n >= MIN_PER_AREA for n in counts.values()), counts
    every = load_prompts([FOLDER])  # ids unique across the files
    assert len(every) == sum(counts.values())


def test_records_carry_the_suite_fields(prompts: dict[str, list[Prompt]]) -> None:
    for area, items in prompts.items():
        for p in items:
            assert re.fullmatch(re.escape(PREFIX[area]) + r"\d{4}", p.id), p.id
            assert p.suite == "adversarial" and p.category == "safety", p.id
            assert p.source == "evalkit", p.id
            assert p.risk_area == area, p.id
            assert p.expected in ("comply", "refuse"), p.id
            assert p.severity in ("low", "medium", "high"), p.id
            assert p.difficulty in ("easy", "medium", "hard"), p.id
            assert p.metadata.get("tactic") in TACTICS, p.id
            assert p.checklist and 2 <= len(p.checklist) <= 4, p.id
            assert len(p.user_text) >= 15, p.id
        assert {p.severity for p in items} == {"low", "medium", "high"}, area
        assert {p.difficulty for p in items} == {"easy", "medium", "hard"}, area


def test_files_are_ordered_by_id(prompts: dict[str, list[Prompt]]) -> None:
    for area, items in prompts.items():
        ids = [p.id for p in items]
        assert ids == sorted(ids), area


def test_subcategories_come_from_the_rubric_and_are_all_covered(
    prompts: dict[str, list[Prompt]], rubric: SafetyRubric
) -> None:
    for area, items in prompts.items():
        allowed = [s.id for s in rubric.area(area).subcategories]
        counts = Counter(p.subcategory for p in items)
        print(f"\n{area}: {dict(counts)}")
        assert set(counts) == set(allowed), (area, counts)
        assert min(counts.values()) >= 20, (area, counts)  # spread, not piled in one


def test_every_refuse_prompt_has_a_benign_twin_that_names_it_back(
    prompts: dict[str, list[Prompt]],
) -> None:
    for area in ("harmful_content", "sensitive_topics"):
        items = prompts[area]
        by_id = {p.id: p for p in items}
        refuse = [p for p in items if p.expected == "refuse"]
        assert len(refuse) >= 50, area
        for p in refuse:
            twin = by_id[p.twin]  # a KeyError fails: the twin is in the same file
            assert twin.twin == p.id and twin.expected == "comply", p.id
            assert twin.subcategory == p.subcategory, p.id
            assert twin.metadata.get("tactic") == p.metadata.get("tactic"), p.id
        # every subcategory has prompts to refuse and benign ones: the model must tell them apart
        for sub in {p.subcategory for p in items}:
            assert {p.expected for p in items if p.subcategory == sub} == {"comply", "refuse"}
    assert not [p.id for p in prompts["factuality"] if p.expected != "comply" or p.twin]


def test_tactics_are_varied_multi_turn_included_and_some_not_english(
    everything: list[Prompt],
) -> None:
    tactics = Counter(p.metadata["tactic"] for p in everything)
    wrapped = sum(
        tactics[t]
        for t in ("multi_turn_escalation", "roleplay_fiction", "obfuscation", "injected_document")
    )
    print(f"\ntactics: {dict(tactics)}")
    assert wrapped >= 0.4 * len(everything)
    multi_turn = [p for p in everything if sum(m.role == "user" for m in p.messages) >= 2]
    assert len(multi_turn) >= 60
    for p in multi_turn:  # earlier turns are written in: the conversation alternates
        roles = [m.role for m in p.messages if m.role != "system"]
        assert roles[::2] == ["user"] * len(roles[::2]), p.id
    languages = Counter(p.metadata.get("language", "en") for p in everything)
    assert sum(n for lang, n in languages.items() if lang != "en") >= 0.05 * len(everything)


def test_injected_document_refuse_items_explain_what_refuse_means(
    everything: list[Prompt],
) -> None:
    injected = [
        p
        for p in everything
        if p.metadata.get("tactic") == "injected_document" and p.expected == "refuse"
    ]
    assert len(injected) >= 10
    for p in injected:
        note = p.metadata.get("note", "")
        assert "injected" in note and "over-cautious" in note, p.id


def test_factuality_prompts_have_checkable_answers(prompts: dict[str, list[Prompt]]) -> None:
    items = prompts["factuality"]
    types = Counter(p.answer.type for p in items if p.answer)
    print(f"\nfactuality answer types: {dict(types)}")
    assert sum(types.values()) == len(items)
    assert set(types) == {"yes_no", "number", "entity", "false_premise", "unknown"}
    for p in items:
        answer = p.answer
        assert answer is not None and p.reference, p.id
        if answer.type in ("yes_no", "false_premise", "unknown"):
            assert answer.claim, p.id
        if answer.type == "yes_no":
            assert isinstance(answer.value, bool), p.id
        if answer.type == "number":
            assert isinstance(answer.value, (int, float)) and answer.unit is not None, p.id
        if answer.type in ("entity", "false_premise"):
            assert isinstance(answer.value, str) and answer.value.strip(), p.id


def _normalized(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def test_prompts_are_not_copied_from_public_sets(everything: list[Prompt], data_dir: Path) -> None:
    from evalkit.suites.public import PUBLIC_SUITES

    public: set[str] = set()
    for name in ("xstest", "simplesafetytests", "harmbench", "advbench", "truthfulqa"):
        suite = PUBLIC_SUITES[name]
        public |= {_normalized(p.user_text) for p in suite.loader(data_dir / suite.path)}
    copied = [p.id for p in everything if _normalized(p.user_text) in public]
    assert not copied, copied
