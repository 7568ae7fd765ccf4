"""IFEval: the 541 instruction-following prompts, scored by lm-eval's own checker.

Loading validates the official `input_data.jsonl` into Prompt records; scoring calls lm-eval's
`process_results` per response (offline and deterministic, see `ifeval_checker`), optionally in a
process pool; aggregation gives the four accuracies the field quotes, each with its n and a
95% interval, plus the accuracy of each instruction type (Wilson intervals).

The four accuracies and their intervals come from `evalkit.stats.ifeval.ifeval_table`, the
function `evalkit stats ifeval` uses, so both print the same intervals for the same data:
Wilson for the prompt-level ones, and for the instruction-level ones a bootstrap over prompts,
because the instructions of one prompt share a response and are not independent draws.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.errors import InputError, UserError
from evalkit.jsonio import iter_json_lines
from evalkit.paths import data_dir
from evalkit.records import Message, Prompt, Response, Score
from evalkit.scoring import ScoringContext, register_scorer
from evalkit.stats.measured import IFEVAL as TABLE_IFEVAL
from evalkit.stats.measured import ifeval_rows
from evalkit.stats.proportions import wilson_interval
from evalkit.suites.ifeval_checker import checker

SUITE = "ifeval"
DATA_FILE = Path("ifeval") / "input_data.jsonl"
HUB_DATASET = "google/IFEval"
# lm-eval draws a random letter when a letter_frequency kwarg is not a letter (keys 1122 and
# 1129 of the official data): every item is scored from this fixed `random` seed, so a result
# never depends on the order, the chunking or the process it was scored in.
ITEM_SEED = 0
# below this many distinct (prompt, response) pairs a process pool costs more than it saves
POOL_MIN_ITEMS = 4000
METRICS = ("prompt_level_strict", "prompt_level_loose", "inst_level_strict", "inst_level_loose")
# the same four, as the statistics' long table names them (ifeval_prompt_strict, ...)
TABLE_METRICS = dict(zip(METRICS, TABLE_IFEVAL, strict=True))
METRIC_LABELS = {
    "prompt_level_strict": "prompt-level strict",
    "prompt_level_loose": "prompt-level loose",
    "inst_level_strict": "instruction-level strict",
    "inst_level_loose": "instruction-level loose",
}


# --------------------------------------------------------------------------- loading


def resolve_ifeval_data(
    explicit: str | os.PathLike[str] | None = None,
    fallback_dir: Path | None = None,
    relative: str | os.PathLike[str] = DATA_FILE,
) -> Path | None:
    """The local IFEval file: `explicit` (must exist) > `relative` inside $EVALKIT_DATA_DIR >
    inside `fallback_dir` (a config's data_dir) > inside evalkit's default data folder; None
    when there is none."""
    if explicit:
        path = Path(explicit)
        if path.is_dir():
            path = path / DATA_FILE.name
        if not path.is_file():
            raise UserError(f"{explicit}: IFEval data file not found")
        return path
    if Path(relative).is_absolute():
        return Path(relative) if Path(relative).is_file() else None
    roots = [Path(os.environ["EVALKIT_DATA_DIR"])] if os.environ.get("EVALKIT_DATA_DIR") else []
    roots += [fallback_dir] if fallback_dir else []
    roots += [root] if (root := data_dir()) else []
    for root in roots:
        if (root / relative).is_file():
            return root / relative
    return None


def load_ifeval(
    data: str | os.PathLike[str] | None = None,
    fallback_dir: Path | None = None,
    relative: str | os.PathLike[str] = DATA_FILE,
) -> list[Prompt]:
    """IFEval prompts from a local file, else from the Hugging Face hub when online."""
    path = resolve_ifeval_data(data, fallback_dir, relative)
    if path is not None:
        return load_ifeval_prompts(path)
    if _truthy(os.environ.get("HF_HUB_OFFLINE")) or _truthy(os.environ.get("HF_DATASETS_OFFLINE")):
        raise UserError(
            f"no IFEval data: pass --data PATH or set EVALKIT_DATA_DIR to a folder holding "
            f"{relative}; the Hugging Face hub ({HUB_DATASET}) is not tried because "
            "HF_HUB_OFFLINE is set"
        )
    return load_ifeval_from_hub()


def load_ifeval_prompts(path: str | os.PathLike[str]) -> list[Prompt]:
    """The official `input_data.jsonl` (key, prompt, instruction_id_list, kwargs) as Prompts."""
    path = Path(path)
    return _prompts_from_rows(
        ((number, row) for number, row in iter_json_lines(path)), str(path), path.name
    )


def load_ifeval_from_hub() -> list[Prompt]:
    """google/IFEval through `datasets` (only when no local file and the hub is allowed)."""
    try:
        import datasets

        rows = datasets.load_dataset(HUB_DATASET, split="train")
    except Exception as exc:  # network, auth or missing package: say what to do instead
        raise UserError(
            f"no local IFEval data and loading {HUB_DATASET} from the Hugging Face hub failed "
            f"({type(exc).__name__}: {exc}); pass --data PATH or set EVALKIT_DATA_DIR"
        ) from None
    return _prompts_from_rows(
        ((index, dict(row)) for index, row in enumerate(rows, start=1)),
        f"hf:{HUB_DATASET}",
        HUB_DATASET,
    )


def _prompts_from_rows(rows: Any, where: str, source_name: str) -> list[Prompt]:
    known = _known_instructions()
    prompts: list[Prompt] = []
    seen: dict[int, int] = {}
    for number, row in rows:
        key, text, ids, kwargs = _validate_row(row, known, where, number)
        if key in seen:
            raise InputError(where, number, "key", f"{key} already used on line {seen[key]}")
        seen[key] = number
        prompts.append(
            Prompt(
                id=f"ifeval-{key}",
                suite=SUITE,
                messages=[Message(role="user", content=text)],
                instruction_id_list=ids,
                kwargs=kwargs,
                source=f"ifeval:{source_name}:{number}",
                metadata={"key": key},
            )
        )
    if not prompts:
        raise InputError(where, None, None, "no IFEval prompts in the file")
    return prompts


def _validate_row(
    row: dict[str, Any], known: set[str], where: str, number: int
) -> tuple[int, str, list[str], list[dict[str, Any]]]:
    def bad(field_name: str, problem: str) -> InputError:
        return InputError(where, number, field_name, problem)

    for name in ("key", "prompt", "instruction_id_list", "kwargs"):
        if name not in row:
            raise bad(name, "required field is missing")
    key, text, ids, kwargs = row["key"], row["prompt"], row["instruction_id_list"], row["kwargs"]
    if not isinstance(key, int) or isinstance(key, bool):
        raise bad("key", "expected an integer")
    if not isinstance(text, str) or not text.strip():
        raise bad("prompt", "expected a non-empty string")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise bad("instruction_id_list", "expected a non-empty list of strings")
    for index, instruction_id in enumerate(ids):
        if instruction_id not in known:
            raise bad(f"instruction_id_list.{index}", f"unknown instruction {instruction_id!r}")
    if not isinstance(kwargs, list) or not all(isinstance(k, dict) for k in kwargs):
        raise bad("kwargs", "expected a list of objects")
    if len(kwargs) != len(ids):
        raise bad("kwargs", f"has {len(kwargs)} entries for {len(ids)} instructions")
    # the hub's copy fills every kwarg name with null; lm-eval ignores nulls, so drop them
    cleaned = [{k: v for k, v in entry.items() if v is not None} for entry in kwargs]
    return key, text, list(ids), cleaned


def _known_instructions() -> set[str]:
    checker()  # lm-eval imported offline
    from lm_eval.tasks.ifeval import instructions_registry

    return set(instructions_registry.INSTRUCTION_DICT)


def _truthy(value: str | None) -> bool:
    if not value:
        return False
    return value.strip().lower() not in ("0", "false", "no", "off")


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class IFEvalResult:
    """lm-eval's verdict on one response. `empty`: no text (empty, missing or an errored call);
    `error`: lm-eval's checker raised. Both score as failing every instruction, and are counted."""

    prompt_id: str
    instruction_id_list: list[str]
    prompt_level_strict: bool
    prompt_level_loose: bool
    inst_level_strict: list[bool]
    inst_level_loose: list[bool]
    empty: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ifeval_doc(prompt: Prompt) -> dict[str, Any]:
    """The document lm-eval's `process_results` expects, from an IFEval Prompt."""
    if prompt.instruction_id_list is None or prompt.kwargs is None:
        raise UserError(f"prompt {prompt.id}: not an IFEval prompt (no instruction_id_list/kwargs)")
    return {
        "key": prompt.metadata.get("key", prompt.id),
        "prompt": prompt.user_text,
        "instruction_id_list": list(prompt.instruction_id_list),
        "kwargs": [dict(k) for k in prompt.kwargs],
    }


def score_responses(
    prompts: Sequence[Prompt], responses: Sequence[str | None], workers: int | None = None
) -> list[IFEvalResult]:
    """Score `responses[i]` against `prompts[i]` with lm-eval's checker.

    Identical (prompt, response) pairs are checked once. `workers`: processes to use; None
    picks a pool only for large inputs (>= POOL_MIN_ITEMS distinct pairs).
    """
    if len(prompts) != len(responses):
        raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
    docs = {p.id: ifeval_doc(p) for p in prompts}
    pairs = [(p.id, r or "") for p, r in zip(prompts, responses, strict=True)]
    distinct = list(dict.fromkeys(pairs))
    outcomes = _check_all([(docs[pid], text) for pid, text in distinct], workers)
    by_pair = dict(zip(distinct, outcomes, strict=True))
    results = []
    for pid, text in pairs:
        doc = docs[pid]
        strict, loose, error = by_pair[(pid, text)]
        results.append(
            IFEvalResult(
                prompt_id=pid,
                instruction_id_list=doc["instruction_id_list"],
                prompt_level_strict=all(strict),
                prompt_level_loose=all(loose),
                inst_level_strict=strict,
                inst_level_loose=loose,
                empty=not text.strip(),
                error=error,
            )
        )
    return results


Outcome = tuple[list[bool], list[bool], str | None]


def check_one(doc: dict[str, Any], response: str) -> Outcome:
    """lm-eval's `process_results` on one response, from a fixed `random` seed (the caller's
    random state is restored). A checker exception fails every instruction and is reported."""
    process_results = checker().process_results
    state = random.getstate()
    random.seed(ITEM_SEED)
    try:
        out = process_results(doc, [response])
    except Exception as exc:  # counted and reported, never silently passed
        failed = [False] * len(doc["instruction_id_list"])
        return failed, list(failed), f"{type(exc).__name__}: {exc}"
    finally:
        random.setstate(state)
    return list(out["inst_level_strict_acc"]), list(out["inst_level_loose_acc"]), None


def _check_chunk(items: list[tuple[dict[str, Any], str]]) -> list[Outcome]:
    return [check_one(doc, text) for doc, text in items]


def _check_all(items: list[tuple[dict[str, Any], str]], workers: int | None) -> list[Outcome]:
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) >= POOL_MIN_ITEMS else 1
    if workers < 1:
        raise UserError(f"--workers must be at least 1 (got {workers})")
    if workers == 1 or len(items) < 2:
        return _check_chunk(items)
    checker()  # import once in the parent, so forked workers start ready
    size = max(1, min(500, len(items) // (workers * 4) or 1))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return [outcome for chunk in pool.map(_check_chunk, chunks) for outcome in chunk]


# --------------------------------------------------------------------------- aggregation


@dataclass(frozen=True)
class Rate:
    k: int
    n: int
    rate: float
    ci_low: float
    ci_high: float

    @classmethod
    def of(cls, k: int, n: int) -> Rate:
        """A rate with its Wilson interval."""
        low, high = wilson_interval(k, n)
        return cls(k=k, n=n, rate=k / n if n else float("nan"), ci_low=low, ci_high=high)

    @classmethod
    def of_row(cls, row: pd.Series) -> Rate:
        """A row of the long table: k of n items (responses, or instructions), its estimate and
        its interval (clustered by prompt)."""
        return cls(
            k=int(round(float(row["k"]))),
            n=int(row["n_items"]),
            rate=float(row["estimate"]),
            ci_low=float(row["low"]),
            ci_high=float(row["high"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IFEvalSummary:
    """The four accuracies (each a Rate with n and a 95% interval) and per-instruction rates."""

    n_prompts: int
    n_empty: int
    n_checker_errors: int
    prompt_level_strict: Rate
    prompt_level_loose: Rate
    inst_level_strict: Rate
    inst_level_loose: Rate
    by_instruction: dict[str, dict[str, Rate]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n_prompts": self.n_prompts,
            "n_empty": self.n_empty,
            "n_checker_errors": self.n_checker_errors,
        }
        for metric in METRICS:
            out[metric] = getattr(self, metric).to_dict()
        out["by_instruction"] = {
            iid: {kind: rate.to_dict() for kind, rate in rates.items()}
            for iid, rates in self.by_instruction.items()
        }
        return out


def instruction_frame(results: Sequence[IFEvalResult]) -> pd.DataFrame:
    """One row per (response, instruction): prompt_id, instruction_id, strict, loose."""
    rows = [
        {"prompt_id": r.prompt_id, "instruction_id": iid, "strict": s, "loose": lo}
        for r in results
        for iid, s, lo in zip(
            r.instruction_id_list, r.inst_level_strict, r.inst_level_loose, strict=True
        )
    ]
    return pd.DataFrame(rows, columns=["prompt_id", "instruction_id", "strict", "loose"])


def by_instruction(frame: pd.DataFrame) -> pd.DataFrame:
    """Per instruction type: n, strict/loose successes, rates and Wilson 95% intervals."""
    grouped = frame.groupby("instruction_id", sort=True).agg(
        n=("strict", "size"), strict_k=("strict", "sum"), loose_k=("loose", "sum")
    )
    for kind in ("strict", "loose"):
        k = grouped[f"{kind}_k"].astype(int)
        grouped[f"{kind}_k"] = k
        grouped[f"{kind}_rate"] = k / grouped["n"]
        bounds = [wilson_interval(int(a), int(b)) for a, b in zip(k, grouped["n"], strict=True)]
        grouped[f"{kind}_ci_low"] = [low for low, _ in bounds]
        grouped[f"{kind}_ci_high"] = [high for _, high in bounds]
    return grouped.reset_index()


ACCURACY_COLUMNS = [
    "prompt_id",
    "model",
    "prompt_strict",
    "prompt_loose",
    "inst_strict_pass",
    "inst_loose_pass",
    "inst_total",
]


def accuracy_frame(results: Sequence[IFEvalResult], model: str = "") -> pd.DataFrame:
    """One row per response in the statistics' IFEval frame (what `evalkit stats ifeval` reads
    from scores.jsonl): prompt verdicts and the instructions passed out of the prompt's total."""
    rows = [
        {
            "prompt_id": r.prompt_id,
            "model": model,
            "prompt_strict": r.prompt_level_strict,
            "prompt_loose": r.prompt_level_loose,
            "inst_strict_pass": sum(r.inst_level_strict),
            "inst_loose_pass": sum(r.inst_level_loose),
            "inst_total": len(r.inst_level_strict),
        }
        for r in results
    ]
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS)


def summarize(results: Sequence[IFEvalResult], model: str = "") -> IFEvalSummary:
    """The four accuracies with `evalkit stats ifeval`'s intervals (its bootstrap is seeded per
    (model, metric), so name the model to get the very interval it prints for a run), and the
    Wilson-bounded accuracy of each instruction type."""
    frame = instruction_frame(results)
    per_type = {
        row.instruction_id: {
            "strict": Rate.of(int(row.strict_k), int(row.n)),
            "loose": Rate.of(int(row.loose_k), int(row.n)),
        }
        for row in by_instruction(frame).itertuples()
    }
    table = pd.DataFrame(ifeval_rows(accuracy_frame(results, model))).set_index("metric")
    accuracies = {
        metric: Rate.of_row(table.loc[name]) if name in table.index else Rate.of(0, 0)
        for metric, name in TABLE_METRICS.items()
    }
    return IFEvalSummary(
        n_prompts=len(results),
        n_empty=sum(r.empty for r in results),
        n_checker_errors=sum(r.error is not None for r in results),
        **accuracies,
        by_instruction=per_type,
    )


# --------------------------------------------------------------------------- scorer


@register_scorer(SUITE)
def score_ifeval(ctx: ScoringContext) -> list[Score]:
    """Score records for a run's IFEval responses; an errored or empty response fails."""
    pairs: list[tuple[Prompt, Response]] = [
        (ctx.prompts[r.prompt_id], r) for r in ctx.responses if r.prompt_id in ctx.prompts
    ]
    workers = ctx.options.get("workers")
    results = score_responses(
        [p for p, _ in pairs],
        [r.text if r.ok else None for _, r in pairs],
        workers=int(workers) if isinstance(workers, int | str) else None,
    )
    return [
        Score(
            run_id=ctx.run_id,
            prompt_id=response.prompt_id,
            model=response.model,
            sample=response.sample,
            scorer="ifeval",
            metric="ifeval",
            value=float(result.prompt_level_strict),
            details=score_details(result, response_error=response.error),
        )
        for (_, response), result in zip(pairs, results, strict=True)
    ]


def score_details(result: IFEvalResult, response_error: str | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {
        "prompt_level_strict": result.prompt_level_strict,
        "prompt_level_loose": result.prompt_level_loose,
        "inst_level_strict": result.inst_level_strict,
        "inst_level_loose": result.inst_level_loose,
        "instruction_id_list": result.instruction_id_list,
        "empty": result.empty,
    }
    if response_error is not None:
        details["response_error"] = response_error
    if result.error is not None:
        details["checker_error"] = result.error
    return details


# --------------------------------------------------------------------------- response files


@dataclass(frozen=True)
class ResponseLine:
    """One line of an official IFEval response file: {"prompt": ..., "response": ...}."""

    line: int
    prompt: str
    response: str | None


@dataclass
class Matching:
    """Responses paired with prompts by prompt text; what did not pair is kept, never dropped."""

    pairs: list[tuple[Prompt, ResponseLine]]
    unmatched: list[ResponseLine]  # a response whose prompt text is not in the data
    duplicates: list[ResponseLine]  # a second response to a prompt already answered
    missing: list[Prompt]  # a prompt with no response


def read_response_file(path: str | os.PathLike[str]) -> list[ResponseLine]:
    """The official response format; a missing or non-string field is path:line: field."""
    lines = []
    for number, row in iter_json_lines(path):
        prompt = row.get("prompt")
        if not isinstance(prompt, str):
            problem = "required field is missing" if "prompt" not in row else "expected a string"
            raise InputError(str(path), number, "prompt", problem)
        if "response" not in row:
            raise InputError(str(path), number, "response", "required field is missing")
        response = row["response"]
        if response is not None and not isinstance(response, str):
            raise InputError(str(path), number, "response", "expected a string or null")
        lines.append(ResponseLine(line=number, prompt=prompt, response=response))
    return lines


def match_responses(prompts: Sequence[Prompt], lines: Sequence[ResponseLine]) -> Matching:
    """Pair by exact prompt text (then by text without surrounding whitespace)."""
    exact = {p.user_text: p for p in prompts}
    stripped = {p.user_text.strip(): p for p in prompts}
    answered: dict[str, ResponseLine] = {}
    unmatched, duplicates = [], []
    for line in lines:
        prompt = exact.get(line.prompt) or stripped.get(line.prompt.strip())
        if prompt is None:
            unmatched.append(line)
        elif prompt.id in answered:
            duplicates.append(line)
        else:
            answered[prompt.id] = line
    pairs = [(p, answered[p.id]) for p in prompts if p.id in answered]
    missing = [p for p in prompts if p.id not in answered]
    return Matching(pairs=pairs, unmatched=unmatched, duplicates=duplicates, missing=missing)


def score_response_file(
    responses_path: str | os.PathLike[str],
    prompts: Sequence[Prompt],
    workers: int | None = None,
) -> tuple[Matching, list[IFEvalResult]]:
    """Read, match and score an official response file against `prompts`."""
    matching = match_responses(prompts, read_response_file(responses_path))
    results = score_responses(
        [p for p, _ in matching.pairs], [line.response for _, line in matching.pairs], workers
    )
    return matching, results
