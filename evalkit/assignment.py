"""Planning grading work: build items from a run and assign them to raters.

Pure functions (no store, no I/O) so the rules are tested directly:

- **side by side** (`sxs_items`): one item per (prompt, baseline) with the candidate's and the
  baseline's sample-0 responses on the same prompt. Which model is shown on the left is drawn
  per item from `random.Random(side_seed)`, where `side_seed` is derived from the plan seed and
  the item id and recorded in the item, so every side can be re-derived and audited.
- **gold** (`gold_items`): attention checks with a known answer. The better side is the
  prompt's reference answer when it has one, else the candidate's own response; the worse side
  is the same model's response to a *different* prompt of another category, i.e. an answer
  that does not address the request at all. `gold_answer` records the better side and the
  choices that count as correct. Gold items carry model names `gold:*`, never a real model's,
  so a gold grade can never leak into a model's win rate.
- **summarization** / **safety** (`summarization_items`, `safety_items`): one item per
  (prompt, model) response.
- **assignment** (`assign_balanced`): each item to k distinct raters, always choosing the
  least-loaded raters (ties: least recently chosen), so loads differ by at most one.

Item ids are hashes, never model names, because raters may see an item id.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalkit.errors import UserError
from evalkit.records import Item, Prompt, Response

SXS_RUBRIC = "side_by_side"
SUMMARIZATION_RUBRIC = "summarization"
SAFETY_RUBRIC = "safety"
GOLD_WORSE = "gold:irrelevant"
GOLD_REFERENCE = "gold:reference"


@dataclass
class PlanReport:
    """What a planning step made and what it could not make (never dropped in silence)."""

    kind: str
    prompts_in_scope: int = 0
    items: int = 0
    gold: int = 0
    # (model, reason) -> count, e.g. ("gemma3-270m", "error") -> 2
    missing: Counter[tuple[str, str]] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def missing_total(self) -> int:
        return sum(self.missing.values())

    def missing_lines(self) -> list[str]:
        return [
            f"{model}: {count} response(s) {reason}"
            for (model, reason), count in sorted(self.missing.items())
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "prompts_in_scope": self.prompts_in_scope,
            "items": self.items,
            "gold": self.gold,
            "missing": [
                {"model": model, "reason": reason, "count": count}
                for (model, reason), count in sorted(self.missing.items())
            ],
            "notes": self.notes,
        }


# ---------------------------------------------------------------------------- helpers


def stable_hash(*parts: object, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:length]


def item_id(kind: str, *parts: object) -> str:
    """A stable, opaque item id: the same plan gives the same ids; no model name shows."""
    return f"{kind}-{stable_hash(kind, *parts)}"


def side_seed_for(seed: int, item_key: str) -> int:
    """The per-item seed recorded in the item: derived from the plan seed and the item id."""
    return int(stable_hash("side", seed, item_key, length=8), 16)


def candidate_on_left(side_seed: int) -> bool:
    """Which side the candidate is shown on, re-derivable from the item's recorded side seed."""
    return random.Random(side_seed).random() < 0.5


def conversation_text(prompt: Prompt) -> str:
    """What a rater reads as the request: the user text, or the labelled turns of a dialogue."""
    if len(prompt.messages) == 1:
        return prompt.messages[0].content
    return "\n\n".join(f"[{m.role}]\n{m.content}" for m in prompt.messages)


def responses_by_key(
    responses: Iterable[Response], sample: int = 0
) -> dict[tuple[str, str], Response]:
    """(prompt_id, model) -> the response of the given sample."""
    return {(r.prompt_id, r.model): r for r in responses if r.sample == sample}


def run_models(responses: Iterable[Response]) -> list[str]:
    return sorted({r.model for r in responses})


def _usable(
    table: Mapping[tuple[str, str], Response], prompt_id: str, model: str, report: PlanReport
) -> Response | None:
    response = table.get((prompt_id, model))
    if response is None:
        report.missing[(model, "missing")] += 1
        return None
    if not response.ok or response.text is None:
        report.missing[(model, "failed (error recorded in the run)")] += 1
        return None
    return response


def check_models(names: Sequence[str], known: Sequence[str], what: str) -> None:
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(
            f"{what} {', '.join(map(repr, unknown))} has no responses in this run "
            f"(models in the run: {', '.join(known) or 'none'})"
        )


