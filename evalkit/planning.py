"""Planning grading work: items of a grading kind from a run, stored and assigned to raters.

`plan(run_dir, PlanOptions(...))` does what `evalkit plan <kind>` does, so the Python API can do
everything the CLI does: select the run's prompts, ask the kind for its items, add gold items,
check the raters, store the items (the only step besides `store init` that creates a store),
assign each new item to k distinct raters and write `plans/<name>.json`.

Blinding: sides, queue order and gold placement come from a secret drawn per (run, kind) and
kept in the grade store only (`GradeStore.plan_secret`). `--seed` replaces it by a reproducible
one for tests; that weakens blinding (anyone with the code and the seed can re-derive sides),
and the plan says so.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import UserError
from evalkit.jsonio import check_outputs, write_text
from evalkit.kinds.base import PlanReport, PlanRequest, get_kind, secret_hash
from evalkit.records import Item, Prompt
from evalkit.rundir import RunDir

SEED_WARNING = (
    "--seed makes sides and queue order reproducible from the seed: fine for tests, but it "
    "weakens blinding (leave it out for real grading)"
)


@dataclass
class PlanOptions:
    kind: str
    raters_per_item: int = 3
    rater_names: Sequence[str] = ()
    candidate: str | None = None
    baselines: Sequence[str] = ()
    models: Sequence[str] = ()
    categories: Sequence[str] = ()
    suites: Sequence[str] | None = None  # None: the kind's default scope
    gold: str | None = None  # "5%" or a count
    seed: int | None = None  # reproducible (weaker) blinding, for tests
    db: str | None = None
    rubrics_dir: str | None = None


@dataclass
class PlanResult:
    kind: str
    items: list[Item]
    report: PlanReport
    added: int
    already_planned: int
    assignments: int
    raters: list[str]
    load: dict[str, int]
    store_url: str
    plan_path: Path
    warnings: list[str] = field(default_factory=list)


def gold_count(spec: str | None, n_items: int) -> int:
    """`5%` -> ceil(5% of the items); `4` -> 4; None/0 -> 0."""
    if spec is None or str(spec).strip() in ("", "0", "0%"):
        return 0
    text = str(spec).strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 <= share <= 100:
                raise ValueError
            return math.ceil(n_items * share / 100)
        count = int(text)
        if count < 0:
            raise ValueError
        return count
    except ValueError:
        raise UserError(f"--gold {spec}: use a share like 5% or a count like 10") from None


def select_prompts(
    prompts: Mapping[str, Prompt],
    *,
    categories: Sequence[str] = (),
    suites: Sequence[str] = (),
) -> list[Prompt]:
    """The run's prompts in a stable order, filtered by category and suite (validated)."""
    chosen = sorted(prompts.values(), key=lambda p: p.id)
    if suites:
        known = sorted({p.suite for p in chosen})
        unknown = [s for s in suites if s not in known]
        if unknown:
            raise UserError(f"--suite {','.join(unknown)}: not in this run (suites: {known})")
        chosen = [p for p in chosen if p.suite in suites]
    if categories:
        known = sorted({p.category for p in chosen if p.category})
        unknown = [c for c in categories if c not in known]
        if unknown:
            raise UserError(
                f"--category {','.join(unknown)}: no such prompts in this run "
                f"(categories: {', '.join(known) or 'none'})"
            )
        chosen = [p for p in chosen if p.category in categories]
    return chosen


def assign_balanced(
    item_ids: Sequence[str],
    rater_ids: Sequence[str],
    k: int,
    *,
    secret: str,
    load: Mapping[str, int] | None = None,
) -> list[tuple[str, str]]:
    """(item_id, rater_id) pairs: each item to k distinct raters, loads within one of each other.

    Items are shuffled (so gold items and baselines are interleaved in each rater's queue), then
    each goes to the k raters with the least load, ties broken at random so raters are grouped
    in many combinations (agreement statistics need that). Greedy least-load keeps
    max(load) - min(load) <= 1 from equal loads (`load` carries existing assignments)."""
    raters = list(dict.fromkeys(rater_ids))
    if len(raters) != len(rater_ids):
        raise UserError("--rater-names: a rater is named twice")
    if k < 1:
        raise UserError(f"--raters {k}: each item needs at least one rater")
    if k > len(raters):
        raise UserError(
            f"--raters {k}: each item needs {k} distinct raters but only {len(raters)} are "
            f"available ({', '.join(raters) or 'none'}); add raters with `evalkit raters add`"
        )
    rng = random.Random(secret_hash("order", secret, length=32))
    order = list(item_ids)
    rng.shuffle(order)
    current = {r: int((load or {}).get(r, 0)) for r in raters}
    pairs: list[tuple[str, str]] = []
    for iid in order:
        ties = {r: rng.random() for r in raters}
        for rater in sorted(raters, key=lambda r: (current[r], ties[r]))[:k]:
            current[rater] += 1
            pairs.append((iid, rater))
    return pairs


