"""The document generator: deterministic, hits every cell, keeps key facts and final states."""

from __future__ import annotations

import random

import pytest

from evalkit.jsonio import read_records
from evalkit.paths import PROMPTS_DIR
from evalkit.records import Prompt
from evalkit.summarization.design import KEY_FACTS, USE_CASES, Cell, cells, length_bucket
from evalkit.summarization.generator import STACK_DOCS, DocumentGenerator
from evalkit.summarization.quality import repetition
from evalkit.summarization.sampler import build_generated
from evalkit.summarization.text import fact_present, split_sentences, token_set
from evalkit.summarization.world import World


def _dump(result) -> list[dict]:
    return [p.model_dump(mode="json") for p in result.prompts]


def test_same_seed_gives_identical_output_and_another_seed_differs() -> None:
    random.seed(1)  # the generator must not depend on the global random state
    first = _dump(build_generated("message", 40, seed=3, minimum=1))
    random.seed(2)
    second = _dump(build_generated("message", 40, seed=3, minimum=1))
    other = _dump(build_generated("message", 40, seed=4, minimum=1))
    assert first == second
    assert first != other
    texts = {doc for p in first for doc in p["documents"]}
    assert not texts & {doc for p in other for doc in p["documents"]}


def test_the_committed_notification_set_is_what_the_command_writes() -> None:
    committed = read_records(PROMPTS_DIR / "summarization" / "notification.jsonl", Prompt)
    rebuilt = build_generated("notification", 750, seed=0).prompts
    assert [p.model_dump(mode="json") for p in rebuilt] == [
        p.model_dump(mode="json") for p in committed
    ]


@pytest.mark.parametrize("use_case", USE_CASES)
def test_every_cell_is_generated_within_its_bucket(use_case: str) -> None:
    generator = DocumentGenerator(use_case, seed=11)
    for cell in cells(use_case):
        sample = generator.sample(cell, 0)
        assert length_bucket(use_case, sample.tokens) == cell.length_bucket, cell
        if cell.stacked:
            low, high = STACK_DOCS[use_case][cell.length_bucket]
            assert 2 <= low <= len(sample.documents) <= high <= 10
        else:
            assert len(sample.documents) == 1
        assert len(sample.key_facts) == KEY_FACTS[use_case][cell.length_bucket]
        tokens = token_set("\n".join(sample.documents))
        assert all(fact_present(f, tokens) for f in sample.key_facts), sample.key_facts


def test_a_changed_plan_reports_the_new_values_as_key_facts() -> None:
    generator = DocumentGenerator("email", seed=0)
    found = 0
    for index in range(12):
        sample = generator.sample(Cell("scheduling", "medium", True), index)
        if not sample.superseded:
            continue
        found += 1
        old_date = sample.superseded[0]
        new_date = sample.key_facts[1]
        text = "\n".join(sample.documents)
        assert old_date in text and new_date in text and old_date != new_date
        assert text.rindex(new_date) > text.index(old_date)  # the change comes later
    assert found >= 5


def test_generated_sets_repeat_few_sentences() -> None:
    result = build_generated("email", 120, seed=5, minimum=1)
    rep = repetition([p.documents for p in result.prompts])
    assert rep.share < 0.05


def test_say_expands_nested_alternatives_and_slots() -> None:
    outputs = set()
    for seed in range(40):
        w = World(random.Random(seed))
        outputs.add(w.say("[hi|[hello|hey] there] {name}!", name="Ana"))
    assert outputs == {"Hi Ana!", "Hello there Ana!", "Hey there Ana!"}


def test_sentence_splitter_keeps_abbreviations_decimals_and_lines() -> None:
    text = "Dr. Lee paid $1,200.50 at 3 p.m. today. See you at 5!\nFrom: Ana\n- item one"
    assert split_sentences(text) == [
        "Dr. Lee paid $1,200.50 at 3 p.m. today.",
        "See you at 5!",
        "From: Ana",
        "item one",
    ]


def test_repetition_counts_only_sentences_shared_between_samples() -> None:
    same = "The quarterly review moved to Friday afternoon."
    rep = repetition([[same, same], [same], ["A completely different sentence is here."]])
    assert rep.sentences == 4 and rep.repeated == 3
    assert rep.share == pytest.approx(0.75)
    assert repetition([[same, same]]).repeated == 0
