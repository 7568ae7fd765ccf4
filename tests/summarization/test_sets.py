"""The shipped summarization sets (prompts/summarization/*.jsonl): every file is validated as it
is, the three main sets of 750 authored samples by the design's rules too.

The sets are assembled from individually written samples (`evalkit summarization build
--authored`); no sample of the retired sentence generator (source `evalkit:generator:*`) may
remain.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.jsonio import read_records
from evalkit.paths import PROMPTS_DIR
from evalkit.records import Prompt
from evalkit.summarization.audit import audit
from evalkit.summarization.checks import check_prompt
from evalkit.summarization.design import SET_SIZE, USE_CASES
from evalkit.summarization.prompts import sentences
from evalkit.summarization.quality import validate_set
from evalkit.summarization.sampler import measured_cell, strata_path

SET_DIR = PROMPTS_DIR / "summarization"
FILES = sorted(SET_DIR.glob("*.jsonl"))
GENERATED = "evalkit:generator"


def _read(path: Path) -> list[Prompt]:
    prompts = read_records(path, Prompt)
    generated = [p.id for p in prompts if (p.source or "").startswith(GENERATED)]
    assert not generated, f"{path.name}: samples of the retired sentence generator: {generated[:5]}"
    return prompts


@pytest.fixture(scope="module", params=FILES, ids=[f.name for f in FILES])
def shipped(request: pytest.FixtureRequest) -> tuple[Path, str, list[Prompt]]:
    path = request.param
    prompts = _read(path)
    use_cases = sorted({p.use_case or "?" for p in prompts})
    assert len(use_cases) == 1, f"{path.name}: one use case per set, found {use_cases}"
    return path, use_cases[0], prompts


def _subset(prompts: list[Prompt]) -> str:
    subsets = {p.metadata.get("subset") or "main" for p in prompts}
    assert len(subsets) == 1, f"one subset per set, found {subsets}"
    return subsets.pop()


@pytest.mark.parametrize("use_case", USE_CASES)
def test_every_use_case_has_its_main_set(use_case: str) -> None:
    path = SET_DIR / f"{use_case}.jsonl"
    assert path.exists(), f"{path} is missing"
    prompts = _read(path)
    assert len(prompts) == SET_SIZE and _subset(prompts) == "main"


def test_the_set_is_valid(shipped) -> None:
    path, use_case, prompts = shipped
    if _subset(prompts) == "main" and path.name == f"{use_case}.jsonl":
        problems = validate_set(prompts, use_case, n=SET_SIZE, design=True)
    else:  # the adversarial subset, or another set beside the main ones
        problems = validate_set(prompts, use_case, design=False)
    assert problems == [], "\n".join(problems[:40])


def test_the_strata_table_beside_the_set_matches_it(shipped) -> None:
    path, _, prompts = shipped
    table = pd.read_csv(strata_path(path))
    assert table["achieved"].sum() == len(prompts)
    assert (table["target"] == table["achieved"]).all()
    counts: dict[str, int] = {}
    for p in prompts:
        counts[measured_cell(p).key] = counts.get(measured_cell(p).key, 0) + 1
    for row in table.itertuples():
        key = f"{row.content_type}|{row.length_bucket}|{'stacked' if row.stacked else 'single'}"
        assert counts.get(key, 0) == row.achieved, key


def test_the_request_is_the_instruction_then_every_document(shipped) -> None:
    _, _, prompts = shipped
    for p in prompts:
        assert len(p.messages) == 1 and p.messages[0].role == "user"
        assert f"at most {sentences(p.max_sentences)}" in p.user_text
        position = 0
        for doc in p.documents or []:
            position = p.user_text.index(doc, position)


def test_a_summary_made_of_the_anchors_keeps_every_key_fact(shipped) -> None:
    _, _, prompts = shipped
    for p in prompts:
        anchors = p.metadata.get("key_fact_anchors") or [[f] for f in p.key_facts or []]
        summary = "; ".join(a for group in anchors for a in group) + "."
        result = check_prompt(p, summary)
        assert result.all_key_facts, (p.id, result.missing)
        assert result.ungrounded_numbers == [], (p.id, result.ungrounded_numbers)


def test_the_set_reads_like_varied_real_input(shipped) -> None:
    _, _, prompts = shipped
    result = audit(prompts)
    assert result.repeated_share < 0.10, result.top_patterns  # the authors' bar
    assert result.late_fact_share in (None, 1.0)