def plan(run_dir: str | Path, options: PlanOptions) -> PlanResult:
    """Plan one kind's items of a run into its grade store (see the module docstring).

    Every mistake (a model with no responses, a bad --gold, k above the raters, no raters, an
    output that cannot be written, a damaged store) is found before the store is created or the
    run folder records anything."""
    from evalkit.store import GradeStore

    kind = get_kind(options.kind)
    rundir = RunDir(run_dir).require()
    chosen, responses, run_id, rubric, suites, everything = _inputs(rundir, kind, options)
    chosen_ids = {p.id for p in chosen}
    decoys = [p for p in everything if p.id not in chosen_ids]
    if options.raters_per_item < 1:
        raise UserError(f"--raters {options.raters_per_item}: each item needs at least one rater")
    warnings = [SEED_WARNING] if options.seed is not None else []
    name = f"{kind.name}-{options.candidate}" if kind.comparison else kind.name
    # a dry plan with a throwaway secret checks the models, the gold spec and the scope
    _items(kind, chosen, responses, options, _request(run_id, "check", rubric, options), decoys)
    check_outputs(*_plan_paths(rundir, name))
    if not rundir.has_store(options.db):
        _rater_ids(None, options.rater_names, rundir.store_url(options.db, create=True))
    with GradeStore(rundir.store_url(options.db, create=True)) as store:
        raters = _rater_ids(store, options.rater_names)
        if options.raters_per_item > len(raters):
            assign_balanced([], raters, options.raters_per_item, secret="")  # its clear error
        with rundir.writing(f"plan {kind.name}"):
            secret = (
                f"seed:{options.seed}"
                if options.seed is not None
                else store.plan_secret(run_id, kind.name)
            )
            request = _request(run_id, secret, rubric, options)
            items, report = _items(kind, chosen, responses, options, request, decoys)
            _check_secret(items, store, rundir, kind.name)
            table = store.assignments()
            planned = set(table["item_id"])
            load = table.groupby("rater_id").size().to_dict() if len(table) else {}
            new_items = [item.id for item in items if item.id not in planned]
            pairs = assign_balanced(
                new_items, raters, options.raters_per_item, secret=secret, load=load
            )
            added = store.add_items(items)
            assigned = store.assign_many(pairs)
            loads = store.assignments().groupby("rater_id").size()
            load_now = {r: int(loads.get(r, 0)) for r in raters}
            store_url = store.display_url
            plan_path = _write_plan(
                rundir,
                name,
                {
                    "kind": kind.name,
                    "run_dir": str(rundir.path),
                    "raters_per_item": options.raters_per_item,
                    "raters": raters,
                    "db": store_url,
                    "blinding": (
                        "seeded (reproducible, weaker)" if options.seed is not None else "secret"
                    ),
                    "counts": report.as_dict()
                    | {"new_items": added, "already_planned": len(items) - len(new_items)},
                    "assignments_added": assigned,
                    "load": load_now,
                    "item_ids": [item.id for item in items],
                    "candidate": options.candidate,
                    "baselines": list(options.baselines),
                    "models": list(options.models),
                    "categories": list(options.categories),
                    "suites": suites,
                    "gold": options.gold,
                },
            )
    return PlanResult(
        kind.name, items, report, added, len(items) - len(new_items), assigned, raters,
        load_now, store_url, plan_path, warnings,
    )  # fmt: skip


def _inputs(
    rundir: RunDir, kind: Any, options: PlanOptions
) -> tuple[list[Prompt], list[Any], str, Any, list[str], list[Prompt]]:
    """The prompts in scope, the responses, the run id, the rubric and the suites chosen."""
    from evalkit.runner import load_responses, load_run_prompts

    prompts = load_run_prompts(rundir.path)
    responses = load_responses(rundir.path)
    rubric = kind.load_rubric(options.rubrics_dir)
    suites = list(options.suites or [])
    if options.suites is None and kind.comparison:
        suites = ["bank"]
        if not any(p.suite == "bank" for p in prompts.values()):
            raise UserError(
                f"{rundir.path}: no prompts of suite 'bank' in this run; choose --suite "
                f"({', '.join(sorted({p.suite for p in prompts.values()}))}) or --suite all"
            )
    if suites == ["all"]:
        suites = []
    chosen = select_prompts(prompts, categories=options.categories, suites=suites)
    return chosen, responses, rundir.run_id, rubric, suites, list(prompts.values())


