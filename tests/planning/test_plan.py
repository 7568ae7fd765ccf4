"""Planning (`evalkit.planning` over the grading kinds): items from a run, opaque ids, sides
from the plan's secret, gold items, multi-turn prompts, balanced assignment and re-planning."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evalkit.errors import UserError
from evalkit.kinds import all_kinds, get_kind
from evalkit.kinds.base import PlanRequest
from evalkit.kinds.sxs import GOLD_WORSE
from evalkit.planning import (
    SEED_WARNING,
    PlanOptions,
    PlanResult,
    assign_balanced,
    gold_count,
    plan,
    select_prompts,
)
from evalkit.records import Grade, Item, Message, Prompt, Response
from evalkit.store import GradeStore
from tests.fixtures.builders import (
    CATS,
    MODELS,
    MULTI_TURN,
    TURNS,
    add_raters,
    bank_prompt,
    grade_all,
    make_run,
    response,
    summary_prompt,
    write_run,
)

KINDS = [kind.name for kind in all_kinds()]
COMPARISON = {"candidate": "cand", "baselines": ["base1", "base2"]}


def kind_options(kind: str, **fields: Any) -> PlanOptions:
    """Options planning `kind` of `make_run()`: comparisons put cand against base1 and base2."""
    base: dict[str, Any] = COMPARISON if get_kind(kind).comparison else {}
    return PlanOptions(kind=kind, **(base | fields))


def loads(store: GradeStore) -> Counter[str]:
    return Counter(store.assignments()["rater_id"])


# ---------------------------------------------------------------------------- sxs items


def sxs_plan(
    prompts: Sequence[Prompt],
    responses: Sequence[Response],
    baselines: Sequence[str] = ("base1", "base2"),
    candidate: str = "cand",
    *,
    secret: str = "s",
    gold: int = 0,
) -> tuple[list[Item], Any]:
    request = PlanRequest(
        run_id="run-1", secret=secret, candidate=candidate, baselines=list(baselines), gold=gold
    )
    return get_kind("sxs").plan(prompts, responses, request)


def test_sxs_items_pair_candidate_with_each_baseline() -> None:
    prompts, responses = make_run()
    bank = select_prompts({p.id: p for p in prompts}, suites=["bank"])
    items, report = sxs_plan(bank, responses)
    assert len(items) == 12 * 2 and report.items == 24 and report.missing_total == 0
    assert len({i.id for i in items}) == 24
    for item in items:
        assert item.kind == "sxs" and not item.is_gold
        assert {item.model_left, item.model_right} in ({"cand", "base1"}, {"cand", "base2"})
        assert item.metadata["model_a"] == "cand"
        assert item.metadata["model_b"] in ("base1", "base2")
        assert item.left_text == f"{item.model_left} answers {item.prompt_id}"
        assert item.right_text == f"{item.model_right} answers {item.prompt_id}"
        if item.prompt_id not in MULTI_TURN:
            assert item.prompt_text == f"Question {int(item.prompt_id[-3:])}?"


def _sides(items: Iterable[Item]) -> dict[str, bool]:
    """Per item id: is the candidate shown on the left?"""
    return {i.id: i.model_left == i.metadata["model_a"] for i in items if not i.is_gold}


def test_sides_are_balanced_and_drawn_from_the_secret_only() -> None:
    prompts = [bank_prompt(i) for i in range(400)]
    responses = [response(p.id, m) for p in prompts for m in ("cand", "base")]

    def plan_sides(
        secret: str, ps: Sequence[Prompt] = prompts, rs: Sequence[Response] = responses
    ) -> list[Item]:
        return sxs_plan(ps, rs, ["base"], secret=secret)[0]

    items = plan_sides("secret-1")
    first = _sides(items)
    assert first == _sides(plan_sides("secret-1"))  # the same secret: the same sides
    share = sum(first.values()) / 400
    assert 0.40 < share < 0.60, share  # binomial(400, 0.5): 4 standard deviations either side
    for category in CATS:  # not a function of the category
        mine = [first[i.id] for i in items if i.category == category]
        assert 0.3 < sum(mine) / len(mine) < 0.7, category
    # another secret: new ids, and about half the comparisons change sides
    by_prompt = {i.prompt_id: i for i in items}
    other = plan_sides("secret-2")
    assert not {i.id for i in other} & set(first)
    flipped = sum(
        (i.model_left == "cand") != (by_prompt[i.prompt_id].model_left == "cand") for i in other
    )
    assert 0.40 < flipped / 400 < 0.60, flipped
    # ... and nothing else moves them: not the order of the files, other prompts or models
    shuffled_prompts, shuffled_responses = list(prompts), list(responses)
    random.Random(3).shuffle(shuffled_prompts)
    random.Random(4).shuffle(shuffled_responses)
    extra = [bank_prompt(i) for i in range(400, 420)]
    shuffled_responses += [response(p.id, m) for p in extra for m in ("cand", "base", "zeta")]
    again = _sides(plan_sides("secret-1", [*extra, *shuffled_prompts], shuffled_responses))
    assert {iid: again[iid] for iid in first} == first
    # one comparison, many secrets: left about half the time (no fixed side per prompt)
    one = [bank_prompt(1)]
    lefts = [plan_sides(f"s{n}", one)[0].model_left == "cand" for n in range(200)]
    assert 0.35 < sum(lefts) / 200 < 0.65


def test_missing_and_failed_responses_are_counted() -> None:
    prompts = [bank_prompt(i) for i in range(5)]
    responses = [response(p.id, "cand") for p in prompts]
    responses += [response(p.id, "base") for p in prompts[:3]]  # 2 missing
    responses.append(response(prompts[3].id, "base", error="timeout"))  # 1 failed
    responses[0] = response(prompts[0].id, "cand", error="http 500")  # candidate failed
    items, report = sxs_plan(prompts, responses, ["base"])
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
        sxs_plan(prompts, responses, ["base1"], candidate="nope")
    with pytest.raises(UserError, match="--baselines 'ghost'"):
        sxs_plan(prompts, responses, ["base1", "ghost"])
    with pytest.raises(UserError, match="is the candidate"):
        sxs_plan(prompts, responses, ["cand", "base1"])
    with pytest.raises(UserError, match="--baselines: name at least one"):
        sxs_plan(prompts, responses, [])
    for kind in all_kinds():
        if not kind.comparison:
            request = PlanRequest(run_id="r", secret="s", models=["x"])
            with pytest.raises(UserError, match="--models 'x' has no responses"):
                kind.plan(prompts, responses, request)
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
    items, report = sxs_plan(bank, responses, ["base1"], secret="g", gold=5)
    gold = [i for i in items if i.is_gold]
    assert len(gold) == 5 == report.gold and len({g.id for g in gold}) == 5
    by_id = {p.id: p for p in bank}
    kind = get_kind("sxs")
    for item in gold:
        assert item.kind == "sxs" and item.gold_answer is not None
        better = item.gold_answer["better"]
        assert better in ("left", "right")
        better_text = item.left_text if better == "left" else item.right_text
        worse_text = item.right_text if better == "left" else item.left_text
        worse_model = item.model_right if better == "left" else item.model_left
        prompt = by_id[item.prompt_id]
        assert better_text == (prompt.reference or f"cand answers {prompt.id}")
        other = by_id[item.gold_answer["worse_from_prompt"]]
        assert worse_text == f"cand answers {other.id}" and other.category != prompt.category
        assert worse_model == GOLD_WORSE and item.metadata["model_b"] == GOLD_WORSE
        # never a real model's name, so a gold grade cannot reach a model's rates
        assert {item.model_left, item.model_right, item.metadata["model_a"]} & set(MODELS) == set()
        assert all(m.startswith("gold:") for m in (item.model_left, item.model_right))

        def passed(choice: int, item: Item = item) -> bool | None:
            return kind.gold_correct(item, Grade(item_id=item.id, rater_id="r", choice=choice))

        assert passed(-2 if better == "left" else 2)
        assert not passed(2 if better == "left" else -2) and not passed(0)
    # prompts with a reference answer are used first
    assert sum(item.metadata["model_a"] == "gold:reference" for item in gold) == 3
    assert gold == [
        i for i in sxs_plan(bank, responses, ["base1"], secret="g", gold=5)[0] if i.is_gold
    ]


def test_gold_count_parses_shares_and_counts() -> None:
    assert gold_count("5%", 100) == 5 and gold_count("5%", 30) == 2 and gold_count("3", 30) == 3
    assert gold_count("5%", 24) == 2 and gold_count("10%", 24) == 3
    assert gold_count(None, 30) == 0 and gold_count("0%", 30) == 0 and gold_count("0", 9) == 0
    for bad in ("five", "-2", "150%", "x%"):
        with pytest.raises(UserError, match="--gold"):
            gold_count(bad, 30)
    prompts, responses = make_run(n_bank=4)
    bank = [p for p in prompts if p.suite == "bank"]
    with pytest.raises(UserError, match="only 4 prompts"):
        sxs_plan(bank, responses, ["base1"], gold=9)


# ---------------------------------------------------------------------------- one-response items


def test_summarization_and_safety_items() -> None:
    from evalkit.kinds.summarization import instruction_text

    prompts, responses = make_run()
    request = PlanRequest(run_id="run-1", secret="s", models=["cand", "base1"])
    items, report = get_kind("summarization").plan(prompts, responses, request)
    assert len(items) == 3 * 2 and report.prompts_in_scope == 3
    stacked = next(i for i in items if i.prompt_id == "sum-001")
    assert stacked.kind == "summarization" and stacked.rubric == "summarization"
    assert stacked.source_text == "[1] Doc one text.\n\n[2] Doc two text."
    assert stacked.response_text == f"{stacked.model} answers sum-001"
    assert stacked.metadata["stacked"] is True and stacked.metadata["use_case"] == "email"
    # documents quoted in the request are shown once, in source_text
    quoting = summary_prompt(0).model_copy(
        update={"messages": [Message(role="user", content="Summarize:\n\nDoc one text.")]}
    )
    assert instruction_text(quoting) == "Summarize:\n\n[document 1]"
    request = PlanRequest(run_id="run-1", secret="s", models=["cand"])
    items, report = get_kind("safety").plan(prompts, responses, request)
    assert len(items) == 4 and report.items == 4
    assert {i.metadata["expected"] for i in items} == {"comply", "refuse"}
    assert all(i.kind == "safety" and i.metadata["area"] == "harmful_content" for i in items)
    assert all(
        i.model == "cand" and i.response_text == f"cand answers {i.prompt_id}" for i in items
    )


# ---------------------------------------------------------------------------- multi-turn prompts


def _texts(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(_texts(v) for v in value.values())
    return str(value)


@pytest.mark.parametrize("kind_name", KINDS)
def test_multi_turn_prompts_keep_every_turn(kind_name: str, tmp_path: Path) -> None:
    """Regression: a dialogue is graded on the whole conversation, system prompt included — not
    on its last user message — by raters, the judge and Label Studio alike."""
    prompts, responses = make_run()
    run_dir = write_run(tmp_path / "run", prompts, responses)
    add_raters(run_dir / "grades.sqlite", ["r1"])
    result = plan(run_dir, kind_options(kind_name, raters_per_item=1))
    kind = get_kind(kind_name)
    rubric = kind.load_rubric()
    with GradeStore(run_dir / "grades.sqlite") as store:
        stored = store.items(kind_name)
    assert {i.id for i in stored} == {i.id for i in result.items}
    dialogues = [i for i in stored if i.prompt_id in MULTI_TURN]
    assert dialogues, "the run's dialogue was not planned"
    for item in dialogues:
        text = item.prompt_text
        positions = [text.find(content) for _, content in TURNS]
        assert -1 not in positions, f"turns lost: {text!r}"
        assert positions == sorted(positions)  # in the order they were said
        assert text != TURNS[-1][1]
        assert kind.view(item, "h").prompt_text == text  # what the rater's page shows
        asked = "\n".join(
            m.content for request in kind.judge_requests(item, rubric) for m in request.messages
        )
        task = _texts(kind.ls_task(item, rubric))
        for _, content in TURNS:
            assert content in asked, f"the judge is not shown {content!r}"
            assert content in task, f"the Label Studio task lacks {content!r}"
    single = [i for i in stored if i.prompt_id not in MULTI_TURN]
    assert all("SYSTEM TURN" not in i.prompt_text for i in single)


# ---------------------------------------------------------------------------- assignment


@pytest.mark.parametrize(
    ("n_items", "n_raters", "k"), [(37, 7, 3), (10, 3, 3), (5, 8, 2), (100, 4, 1), (1, 5, 5)]
)
def test_assignment_is_balanced_with_k_distinct_raters(n_items: int, n_raters: int, k: int) -> None:
    items = [f"i{i}" for i in range(n_items)]
    raters = [f"r{j}" for j in range(n_raters)]
    pairs = assign_balanced(items, raters, k, secret="x")
    per_item: dict[str, list[str]] = {}
    for item, rater in pairs:
        per_item.setdefault(item, []).append(rater)
    assert sorted(per_item) == sorted(items)
    assert all(len(rs) == k == len(set(rs)) for rs in per_item.values())
    load = Counter(rater for _, rater in pairs)
    counts = [load.get(r, 0) for r in raters]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == n_items * k
    assert pairs == assign_balanced(items, raters, k, secret="x")


def test_assignment_balances_against_existing_load() -> None:
    pairs = assign_balanced(
        [f"i{i}" for i in range(6)], ["a", "b", "c"], 1, secret="s", load={"a": 4}
    )
    assert Counter(rater for _, rater in pairs) == {"b": 3, "c": 3}
    pairs = assign_balanced(
        [f"i{i}" for i in range(10)], ["a", "b", "c"], 1, secret="s", load={"a": 4}
    )
    totals = Counter(rater for _, rater in pairs) + Counter({"a": 4})
    assert max(totals.values()) - min(totals.values()) <= 1


def test_assignment_interleaves_item_order_by_secret() -> None:
    items = [f"i{i:02d}" for i in range(30)]
    order = [item for item, _ in assign_balanced(items, ["a"], 1, secret="5")]
    assert sorted(order) == items and order != items
    assert order != [item for item, _ in assign_balanced(items, ["a"], 1, secret="6")]


def test_assignment_errors() -> None:
    with pytest.raises(UserError, match="needs 3 distinct raters but only 2"):
        assign_balanced(["i"], ["a", "b"], 3, secret="s")
    with pytest.raises(UserError, match="at least one rater"):
        assign_balanced(["i"], ["a"], 0, secret="s")
    with pytest.raises(UserError, match="named twice"):
        assign_balanced(["i"], ["a", "a"], 1, secret="s")


def test_every_rater_pair_shares_items_when_k_is_2() -> None:
    """Agreement needs overlap: with k=2 over 4 raters, items go to every pair of raters."""
    pairs = assign_balanced([f"i{i}" for i in range(60)], list("abcd"), 2, secret="0")
    groups: dict[str, set[str]] = {}
    for item, rater in pairs:
        groups.setdefault(item, set()).add(rater)
    seen = {frozenset(g) for g in groups.values()}
    assert len(seen) == 6 and all(len(g) == 2 for g in seen)  # all 6 pairs of 4 raters
    assert set(itertools.chain.from_iterable(seen)) == set("abcd")


# ---------------------------------------------------------------------------- plans in a store


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    prompts, responses = make_run()
    return write_run(tmp_path / "runs" / "demo", prompts, responses)


def _plan_into(run_dir: Path, db: Path, kind: str, **fields: Any) -> PlanResult:
    if not db.exists():
        add_raters(db, ["r1", "r2", "r3"])
    return plan(run_dir, kind_options(kind, raters_per_item=2, db=str(db), **fields))


def _contents(db: Path) -> tuple[list[Item], list[tuple[str, str, int]]]:
    with GradeStore(db) as store:
        table = store.assignments()
        return store.items(), sorted(
            zip(table.item_id, table.rater_id, table.position, strict=True)
        )


@pytest.mark.parametrize("kind_name", KINDS)
def test_item_ids_are_opaque_and_drawn_per_plan(
    kind_name: str, run_dir: Path, tmp_path: Path
) -> None:
    """Ids name no run, prompt or model, and differ between two plans of the same run; only
    `--seed` makes two plans identical (and says that it weakens blinding)."""
    prompts, _ = make_run()
    plain = [_plan_into(run_dir, tmp_path / f"plain{n}.sqlite", kind_name) for n in (1, 2)]
    ids = [{item.id for item in result.items} for result in plain]
    assert ids[0] and len(ids[0]) == len(ids[1]) and not ids[0] & ids[1]
    public = {"demo", "run-1", *MODELS, *(p.id for p in prompts)}
    for iid in ids[0] | ids[1]:
        assert re.fullmatch(r"[a-z]+-[0-9a-f]{16}", iid), iid
        assert not any(name in iid for name in public), iid
    assert all(result.warnings == [] for result in plain)
    if get_kind(kind_name).comparison:  # the sides were drawn afresh too
        left = [
            {(i.prompt_id, i.metadata["model_b"]): i.model_left for i in r.items} for r in plain
        ]
        assert left[0] != left[1]
    seeded = [
        _plan_into(run_dir, tmp_path / f"seeded{n}.sqlite", kind_name, seed=7) for n in (1, 2)
    ]
    assert all(result.warnings == [SEED_WARNING] for result in seeded)
    assert "weakens blinding" in SEED_WARNING
    assert seeded[0].items == seeded[1].items  # ids, sides, texts
    assert _contents(tmp_path / "seeded1.sqlite") == _contents(tmp_path / "seeded2.sqlite")
    assert {i.id for i in seeded[0].items}.isdisjoint(ids[0] | ids[1])


def test_replanning_adds_nothing_and_keeps_loads_within_one(run_dir: Path) -> None:
    db = run_dir / "grades.sqlite"
    add_raters(db, ["r1", "r2", "r3", "r4"])
    firsts = {}
    for kind in KINDS:
        gold = "2" if get_kind(kind).comparison else None
        firsts[kind] = plan(run_dir, kind_options(kind, raters_per_item=2, gold=gold))
        assert firsts[kind].added == len(firsts[kind].items) > 0
    with GradeStore(db) as store:
        before, load = store.items(), loads(store)
    assert max(load.values()) - min(load.values()) <= 1
    for kind in KINDS:
        gold = "2" if get_kind(kind).comparison else None
        again = plan(run_dir, kind_options(kind, raters_per_item=2, gold=gold))
        assert (again.added, again.assignments) == (0, 0)
        assert again.already_planned == len(firsts[kind].items)
        assert again.items == firsts[kind].items
    with GradeStore(db) as store:
        assert store.items() == before and loads(store) == load
    # the run grows: only the new comparisons are added, the planned ones keep ids and sides
    prompts, responses = make_run(n_bank=15)
    write_run(run_dir, prompts, responses)
    grown = plan(run_dir, kind_options("sxs", raters_per_item=2))
    assert grown.added == 3 * 2 and grown.already_planned == len(firsts["sxs"].items) - 2
    now = {item.id: item for item in grown.items}
    assert all(now[item.id] == item for item in firsts["sxs"].items if not item.is_gold)
    with GradeStore(db) as store:
        load = loads(store)
    assert max(load.values()) - min(load.values()) <= 1
    # another secret would plan the same comparisons again under new ids: refused
    with pytest.raises(UserError, match="already planned .* under other ids"):
        plan(run_dir, kind_options("sxs", raters_per_item=2, seed=3))
    with GradeStore(db) as store:
        assert len(store.items()) == len(before) + 3 * 2


def test_gold_from_a_share_or_a_count(run_dir: Path, tmp_path: Path) -> None:
    share = _plan_into(run_dir, tmp_path / "share.sqlite", "sxs", gold="5%")
    assert share.report.gold == 2 == sum(i.is_gold for i in share.items)  # ceil(5% of 24)
    count = _plan_into(run_dir, tmp_path / "count.sqlite", "sxs", gold="3")
    assert count.report.gold == 3 == sum(i.is_gold for i in count.items)
    with GradeStore(tmp_path / "count.sqlite") as store:
        stored = [i for i in store.items() if i.is_gold]
        assignments = store.assignments()
    assert len(stored) == 3 and set(assignments["item_id"]) >= {i.id for i in stored}
    references = {p.id: p.reference for p in make_run()[0]}
    for item in stored:  # the better side is recorded, and it holds the better text
        better = item.gold_answer["better"]
        assert (item.model_left if better == "left" else item.model_right) != GOLD_WORSE
        text = item.left_text if better == "left" else item.right_text
        assert text == references[item.prompt_id] or text == f"cand answers {item.prompt_id}"
    for kind in all_kinds():
        if not hasattr(kind, "gold_items"):
            with pytest.raises(UserError, match="no gold rule"):
                _plan_into(run_dir, tmp_path / f"{kind.name}.sqlite", kind.name, gold="2")


def test_gold_grades_never_reach_a_models_rates(run_dir: Path) -> None:
    from evalkit.stats.engine import statistics_table
    from evalkit.stats.runs import load_run_frames

    add_raters(run_dir / "grades.sqlite", ["r1", "r2"])
    result = plan(run_dir, kind_options("sxs", raters_per_item=2, gold="4"))
    n_gold = sum(i.is_gold for i in result.items)
    assert n_gold == 4
    with GradeStore(run_dir / "grades.sqlite") as store:
        # gold grades all "B (right) much better": counted, they would add gold:* rows
        grade_all(store, seed=1, gold={"choice": 2})
    frames = load_run_frames(run_dir)
    grades = frames.kind("sxs")
    assert grades["is_gold"].sum() == 2 * n_gold
    table = statistics_table(frames)
    sxs = table[table["metric"].str.startswith("sxs_")].reset_index(drop=True)
    assert not sxs.empty
    named = set(sxs["model"]) | set(sxs["baseline"])
    assert named == {"cand", "base1", "base2"}  # no gold:* pseudo-model
    frames.grades["sxs"] = grades[~grades["is_gold"]].reset_index(drop=True)
    without = statistics_table(frames)
    without = without[without["metric"].str.startswith("sxs_")].reset_index(drop=True)
    pd.testing.assert_frame_equal(sxs, without)
    row = sxs[
        (sxs["metric"] == "sxs_win_rate")
        & (sxs["model"] == "cand")
        & (sxs["baseline"] == "base1")
        & (sxs["group"] == "all")
        & (sxs["graders"] == "human")
    ]
    assert len(row) == 1 and int(row["n_items"].iloc[0]) == 12  # the 12 comparisons, no gold


def test_replanning_a_grown_run_keeps_its_gold_items(run_dir: Path) -> None:
    add_raters(run_dir / "grades.sqlite", ["r1", "r2"])
    first = plan(run_dir, kind_options("sxs", raters_per_item=2, gold="3", seed=11))
    prompts, responses = make_run(n_bank=16)
    write_run(run_dir, prompts, responses)
    grown = plan(run_dir, kind_options("sxs", raters_per_item=2, gold="3", seed=11))
    now = {item.id: item for item in grown.items}
    assert all(now.get(item.id, item) == item for item in first.items)
