"""Planning rules (pure functions): items from a run, sides, gold items, balanced assignment."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from evalkit.assignment import (
    GOLD_WORSE,
    assign_balanced,
    candidate_on_left,
    gold_count,
    gold_items,
    gold_passed,
    instruction_text,
    safety_items,
    select_prompts,
    summarization_items,
    sxs_items,
)
from evalkit.errors import UserError
from evalkit.jsonio import write_records
from evalkit.records import Message, Prompt, Response

CATS = ("coding", "writing", "math_reasoning", "open_qa")


def bank_prompt(i: int, reference: str | None = None) -> Prompt:
    return Prompt(
        id=f"bank-{i:03d}",
        suite="bank",
        category=CATS[i % len(CATS)],
        difficulty="easy",
        messages=[Message(role="user", content=f"Question {i}?")],
        reference=reference,
    )


def summary_prompt(i: int) -> Prompt:
    return Prompt(
        id=f"sum-{i:03d}",
        suite="summarization",
        category="summarization",
        use_case="email",
        content_type="work",
        length_bucket="short",
        stacked=i % 2 == 1,
        n_docs=2 if i % 2 else 1,
        documents=["Doc one text."] + (["Doc two text."] if i % 2 else []),
        messages=[Message(role="user", content="Summarize in one sentence.")],
    )


def safety_prompt(i: int) -> Prompt:
    return Prompt(
        id=f"adv-{i:03d}",
        suite="adversarial",
        category="safety",
        risk_area="harmful_content",
        subcategory="weapons",
        expected="refuse" if i % 2 else "comply",
        messages=[Message(role="user", content=f"Risky request {i}")],
    )


def response(prompt_id: str, model: str, error: str | None = None, sample: int = 0) -> Response:
    text = None if error else f"{model} answers {prompt_id}"
    return Response(
        run_id="run-1", prompt_id=prompt_id, model=model, sample=sample, text=text, error=error
    )


def make_run(
    models: tuple[str, ...] = ("cand", "base1", "base2"), n_bank: int = 12
) -> tuple[list[Prompt], list[Response]]:
    prompts = [bank_prompt(i, reference=f"Reference {i}" if i < 3 else None) for i in range(n_bank)]
    prompts += [summary_prompt(i) for i in range(3)] + [safety_prompt(i) for i in range(4)]
    responses = [response(p.id, m) for p in prompts for m in models]
    responses += [response(p.id, "cand", sample=1) for p in prompts]  # only sample 0 is graded
    return prompts, responses


def write_run(run_dir: Path, prompts: list[Prompt], responses: list[Response]) -> Path:
    """A run folder as `evalkit run` leaves it (prompts.jsonl + responses.jsonl)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    write_records(run_dir / "prompts.jsonl", prompts)
    write_records(run_dir / "responses.jsonl", responses)
    return run_dir


# ---------------------------------------------------------------------------- sxs items


def test_sxs_items_pair_candidate_with_each_baseline() -> None:
    prompts, responses = make_run()
    bank = select_prompts({p.id: p for p in prompts}, suites=["bank"])
    items, report = sxs_items(bank, responses, "cand", ["base1", "base2"], run_id="run-1")
    assert len(items) == 12 * 2 and report.items == 24 and report.missing_total == 0
    assert len({i.id for i in items}) == 24
    for item in items:
        assert {item.model_left, item.model_right} in ({"cand", "base1"}, {"cand", "base2"})
        assert item.metadata["model_a"] == "cand"
        left_is_cand = item.model_left == "cand"
        assert left_is_cand == candidate_on_left(item.side_seed)
        assert item.left_text == f"{item.model_left} answers {item.prompt_id}"
        assert item.right_text == f"{item.model_right} answers {item.prompt_id}"
        assert "cand" not in item.id and "base" not in item.id  # ids never name a model
        assert item.prompt_text == f"Question {int(item.prompt_id[-3:])}?"


def test_sides_are_reproducible_from_the_seed_and_roughly_balanced() -> None:
    prompts = [bank_prompt(i) for i in range(400)]
    responses = [response(p.id, m) for p in prompts for m in ("cand", "base")]

    def sides(seed: int) -> list[bool]:
        items, _ = sxs_items(prompts, responses, "cand", ["base"], run_id="r", seed=seed)
        return [i.model_left == "cand" for i in items]

    assert sides(7) == sides(7)
    assert sides(7) != sides(8)
    share = sum(sides(7)) / 400
    assert 0.40 < share < 0.60, share  # binomial(400, 0.5): 4 standard deviations either side
    items, _ = sxs_items(prompts, responses, "cand", ["base"], run_id="r", seed=7)
    assert all((i.model_left == "cand") == candidate_on_left(i.side_seed) for i in items)


