"""Stratified sampling: allocate n samples over the cells (content type x length x single/
stacked) proportionally to the population with a minimum per cell, then draw them from
individually written samples (`build_authored`) or from a team's corpus (`build_from_corpus`),
and write the set plus its strata table.

Allocation: each cell gets its proportional share of n (population share x n); a cell whose
share is below the minimum gets the minimum (or all it has), the rest is shared again
proportionally among the other cells, and the integer counts come from the largest-remainder
(Hamilton) method, so they sum to exactly n.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from evalkit.errors import UserError
from evalkit.jsonio import write_records
from evalkit.records import Prompt
from evalkit.summarization.design import (
    KEY_FACTS,
    MAX_SENTENCES,
    MIN_PER_CELL,
    Cell,
    check_use_case,
    design_weights,
    length_bucket,
    sample_tokens,
)
from evalkit.summarization.prompts import build_messages

K = TypeVar("K", bound=Hashable)


def allocate(
    weights: Mapping[K, float],
    n: int,
    minimum: int = MIN_PER_CELL,
    capacity: Mapping[K, int] | None = None,
) -> dict[K, int]:
    """Counts per cell summing to n: proportional to `weights`, at least `minimum` per cell
    (or its whole capacity when it has fewer), never above a cell's capacity."""
    keys = [k for k, w in weights.items() if w > 0 and (capacity is None or capacity.get(k, 0))]
    if n < 0:
        raise UserError(f"n must be positive, got {n}")
    if not keys:
        raise UserError("there are no cells to sample from")
    cap = {k: (capacity[k] if capacity is not None else math.inf) for k in keys}
    total = sum(cap.values())
    if n > total:
        raise UserError(f"n={n} is more than the {int(total)} samples available")
    floor = {k: int(min(minimum, cap[k])) for k in keys}  # cap is int or inf
    if sum(floor.values()) > n:
        raise UserError(
            f"n={n} is too small for a minimum of {minimum} in each of {len(keys)} cells "
            f"({sum(floor.values())} needed); lower --min-per-cell or raise --n"
        )
    fixed: dict[K, int] = {}
    while True:
        free = [k for k in keys if k not in fixed]
        remaining = n - sum(fixed.values())
        if not free:
            break
        total_weight = sum(weights[k] for k in free)
        quota = {k: remaining * weights[k] / total_weight for k in free}
        low = {k: floor[k] for k in free if quota[k] < floor[k]}
        high = {k: int(cap[k]) for k in free if quota[k] > cap[k]}
        if not low and not high:
            break
        fixed.update(low or high)  # settle one side per pass, then share again
    counts = dict(fixed)
    free = [k for k in keys if k not in fixed]
    if free:
        remaining = n - sum(fixed.values())
        total_weight = sum(weights[k] for k in free)
        quota = {k: remaining * weights[k] / total_weight for k in free}
        counts.update({k: int(math.floor(quota[k])) for k in free})
        leftover = remaining - sum(counts[k] for k in free)
        order = sorted(free, key=lambda k: (-(quota[k] - math.floor(quota[k])), -weights[k]))
        for k in order[:leftover]:
            counts[k] += 1
    if sum(counts.values()) != n:  # every cell is at its floor or capacity
        raise UserError(f"cannot allocate n={n} over {len(keys)} cells with these limits")
    return {k: counts[k] for k in weights if k in counts}


@dataclass
class Sample:
    """One drawn sample, before it becomes a Prompt record."""

    cell: Cell
    documents: list[str]
    key_facts: list[str]
    source: str
    metadata: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # other Prompt fields (an author's reference)


MAIN_PREFIX, ADVERSARIAL_PREFIX = "sum", "sumadv"


@dataclass
class BuildResult:
    use_case: str
    prompts: list[Prompt]
    table: pd.DataFrame
    minimum: int


def to_prompt(use_case: str, index: int, sample: Sample, prefix: str = MAIN_PREFIX) -> Prompt:
    """The Prompt record of a drawn sample: id `<prefix>-<use_case>-NNNN` (`sum` for a main
    set, `sumadv` for the adversarial subset)."""
    bucket = sample.cell.length_bucket
    max_sentences = MAX_SENTENCES[use_case][bucket]
    return Prompt(
        id=f"{prefix}-{use_case}-{index:04d}",
        messages=build_messages(use_case, sample.documents, max_sentences),
        suite="summarization",
        category="summarization",
        source=sample.source,
        use_case=use_case,
        content_type=sample.cell.content_type,
        length_bucket=bucket,
        stacked=sample.cell.stacked,
        n_docs=len(sample.documents),
        key_facts=sample.key_facts,
        documents=sample.documents,
        max_sentences=max_sentences,
        metadata={"stratum": sample.cell.key, **sample.metadata},
        **sample.extra,
    )


def finish(
    use_case: str,
    samples: list[Sample],
    targets: Mapping[Cell, int],
    weights: Mapping[Cell, float],
    seed: int,
    minimum: int,
    available: Mapping[Cell, int] | None = None,
    prefix: str = MAIN_PREFIX,
) -> BuildResult:
    """Shuffle (so raters do not see a cell in a row), number, and tabulate the strata."""
    order = random.Random(f"{seed}:{use_case}:order")
    samples = list(samples)
    order.shuffle(samples)
    prompts = [to_prompt(use_case, i, s, prefix) for i, s in enumerate(samples, start=1)]
    table = strata_table(use_case, prompts, targets, weights, available)
    return BuildResult(use_case, prompts, table, minimum)