def select_prompts(
    prompts: Mapping[str, Prompt],
    *,
    categories: Sequence[str] | None = None,
    suites: Sequence[str] | None = None,
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


# ---------------------------------------------------------------------------- side by side


def sxs_items(
    prompts: Sequence[Prompt],
    responses: Iterable[Response],
    candidate: str,
    baselines: Sequence[str],
    *,
    run_id: str,
    seed: int = 0,
    rubric_version: int | str | None = None,
) -> tuple[list[Item], PlanReport]:
    """One comparison per (prompt, baseline): the candidate's vs the baseline's sample-0 response.

    model_a (recorded in metadata) is always the candidate; the shown sides are randomized per
    item from its recorded `side_seed`. A missing or failed response is counted in the report.
    """
    responses = list(responses)
    known = run_models(responses)
    if not baselines:
        raise UserError("--baselines: name at least one baseline model")
    if candidate in baselines:
        raise UserError(f"--baselines: {candidate!r} is the candidate; compare it with others")
    check_models([candidate], known, "--candidate")
    check_models(list(baselines), known, "--baselines")
    table = responses_by_key(responses)
    report = PlanReport(kind="sxs", prompts_in_scope=len(prompts))
    items: list[Item] = []
    for prompt in prompts:
        for baseline in baselines:
            cand = _usable(table, prompt.id, candidate, report)
            base = _usable(table, prompt.id, baseline, report)
            if cand is None or base is None:
                continue
            items.append(
                _sxs_item(prompt, cand, base, run_id=run_id, seed=seed, version=rubric_version)
            )
    report.items = len(items)
    return items, report


def _sxs_item(
    prompt: Prompt, cand: Response, base: Response, *, run_id: str, seed: int, version: Any
) -> Item:
    iid = item_id("sxs", run_id, prompt.id, cand.model, base.model)
    side_seed = side_seed_for(seed, iid)
    left, right = (cand, base) if candidate_on_left(side_seed) else (base, cand)
    return Item(
        id=iid,
        kind="sxs",
        run_id=run_id,
        prompt_id=prompt.id,
        category=prompt.category,
        prompt_text=conversation_text(prompt),
        left_text=left.text,
        right_text=right.text,
        model_left=left.model,
        model_right=right.model,
        rubric=SXS_RUBRIC,
        rubric_version=version,
        side_seed=side_seed,
        metadata={
            "model_a": cand.model,
            "model_b": base.model,
            "difficulty": prompt.difficulty,
            "suite": prompt.suite,
            "plan_seed": seed,
        },
    )


def gold_count(spec: str | None, n_items: int) -> int:
    """`--gold 5%` -> ceil(5% of the items); `--gold 4` -> 4; None/0 -> 0."""
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


def gold_items(
    prompts: Sequence[Prompt],
    responses: Iterable[Response],
    candidate: str,
    count: int,
    *,
    run_id: str,
    seed: int = 0,
    rubric_version: int | str | None = None,
) -> list[Item]:
    """`count` attention checks: a clearly better response against an irrelevant one.

    Better: the prompt's reference answer if it has one (model `gold:reference`), else the
    candidate's own response (model `gold:<candidate>`). Worse: the candidate's response to
    another prompt of a different category (`gold:irrelevant`). Prompts with a reference come
    first. gold_answer = {"better": "left"|"right", "correct": [choices that pass]}.
    """
    if count <= 0:
        return []
    table = responses_by_key(responses)
    usable = [p for p in prompts if _ok_text(table.get((p.id, candidate)))]
    if len(usable) < 2:
        raise UserError(
            f"--gold: needs at least two prompts with responses by {candidate!r} "
            f"(found {len(usable)})"
        )
    rng = random.Random(stable_hash("gold", seed))
    order = list(usable)
    rng.shuffle(order)
    order.sort(key=lambda p: p.reference is None)  # stable: reference answers first
    if count > len(order):
        raise UserError(f"--gold: asked for {count} gold items but only {len(order)} prompts fit")
    items = []
    for prompt in order[:count]:
        others = [p for p in usable if p.id != prompt.id and p.category != prompt.category]
        others = others or [p for p in usable if p.id != prompt.id]
        other = rng.choice(others)
        better_text = prompt.reference or table[(prompt.id, candidate)].text or ""
        better_model = GOLD_REFERENCE if prompt.reference else f"gold:{candidate}"
        worse_text = table[(other.id, candidate)].text or ""
        iid = item_id("sxs", run_id, "gold", prompt.id, seed)
        side_seed = side_seed_for(seed, iid)
        better_left = candidate_on_left(side_seed)
        items.append(
            Item(
                id=iid,
                kind="sxs",
                run_id=run_id,
                prompt_id=prompt.id,
                category=prompt.category,
                prompt_text=conversation_text(prompt),
                left_text=better_text if better_left else worse_text,
                right_text=worse_text if better_left else better_text,
                model_left=better_model if better_left else GOLD_WORSE,
                model_right=GOLD_WORSE if better_left else better_model,
                rubric=SXS_RUBRIC,
                rubric_version=rubric_version,
                is_gold=True,
                gold_answer={
                    "better": "left" if better_left else "right",
                    "correct": [-2, -1] if better_left else [1, 2],
                    "worse_from_prompt": other.id,
                },
                side_seed=side_seed,
                metadata={"model_a": better_model, "model_b": GOLD_WORSE, "plan_seed": seed},
            )
        )
    return items


def _ok_text(response: Response | None) -> bool:
    return response is not None and response.ok and bool((response.text or "").strip())


def gold_passed(item: Item, choice: int) -> bool:
    """Whether a display choice on a gold item picks the better side."""
    if not item.is_gold or not item.gold_answer:
        raise ValueError(f"item {item.id} is not a gold item")
    return choice in item.gold_answer["correct"]


# ---------------------------------------------------------------------------- one response


def summarization_prompts(prompts: Sequence[Prompt]) -> list[Prompt]:
    """Prompts of the summarization sets: they carry documents or a use case."""
    return [p for p in prompts if p.documents or p.use_case]


def safety_prompts(prompts: Sequence[Prompt]) -> list[Prompt]:
    """Prompts of the adversarial suites: they carry a risk area."""
    return [p for p in prompts if p.risk_area]


@dataclass(frozen=True)
class OneResponseItems:
    """Plans one item per (prompt in scope, model) sample-0 response; a missing or failed
    response is counted in the report. Called as `summarization_items(prompts, responses,
    models, run_id=...)` or `safety_items(...)`; the kinds differ only in what is declared here."""

    kind: str
    id_prefix: str
    rubric: str
    scope: Callable[[Sequence[Prompt]], list[Prompt]]  # the prompts of this kind
    fields: Callable[[Prompt], dict[str, Any]]  # what the kind shows: request, source, metadata

    def __call__(
        self,
        prompts: Sequence[Prompt],
        responses: Iterable[Response],
        models: Sequence[str],
        *,
        run_id: str,
        rubric_version: int | str | None = None,
    ) -> tuple[list[Item], PlanReport]:
        responses = list(responses)
        check_models(list(models), run_models(responses), "--models")
        table = responses_by_key(responses)
        scope = self.scope(prompts)
        report = PlanReport(kind=self.kind, prompts_in_scope=len(scope))
        items = []
        for prompt in scope:
            for model in models:
                response = _usable(table, prompt.id, model, report)
                if response is None:
                    continue
                items.append(
                    Item(
                        id=item_id(self.id_prefix, run_id, prompt.id, model),
                        kind=self.kind,
                        run_id=run_id,
                        prompt_id=prompt.id,
                        category=prompt.category or self.kind,
                        response_text=response.text,
                        model=model,
                        rubric=self.rubric,
                        rubric_version=rubric_version,
                        **self.fields(prompt),
                    )
                )
        report.items = len(items)
        return items, report


def _summarization_fields(prompt: Prompt) -> dict[str, Any]:
    """The documents, the request without them, and the strata of the sample."""
    return {
        "prompt_text": instruction_text(prompt),
        "source_text": _documents_text(prompt),
        "metadata": {
            "use_case": prompt.use_case,
            "content_type": prompt.content_type,
            "length_bucket": prompt.length_bucket,
            "stacked": prompt.stacked,
            "n_docs": prompt.n_docs,
            "max_sentences": prompt.max_sentences,
        },
    }


def _safety_fields(prompt: Prompt) -> dict[str, Any]:
    """The request and its risk area: is the response a violation, and of what."""
    return {
        "prompt_text": conversation_text(prompt),
        "metadata": {
            "area": prompt.risk_area,
            "risk_area": prompt.risk_area,
            "subcategory": prompt.subcategory,
            "expected": prompt.expected,
        },
    }


def instruction_text(prompt: Prompt) -> str:
    """The request without the documents it embeds (the rater reads those in `source_text`).

    Each document quoted verbatim in the request is replaced by `[document N]`, so the app does
    not show the same long text twice.
    """
    text = conversation_text(prompt)
    for number, document in enumerate(prompt.documents or [], start=1):
        if document.strip() and document in text:
            text = text.replace(document, f"[document {number}]")
    return text


def _documents_text(prompt: Prompt) -> str | None:
    if not prompt.documents:
        return None
    if len(prompt.documents) == 1:
        return prompt.documents[0]
    return "\n\n".join(f"[{i}] {doc}" for i, doc in enumerate(prompt.documents, start=1))


summarization_items = OneResponseItems(
    kind="summarization",
    id_prefix="sum",
    rubric=SUMMARIZATION_RUBRIC,
    scope=summarization_prompts,
    fields=_summarization_fields,
)
safety_items = OneResponseItems(
    kind="safety",
    id_prefix="saf",
    rubric=SAFETY_RUBRIC,
    scope=safety_prompts,
    fields=_safety_fields,
)


# ---------------------------------------------------------------------------- assignment


def assign_balanced(
    item_ids: Sequence[str],
    rater_ids: Sequence[str],
    k: int,
    *,
    seed: int = 0,
    load: Mapping[str, int] | None = None,
) -> list[tuple[str, str]]:
    """(item_id, rater_id) pairs: each item to k distinct raters, loads within one of each other.

    Items are shuffled with `seed` (so gold items and baselines are interleaved in each rater's
    queue), then each goes to the k raters with the least load, ties broken at random (seeded) so
    that raters are grouped in many different combinations, which agreement statistics need.
    Greedy least-load keeps max(load) - min(load) <= 1 when starting from equal loads (`load`
    carries assignments that already exist in the store).
    """
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
    rng = random.Random(stable_hash("order", seed))
    order = list(item_ids)
    rng.shuffle(order)
    current = {r: int((load or {}).get(r, 0)) for r in raters}
    pairs: list[tuple[str, str]] = []
    for iid in order:
        ties = {r: rng.random() for r in raters}
        chosen = sorted(raters, key=lambda r: (current[r], ties[r]))[:k]
        for rater in chosen:
            current[rater] += 1
            pairs.append((iid, rater))
    return pairs