def test_missing_and_failed_responses_are_counted() -> None:
    prompts = [bank_prompt(i) for i in range(5)]
    responses = [response(p.id, "cand") for p in prompts]
    responses += [response(p.id, "base") for p in prompts[:3]]  # 2 missing
    responses.append(response(prompts[3].id, "base", error="timeout"))  # 1 failed
    responses[0] = response(prompts[0].id, "cand", error="http 500")  # candidate failed
    items, report = sxs_items(prompts, responses, "cand", ["base"], run_id="r")
    assert len(items) == 2  # prompts 1 and 2
    assert report.missing == Counter(
        {
            ("base", "missing"): 1,
            ("base", "failed (error recorded in the run)"): 1,
            ("cand", "failed (error recorded in the run)"): 1,
        }
    )
    assert any("cand: 1 response(s) failed" in line for line in report.missing_lines())


def test_unknown_models_and_filters_are_clear_errors() -> None:
    prompts, responses = make_run()
    by_id = {p.id: p for p in prompts}
    with pytest.raises(UserError, match=r"--candidate 'nope' has no responses.*cand"):
        sxs_items(prompts, responses, "nope", ["base1"], run_id="r")
    with pytest.raises(UserError, match="--baselines 'ghost'"):
        sxs_items(prompts, responses, "cand", ["base1", "ghost"], run_id="r")
    with pytest.raises(UserError, match="is the candidate"):
        sxs_items(prompts, responses, "cand", ["cand"], run_id="r")
    with pytest.raises(UserError, match="--category poetry"):
        select_prompts(by_id, categories=["poetry"])
    with pytest.raises(UserError, match="--suite nope"):
        select_prompts(by_id, suites=["nope"])
    coding = select_prompts(by_id, categories=["coding"], suites=["bank"])
    assert coding and {p.category for p in coding} == {"coding"}


# ---------------------------------------------------------------------------- gold


def test_gold_items_have_a_known_better_side() -> None:
    prompts, responses = make_run()
    bank = [p for p in prompts if p.suite == "bank"]
    gold = gold_items(bank, responses, "cand", 5, run_id="run-1", seed=3)
    assert len(gold) == 5 and len({g.id for g in gold}) == 5
    by_id = {p.id: p for p in bank}
    for item in gold:
        assert item.is_gold and item.kind == "sxs"
        better = item.gold_answer["better"]
        better_text = item.left_text if better == "left" else item.right_text
        worse_text = item.right_text if better == "left" else item.left_text
        worse_model = item.model_right if better == "left" else item.model_left
        prompt = by_id[item.prompt_id]
        assert better_text == (prompt.reference or f"cand answers {prompt.id}")
        other = by_id[item.gold_answer["worse_from_prompt"]]
        assert worse_text == f"cand answers {other.id}" and other.category != prompt.category
        assert worse_model == GOLD_WORSE and item.metadata["model_b"] == GOLD_WORSE
        assert item.metadata["model_a"].startswith("gold:")  # never a real model's name
        assert gold_passed(item, -2 if better == "left" else 2)
        assert not gold_passed(item, 2 if better == "left" else -2)
        assert not gold_passed(item, 0)
    # prompts with a reference answer are used first
    assert sum(item.metadata["model_a"] == "gold:reference" for item in gold) == 3
    assert gold == gold_items(bank, responses, "cand", 5, run_id="run-1", seed=3)


def test_gold_count_parses_shares_and_counts() -> None:
    assert gold_count("5%", 100) == 5 and gold_count("5%", 30) == 2 and gold_count("3", 30) == 3
    assert gold_count(None, 30) == 0 and gold_count("0%", 30) == 0
    for bad in ("five", "-2", "150%"):
        with pytest.raises(UserError, match="--gold"):
            gold_count(bad, 30)
    prompts, responses = make_run(n_bank=4)
    bank = [p for p in prompts if p.suite == "bank"]
    with pytest.raises(UserError, match="only 4 prompts"):
        gold_items(bank, responses, "cand", 9, run_id="r")