def _answered(responses: Sequence[Any]) -> set[tuple[str, str]]:
    return {(r.prompt_id, r.model) for r in responses if r.ok and (r.text or "").strip()}


def _request(run_id: str, secret: str, rubric: Any, options: PlanOptions) -> PlanRequest:
    return PlanRequest(
        run_id=run_id,
        secret=secret,
        rubric_version=getattr(rubric, "version", None),
        models=list(options.models),
        candidate=options.candidate,
        baselines=list(options.baselines),
    )


def _items(
    kind: Any,
    chosen: list[Prompt],
    responses: list[Any],
    options: PlanOptions,
    request: PlanRequest,
    decoys: Sequence[Prompt] = (),
) -> tuple[list[Item], PlanReport]:
    """The kind's items plus gold items; an empty plan is an error that says why. Gold decoys
    come from `decoys` (the run's prompts outside the plan) when they have responses."""
    items, report = kind.plan(chosen, responses, request)
    n_gold = gold_count(options.gold, len(items))
    if n_gold:
        gold_items = getattr(kind, "gold_items", None)
        if gold_items is None:
            raise UserError(f"--gold: {kind.name} items have no gold rule")
        request.gold = n_gold
        gold = gold_items(chosen, responses, options.candidate, request, decoys)
        items += gold
        report.gold = len(gold)
        if not any((p.id, options.candidate) in _answered(responses) for p in decoys):
            report.notes.append(
                "gold decoys come from planned prompts (the run has no other prompts with "
                "responses): a careful rater may recognise a decoy from its own item"
            )
    if not items:
        missing = "; ".join(report.missing_lines()) or "none"
        raise UserError(
            f"no {kind.name} items to plan ({report.prompts_in_scope} prompts in scope; "
            f"responses missing or failed: {missing})"
        )
    return items, report


def _identity(item: Item) -> tuple[Any, ...]:
    """What an item grades, whatever the secret behind its id and sides: a run's prompt and the
    response(s) of the same model(s)."""
    shown = tuple(sorted(m for m in (item.model_left, item.model_right) if m))
    return (item.kind, item.run_id, item.prompt_id, item.model, shown, item.is_gold)


def _check_secret(items: Sequence[Item], store: Any, rundir: RunDir, kind: str) -> None:
    """Refuse to plan again, under other ids, what the store already holds: another --seed (or
    none, after a seeded plan) draws new ids and sides, so the same responses would be graded
    twice as different items, and their grades counted twice."""
    new = {item.id for item in items}
    earlier = {
        _identity(item): item.id
        for item in store.items(kind)
        if item.id not in new and not item.is_gold  # attention checks may be redrawn
    }
    clash = [item for item in items if not item.is_gold and _identity(item) in earlier]
    if clash:
        raise UserError(
            f"{rundir.path}: {len(clash)} of these {kind} items are already planned in "
            f"{store.display_url} under other ids (e.g. prompt {clash[0].prompt_id!r}): that "
            "plan used another --seed (or none), or compared the same models the other way "
            "round; re-plan as before, or plan into a new store with --db"
        )


def _rater_ids(store: Any, rater_names: Sequence[str], where: str | None = None) -> list[str]:
    """The raters to assign: the named ones (active), else every active rater; `store` None
    means the store does not exist yet, so there is no rater to find (`where` names it)."""
    display = where or store.display_url
    active = {r.id: r for r in store.raters(active_only=True)} if store is not None else {}
    if rater_names:
        unknown = [n for n in rater_names if n not in active]
        if unknown:
            raise UserError(
                f"--rater-names: no active rater {', '.join(map(repr, unknown))} in "
                f"{display} (active: {', '.join(active) or 'none'})"
            )
        return list(rater_names)
    names = [r.id for r in active.values() if r.role == "rater"]
    if not names:
        raise UserError(
            f"no active raters in {display}: add them first with "
            "`evalkit raters add NAME` (same --db or run folder)"
        )
    return names


def _plan_paths(rundir: RunDir, name: str) -> tuple[Path, Path]:
    return rundir.path / "plans" / f"{name}.json", rundir.path / "plan.json"


def _write_plan(rundir: RunDir, name: str, plan: dict[str, Any]) -> Path:
    """RUN_DIR/plan.json is the latest plan; RUN_DIR/plans/<name>.json keeps one per kind."""
    text = json.dumps(plan, indent=2, ensure_ascii=False) + "\n"
    for path in _plan_paths(rundir, name):
        write_text(path, text)
    return rundir.path / "plan.json"
