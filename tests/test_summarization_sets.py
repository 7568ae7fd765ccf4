"""The committed summarization sets: 750 valid, stratified samples per use case."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from evalkit.jsonio import read_records
from evalkit.paths import PROMPTS_DIR
from evalkit.records import Prompt
from evalkit.summarization.design import (
    KEY_FACTS,
    MAX_SENTENCES,
    MIN_PER_CELL,
    SET_SIZE,
    USE_CASES,
    cells,
    length_bucket,
    sample_tokens,
)
from evalkit.summarization.prompts import sentences
from evalkit.summarization.quality import repetition, validate_set
from evalkit.summarization.sampler import measured_cell, strata_path
from evalkit.summarization.text import fact_present, token_set

SET_DIR = PROMPTS_DIR / "summarization"


@pytest.fixture(scope="module", params=USE_CASES)
def committed(request: pytest.FixtureRequest) -> tuple[str, list[Prompt]]:
    use_case = request.param
    return use_case, read_records(SET_DIR / f"{use_case}.jsonl", Prompt)


def test_exactly_750_records_with_numbered_unique_ids(committed) -> None:
    use_case, prompts = committed
    assert len(prompts) == SET_SIZE == 750
    ids = [p.id for p in prompts]
    assert len(set(ids)) == len(ids)
    assert ids == [f"sum-{use_case}-{i:04d}" for i in range(1, 751)]


def test_records_carry_the_summarization_fields(committed) -> None:
    use_case, prompts = committed
    for p in prompts:
        assert (p.suite, p.category, p.use_case) == ("summarization", "summarization", use_case)
        assert p.source == "evalkit:generator:seed0"
        assert p.n_docs == len(p.documents) and p.stacked == (p.n_docs > 1)
        assert 1 <= p.n_docs <= 10
        assert p.max_sentences == MAX_SENTENCES[use_case][p.length_bucket]
        assert p.metadata["stratum"] == measured_cell(p).key


def test_every_cell_of_the_design_reaches_the_minimum(committed) -> None:
    use_case, prompts = committed
    counts = Counter(measured_cell(p) for p in prompts)
    design = cells(use_case)
    assert set(counts) == set(design)
    assert min(counts[c] for c in design) >= MIN_PER_CELL


def test_length_bucket_is_measured_from_the_documents(committed) -> None:
    use_case, prompts = committed
    for p in prompts:
        assert length_bucket(use_case, sample_tokens(p.documents)) == p.length_bucket


def test_key_facts_are_present_and_found_in_the_documents(committed) -> None:
    use_case, prompts = committed
    for p in prompts:
        assert len(p.key_facts) >= KEY_FACTS[use_case][p.length_bucket], p.id
        tokens = token_set("\n".join(p.documents))
        missing = [f for f in p.key_facts if not fact_present(f, tokens)]
        assert not missing, (p.id, missing)


def test_changed_plans_keep_the_final_state(committed) -> None:
    use_case, prompts = committed
    changed = [p for p in prompts if p.metadata.get("superseded")]
    assert len(changed) >= 40, "threads where a later document changes the plan"
    for p in changed:
        assert not set(p.metadata["superseded"]) & set(p.key_facts), p.id
        text = "\n".join(p.documents)
        assert any(fact_present(old, token_set(text)) for old in p.metadata["superseded"])


def test_message_is_the_instruction_then_every_document(committed) -> None:
    use_case, prompts = committed
    for p in prompts:
        assert len(p.messages) == 1 and p.messages[0].role == "user"
        assert f"at most {sentences(p.max_sentences)}" in p.user_text
        position = 0
        for doc in p.documents:
            position = p.user_text.index(doc, position)


def test_sentence_repetition_across_samples_is_below_5_percent(committed) -> None:
    _, prompts = committed
    rep = repetition([p.documents for p in prompts])
    assert rep.sentences > 3000
    assert rep.share < 0.05, rep.top


def test_validation_finds_no_problem(committed) -> None:
    use_case, prompts = committed
    assert validate_set(prompts, use_case, n=750, minimum=MIN_PER_CELL) == []


def test_strata_table_beside_the_set_matches_it(committed) -> None:
    use_case, prompts = committed
    table = pd.read_csv(strata_path(SET_DIR / f"{use_case}.jsonl"))
    assert table["target"].sum() == 750 and table["achieved"].sum() == 750
    assert (table["target"] == table["achieved"]).all()
    assert (table["achieved"] >= MIN_PER_CELL).all()
    counts = Counter(measured_cell(p).key for p in prompts)
    for row in table.itertuples():
        key = f"{row.content_type}|{row.length_bucket}|{'stacked' if row.stacked else 'single'}"
        assert counts[key] == row.achieved