# ---------------------------------------------------------------------------- one-response items


def test_summarization_and_safety_items() -> None:
    prompts, responses = make_run()
    items, report = summarization_items(prompts, responses, ["cand", "base1"], run_id="run-1")
    assert len(items) == 3 * 2 and report.prompts_in_scope == 3
    stacked = next(i for i in items if i.prompt_id == "sum-001")
    assert stacked.kind == "summarization" and stacked.rubric == "summarization"
    assert stacked.source_text == "[1] Doc one text.\n\n[2] Doc two text."
    assert stacked.response_text.endswith("answers sum-001")
    assert stacked.metadata["stacked"] is True and stacked.metadata["use_case"] == "email"
    # documents quoted in the request are shown once, in source_text
    quoting = summary_prompt(0).model_copy(
        update={"messages": [Message(role="user", content="Summarize:\n\nDoc one text.")]}
    )
    assert instruction_text(quoting) == "Summarize:\n\n[document 1]"
    items, report = safety_items(prompts, responses, ["cand"], run_id="run-1")
    assert len(items) == 4 and report.items == 4
    assert {i.metadata["expected"] for i in items} == {"comply", "refuse"}
    assert all(i.kind == "safety" and i.metadata["area"] == "harmful_content" for i in items)
    with pytest.raises(UserError, match="--models 'x'"):
        safety_items(prompts, responses, ["x"], run_id="r")


# ---------------------------------------------------------------------------- assignment


@pytest.mark.parametrize(
    ("n_items", "n_raters", "k"), [(37, 7, 3), (10, 3, 3), (5, 8, 2), (100, 4, 1), (1, 5, 5)]
)
def test_assignment_is_balanced_with_k_distinct_raters(n_items: int, n_raters: int, k: int) -> None:
    items = [f"i{i}" for i in range(n_items)]
    raters = [f"r{j}" for j in range(n_raters)]
    pairs = assign_balanced(items, raters, k, seed=1)
    per_item: dict[str, list[str]] = {}
    for item, rater in pairs:
        per_item.setdefault(item, []).append(rater)
    assert sorted(per_item) == sorted(items)
    assert all(len(rs) == k == len(set(rs)) for rs in per_item.values())
    load = Counter(rater for _, rater in pairs)
    counts = [load.get(r, 0) for r in raters]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == n_items * k
    assert pairs == assign_balanced(items, raters, k, seed=1)


def test_assignment_balances_against_existing_load() -> None:
    pairs = assign_balanced([f"i{i}" for i in range(6)], ["a", "b", "c"], 1, load={"a": 4})
    load = Counter(rater for _, rater in pairs)
    assert load == {"b": 3, "c": 3}
    pairs = assign_balanced([f"i{i}" for i in range(10)], ["a", "b", "c"], 1, load={"a": 4})
    totals = Counter(rater for _, rater in pairs) + Counter({"a": 4})
    assert max(totals.values()) - min(totals.values()) <= 1


def test_assignment_interleaves_item_order_by_seed() -> None:
    items = [f"i{i:02d}" for i in range(30)]
    order = [item for item, rater in assign_balanced(items, ["a"], 1, seed=5)]
    assert sorted(order) == items and order != items
    assert order != [item for item, _ in assign_balanced(items, ["a"], 1, seed=6)]


def test_assignment_errors() -> None:
    with pytest.raises(UserError, match="needs 3 distinct raters but only 2"):
        assign_balanced(["i"], ["a", "b"], 3)
    with pytest.raises(UserError, match="at least one rater"):
        assign_balanced(["i"], ["a"], 0)
    with pytest.raises(UserError, match="named twice"):
        assign_balanced(["i"], ["a", "a"], 1)


def test_every_rater_pair_shares_items_when_k_is_2() -> None:
    """Agreement needs overlap: with k=2 over 4 raters, items go to every pair of raters."""
    pairs = assign_balanced([f"i{i}" for i in range(60)], list("abcd"), 2, seed=0)
    groups: dict[str, set[str]] = {}
    for item, rater in pairs:
        groups.setdefault(item, set()).add(rater)
    seen = {frozenset(g) for g in groups.values()}
    assert len(seen) == 6 and all(len(g) == 2 for g in seen)  # all 6 pairs of 4 raters
    assert set(itertools.chain.from_iterable(seen)) == set("abcd")