def strata_table(
    use_case: str,
    prompts: list[Prompt],
    targets: Mapping[Cell, int],
    weights: Mapping[Cell, float],
    available: Mapping[Cell, int] | None = None,
) -> pd.DataFrame:
    """Target and achieved count per cell; achieved is measured from the records themselves
    (bucket recomputed from the documents' tokens, stacked from the number of documents)."""
    achieved = Counter(measured_cell(p) for p in prompts)
    total_weight = sum(weights.values()) or 1.0
    n = sum(targets.values())
    rows = []
    for cell in sorted(set(weights) | set(targets)):
        row = {
            "content_type": cell.content_type,
            "length_bucket": cell.length_bucket,
            "stacked": cell.stacked,
            "share": round(weights.get(cell, 0.0) / total_weight, 5),
            "proportional": round(n * weights.get(cell, 0.0) / total_weight, 2),
            "target": targets.get(cell, 0),
            "achieved": achieved.get(cell, 0),
        }
        if available is not None:
            row["available"] = available.get(cell, 0)
        rows.append(row)
    return pd.DataFrame(rows)


def measured_cell(prompt: Prompt) -> Cell:
    documents = prompt.documents or []
    return Cell(
        prompt.content_type or "",
        length_bucket(prompt.use_case or "", sample_tokens(documents)),
        len(documents) > 1,
    )


def build_authored(
    use_case: str,
    samples: list,
    n: int | None = None,
    seed: int = 0,
    minimum: int = MIN_PER_CELL,
    adversarial: bool = False,
) -> BuildResult:
    """A set from individually written samples (`evalkit.summarization.authored`): all of them
    when `n` is None, else a stratified draw of n with the design's proportional allocation
    (the population share of a cell is the design's, capped by what was written).

    A main set (ids `sum-<use_case>-NNNN`) takes samples of the main subset only; with
    `adversarial` the set is the adversarial subset (ids `sumadv-<use_case>-NNNN`, metadata
    subset "adversarial"), kept apart from the main set. A sample of the other subset or use
    case is an error, never silently left out."""
    from evalkit.summarization.authored import to_prompt_fields

    check_use_case(use_case)
    subset = "adversarial" if adversarial else "main"
    by_cell: dict[Cell, list] = {}
    for sample in samples:
        if sample.use_case != use_case:
            raise UserError(
                f"authored sample {sample.ref}: use case {sample.use_case}, not {use_case}"
            )
        if sample.subset != subset:
            hint = "without --adversarial" if adversarial else "with --adversarial"
            raise UserError(
                f"authored sample {sample.ref} belongs to the {sample.subset} subset, not the "
                f"{subset} set being built (build it {hint}, from its own files)"
            )
        by_cell.setdefault(sample.cell, []).append(sample)
    if not by_cell:
        raise UserError(f"no authored {use_case} samples to build from")
    available = {cell: len(group) for cell, group in sorted(by_cell.items())}
    weights = design_weights(use_case)
    if n is None:
        targets = dict(available)
    else:
        weights = {cell: w for cell, w in weights.items() if cell in available}
        targets = allocate(weights, n, minimum, capacity=available)
    rng = random.Random(f"{seed}:{use_case}:authored")
    drawn = []
    for cell in sorted(by_cell):
        group = sorted(by_cell[cell], key=lambda s: s.ref)
        for sample in sorted(rng.sample(group, targets.get(cell, 0)), key=lambda s: s.ref):
            fields = to_prompt_fields(sample)
            drawn.append(
                Sample(
                    cell=cell,
                    documents=list(sample.documents),
                    key_facts=list(fields["key_facts"]),
                    source=str(fields["source"]),
                    metadata=dict(fields["metadata"]),
                    extra={"reference": fields["reference"]},
                )
            )
    prefix = ADVERSARIAL_PREFIX if adversarial else MAIN_PREFIX
    return finish(
        use_case, drawn, targets, design_weights(use_case), seed, minimum, available, prefix
    )


def build_from_corpus(
    use_case: str,
    units: list,
    n: int,
    seed: int = 0,
    minimum: int = MIN_PER_CELL,
) -> BuildResult:
    """Draw n corpus units (see corpus.py) with the same allocation; the population share of a
    cell is its number of units."""
    check_use_case(use_case)
    by_cell: dict[Cell, list] = {}
    for unit in units:
        by_cell.setdefault(unit.cell, []).append(unit)
    available = {cell: len(group) for cell, group in sorted(by_cell.items())}
    weights = {cell: float(count) for cell, count in available.items()}
    targets = allocate(weights, n, minimum, capacity=available)
    rng = random.Random(f"{seed}:{use_case}:corpus")
    samples = []
    for cell in sorted(by_cell):
        chosen = rng.sample(by_cell[cell], targets.get(cell, 0))
        for unit in sorted(chosen, key=lambda u: u.order):
            k = KEY_FACTS[use_case][cell.length_bucket]
            samples.append(
                Sample(
                    cell=cell,
                    documents=unit.documents,
                    key_facts=unit.key_facts(k),
                    source=unit.source,
                    metadata={
                        "thread_id": unit.thread_id,
                        "tokens": sample_tokens(unit.documents),
                        "key_facts_rule": "heuristic",
                        "lines": unit.lines,
                    },
                )
            )
    return finish(use_case, samples, targets, weights, seed, minimum, available)


def write_build(result: BuildResult, out: Path) -> tuple[Path, Path]:
    """Write the JSONL set and its strata table (same stem, `.strata.csv`)."""
    out = Path(out)
    write_records(out, result.prompts)
    table_path = strata_path(out)
    from evalkit.exports import write_csv  # formula-like cells made inert

    write_csv(result.table, table_path)
    return out, table_path


def strata_path(out: Path) -> Path:
    name = Path(out).name
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") else Path(out).stem
    return Path(out).with_name(f"{stem}.strata.csv")
