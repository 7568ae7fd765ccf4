"""How often the automatic summary checks are wrong: each check against human labels.

The checks of `evalkit.summarization.checks` decide four faults of a summary; each is compared
with a person's label of the same summary (the fault is the positive class):

| check | the check says the fault when | the human label |
|---|---|---|
| `omission` | key-fact coverage leaves a fact `missing` | `omits_key_fact` |
| `ungrounded` | a name or number is `ungrounded` | `ungrounded` |
| `too_long` | not `length_ok` | `too_long` |
| `follows_injection` | `follows_injection` | `follows_injection` (not null) |

Two sources of labels, as `evalkit graders eval` takes them for every grader:

- **a labelled set** (`eval_labelled`): JSONL records `{id, prompt_id, summary, omits_key_fact,
  ungrounded, too_long, follows_injection, note}` on samples of `prompts/summarization/`;
  evalkit ships `prompts/labelled/summaries/{dev,test}.jsonl` (see its README). Per check:
  precision, recall, F1 and accuracy with 95% intervals (Wilson; a bootstrap for F1, as
  `evalkit.graders.binary_metrics`), n and the 2x2 counts, overall and per use case;
- **a run's grade store** (`eval_run`): the human raters' dimension ratings of the run's
  summaries. A rating of poor or neutral is the fault: comprehensiveness for an omission,
  groundedness for ungrounded, following_instructions for too long (the rubric has no
  dimension for the injection). Each item's label is its human raters' majority; an even split
  says nothing and is left out (counted as `ties`).

`summary_accuracy` is what `evalkit summarization checks` and `grader_accuracy("summary")` print:
measured on the shipped test split when first asked (then cached), never written down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from evalkit.errors import InputError, UserError
from evalkit.graders import binary_metrics, format_metric
from evalkit.jsonio import iter_json_lines, read_records
from evalkit.paths import PROJECT_ROOT, PROMPTS_DIR, labelled_split, mtimes
from evalkit.records import Prompt
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES
from evalkit.summarization.checks import SummaryChecks, check_prompt

SAMPLES_DIR = PROMPTS_DIR / "summarization"
LABELLED_DIR = PROMPTS_DIR / "labelled" / "summaries"
DEV_SET = LABELLED_DIR / "dev.jsonl"
TEST_SET = LABELLED_DIR / "test.jsonl"

# check -> (the human label's field, how a person reads the check)
CHECKS: dict[str, tuple[str, str]] = {
    "omission": ("omits_key_fact", "omits a key fact (key-fact coverage)"),
    "ungrounded": ("ungrounded", "ungrounded name or number"),
    "too_long": ("too_long", "too long (length compliance)"),
    "follows_injection": ("follows_injection", "follows the planted instruction"),
}
# check -> the rubric dimension a human rates it on, in a grade store
DIMENSIONS = {
    "omission": "comprehensiveness",
    "ungrounded": "groundedness",
    "too_long": "following_instructions",
}
FAULT_RATINGS = ("poor", "neutral")


def verdicts(checks: SummaryChecks) -> dict[str, bool | None]:
    """Each check's fault verdict (None: not measured, a sample without a planted
    instruction)."""
    return {
        "omission": bool(checks.missing),
        "ungrounded": bool(checks.ungrounded),
        "too_long": not checks.length_ok,
        "follows_injection": checks.follows_injection,
    }


# ------------------------------------------------------------------ the labelled set


@dataclass(frozen=True)
class LabelledSummary:
    """One human-labelled summary: which faults a person found in it."""

    id: str
    prompt_id: str
    summary: str
    labels: dict[str, bool | None]  # check -> the human's label (None: not labelled)
    note: str = ""
    line: int = 0


def set_path(which: str | os.PathLike[str] | None) -> Path:
    """`test` (default), `dev`, or a path."""
    return labelled_split(which, DEV_SET, TEST_SET)


def describe_set(path: Path) -> str:
    """ "evalkit's test split (prompts/labelled/summaries/test.jsonl)", or the path."""
    names = {TEST_SET.resolve(): "test", DEV_SET.resolve(): "dev"}
    split = names.get(Path(path).resolve())
    if split is None:
        return str(path)
    full = Path(path).resolve()
    shown = full.relative_to(PROJECT_ROOT) if full.is_relative_to(PROJECT_ROOT) else full
    return f"evalkit's {split} split ({shown})"


def load_samples(folder: Path = SAMPLES_DIR) -> dict[str, Prompt]:
    """Every summarization sample by id (the shipped sets), read once per change of a file."""
    files = sorted(folder.glob("*.jsonl"))
    return dict(_samples(tuple(str(f) for f in files), mtimes(*files)))


@lru_cache(maxsize=4)
def _samples(files: tuple[str, ...], stamps: tuple[float, ...]) -> dict[str, Prompt]:
    return {p.id: p for f in files for p in read_records(f, Prompt)}


def load_labelled(
    path: str | os.PathLike[str] | None, samples: Mapping[str, Prompt] | None = None
) -> list[LabelledSummary]:
    """The records of a labelled set (`test`, `dev` or a path); a bad record is an InputError
    naming file, line and field (a label that is not true/false, an unknown sample, an
    injection label on a sample without a planted instruction, a repeated id)."""
    path = set_path(path)
    samples = load_samples() if samples is None else samples
    records: list[LabelledSummary] = []
    seen: dict[str, int] = {}
    for line, obj in iter_json_lines(path):

        def bad(field: str, problem: str, line: int = line) -> InputError:
            return InputError(str(path), line, field, problem)

        for field in ("id", "prompt_id", "summary"):
            if not isinstance(obj.get(field), str) or not obj[field].strip():
                raise bad(field, "required (a non-empty string)")
        if obj["id"] in seen:
            raise bad("id", f"{obj['id']!r} is also on line {seen[obj['id']]}")
        seen[obj["id"]] = line
        prompt = samples.get(obj["prompt_id"])
        if prompt is None:
            raise bad("prompt_id", f"{obj['prompt_id']!r} is not a summarization sample")
        labels: dict[str, bool | None] = {}
        for check, (field, _) in CHECKS.items():
            value = obj.get(field)
            if check == "follows_injection":
                if value is not None and not isinstance(value, bool):
                    raise bad(field, "must be true, false or null")
                if value is not None and not prompt.metadata.get("injected_instruction"):
                    raise bad(field, f"must be null: {prompt.id} has no injected instruction")
            elif not isinstance(value, bool):
                raise bad(field, "must be true or false (the human's label)")
            labels[check] = value
        note = obj.get("note")
        records.append(
            LabelledSummary(
                obj["id"], obj["prompt_id"], obj["summary"], labels, str(note or ""), line
            )
        )
    return records


def eval_labelled(
    which: str | os.PathLike[str] | None = "test",
    *,
    samples: Mapping[str, Prompt] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> dict[str, Any]:
    """The checks on a labelled set (`test`, `dev` or a path): per check and per use case, the
    2x2 counts, precision, recall, F1 and accuracy with intervals, and every disagreement."""
    path = set_path(which)
    samples = load_samples() if samples is None else samples
    records = load_labelled(path, samples)
    if not records:
        raise UserError(f"{path}: no labelled summaries")
    rows = []
    for record in records:
        prompt = samples[record.prompt_id]
        result = check_prompt(prompt, record.summary)
        rows.append(
            {
                "id": record.id,
                "prompt_id": record.prompt_id,
                "use_case": prompt.use_case or "unknown",
                "truth": record.labels,
                "pred": verdicts(result),
                "evidence": _evidence(result),
            }
        )
    report = _report(rows, resamples, seed)
    return {
        "grader": "summary",
        "source": describe_set(path),
        "path": str(path),
        "compared_with": "human labels",
        "measure": "accuracy",
        "n": len(records),
        **report,
    }


def _evidence(result: SummaryChecks) -> dict[str, Any]:
    return {
        "omission": result.missing,
        "ungrounded": result.ungrounded,
        "too_long": f"{result.n_sentences} sentences, at most {result.max_sentences}",
        "follows_injection": result.injection.evidence if result.injection else None,
    }


def _report(rows: list[dict[str, Any]], resamples: int, seed: int | None) -> dict[str, Any]:
    """Per check (and per use case) metrics of rows with `truth` and `pred` verdicts; a check
    is measured on the rows where both are known."""

    def block(part: list[dict[str, Any]], check: str) -> dict[str, Any] | None:
        pairs = [
            (r["truth"][check], r["pred"][check])
            for r in part
            if r["truth"].get(check) is not None and r["pred"].get(check) is not None
        ]
        if not pairs:
            return None
        truth, pred = zip(*pairs, strict=True)
        return binary_metrics(truth, pred, resamples, seed)

    checks = {c: m for c in CHECKS if (m := block(rows, c)) is not None}
    use_cases = {}
    for use_case in sorted({r["use_case"] for r in rows}):
        part = [r for r in rows if r["use_case"] == use_case]
        use_cases[use_case] = {c: m for c in CHECKS if (m := block(part, c)) is not None}
    errors = [
        {
            "id": r["id"],
            "prompt_id": r["prompt_id"],
            "check": c,
            "human": r["truth"][c],
            "check_says": r["pred"][c],
            "evidence": r.get("evidence", {}).get(c),
        }
        for r in rows
        for c in CHECKS
        if r["truth"].get(c) is not None
        and r["pred"].get(c) is not None
        and r["truth"][c] != r["pred"][c]
    ]
    return {"checks": checks, "use_cases": use_cases, "errors": errors}


# ------------------------------------------------------------------ a run's human grades


def eval_run(
    run_dir: str | os.PathLike[str],
    db: str | None = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> dict[str, Any]:
    """The checks on a run's summaries against its human raters' dimension ratings (the
    majority of each item's raters; an even split is left out and counted in `ties`)."""
    from evalkit.rundir import RunDir
    from evalkit.runner import load_run_prompts
    from evalkit.store import GradeStore

    rundir = RunDir(run_dir).require()
    report: dict[str, Any] = {
        "grader": "summary",
        "source": str(run_dir),
        "compared_with": "human ratings (majority per item)",
        "measure": "agreement",
        "n": 0,
        "checks": {},
        "use_cases": {},
        "errors": [],
        "ties": {},
        "notes": [],
    }
    if not rundir.has_store(db):
        report["notes"].append(f"{rundir.default_store}: no grade store yet")
        return report
    prompts = load_run_prompts(rundir.path)
    with GradeStore(rundir.store_url(db), create=False) as store:
        items = [i for i in store.items("summarization") if not i.is_gold]
        mine = [i for i in items if i.run_id == rundir.run_id]
        items = mine or items  # a shared store holds many runs: this run's items when any
        grades = store.current_grades("summarization", include_auto=False)
    ratings: dict[str, list[dict[str, str]]] = {}
    for grade in grades:
        if grade.grader == "human" and not grade.skipped and grade.dimensions:
            ratings.setdefault(grade.item_id, []).append(dict(grade.dimensions))
    rows, ties = [], dict.fromkeys(DIMENSIONS, 0)
    for item in items:
        prompt = prompts.get(item.prompt_id)
        if item.id not in ratings or prompt is None:
            continue
        truth: dict[str, bool | None] = {}
        for check, dimension in DIMENSIONS.items():
            truth[check] = _majority(r.get(dimension) for r in ratings[item.id])
            ties[check] += truth[check] is None and any(dimension in r for r in ratings[item.id])
        result = check_prompt(prompt, item.response_text or "")
        pred = {c: v for c, v in verdicts(result).items() if c in DIMENSIONS}
        rows.append(
            {
                "id": item.id,
                "prompt_id": item.prompt_id,
                "use_case": str(item.metadata.get("use_case") or prompt.use_case or "unknown"),
                "truth": truth,
                "pred": pred,
                "evidence": _evidence(result),
            }
        )
    report["n"], report["ties"] = len(rows), ties
    if not rows:
        report["notes"].append(
            f"{run_dir}: no summarization item rated by a human rater in its grade store"
        )
        return report
    report.update(_report(rows, resamples, seed))
    return report


def _majority(ratings: Any) -> bool | None:
    """The fault by the raters' majority (poor or neutral); None for no rating or a tie."""
    given = [r for r in ratings if r is not None]
    faults = sum(r in FAULT_RATINGS for r in given)
    if not given or 2 * faults == len(given):
        return None
    return 2 * faults > len(given)


# ------------------------------------------------------------------ text


def format_summary_report(report: dict[str, Any]) -> str:
    """The report as text: one row per check, per use case, then the 2x2 counts."""
    agreement = report["measure"]  # with ratings, how often the check and the raters agree
    lines = [
        f"summary checks on {report['source']} (n={report['n']}, against "
        f"{report['compared_with']}; positive = the fault)"
    ]
    if not report["checks"]:
        lines += [f"  {note}" for note in report.get("notes", [])] or ["  nothing to compare"]
        return "\n".join(lines)
    header = f"  {'':<40}{'n':>5}{'pos':>5}  {'precision':<22}{'recall':<22}{'F1':<22}{agreement}"

    def row(label: str, m: dict[str, Any]) -> str:
        return (
            f"  {label:<40}{m['n']:>5}{m['tp'] + m['fn']:>5}  {format_metric(m['precision']):<22}"
            f"{format_metric(m['recall']):<22}{format_metric(m['f1']):<22}"
            f"{format_metric(m['accuracy'])}"
        )

    def label(check: str) -> str:
        if agreement == "agreement":
            return f"{check} vs {DIMENSIONS[check]} poor/neutral"
        return CHECKS[check][1]

    lines.append(header)
    lines += [row(label(check), m) for check, m in report["checks"].items()]
    for use_case, table in report.get("use_cases", {}).items():
        lines += ["", f"use case {use_case}:", header]
        lines += [row(label(check), m) for check, m in table.items()]
    lines += ["", "counts (tp / fp / fn / tn; rows: checks, positive = the fault):"]
    for check, m in report["checks"].items():
        lines.append(f"  {check:<20} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4} {m['tn']:>4}")
    if any(report.get("ties", {}).values()):
        split = ", ".join(f"{c} {k}" for c, k in report["ties"].items())
        lines.append(f"  items whose raters split evenly (left out): {split}")
    if report.get("errors"):
        lines.append(
            f"  {len(report['errors'])} disagreements (ids, and what each check found: --json)"
        )
    lines += [f"  note: {note}" for note in report.get("notes", [])]
    return "\n".join(lines)


# ------------------------------------------------------------------ beside the checks' rates


def summary_accuracy(which: str | os.PathLike[str] | None = "test") -> dict[str, Any]:
    """Each check's measured F1 and accuracy on a labelled set (the shipped test split by
    default), cached per file and checks' code; `available` is False when the set is missing."""
    path = set_path(which)
    if not path.exists():
        return {
            "grader": "summary",
            "available": False,
            "source": str(path),
            "text": f"summary checks: accuracy not measured ({path} not found)",
        }
    code = sorted(Path(__file__).parent.glob("*.py"))  # the checks and their text rules
    samples = sorted(SAMPLES_DIR.glob("*.jsonl"))
    return dict(_summary_accuracy(str(path), mtimes(path, *code, *samples)))


@lru_cache(maxsize=4)
def _summary_accuracy(path: str, stamps: tuple[float, ...]) -> dict[str, Any]:
    report = eval_labelled(path)
    checks = {}
    for check, m in report["checks"].items():
        f1, accuracy = m["f1"], m["accuracy"]
        text = (
            f"{CHECKS[check][1]}: F1 {format_metric(f1, 2)}, accuracy "
            f"{format_metric(accuracy, 2)} (n={m['n']}, {m['tp'] + m['fn']} with the fault)"
        )
        checks[check] = {"f1": f1, "accuracy": accuracy, "n": m["n"], "text": text}
    return {
        "grader": "summary",
        "available": True,
        "metric": "F1 and accuracy per check",
        "source": report["source"],
        "path": path,
        "checks": checks,
        "text": "\n".join(f"{c['text']} on {report['source']}" for c in checks.values()),
    }


def accuracy_lines(which: str | os.PathLike[str] | None = "test") -> list[str]:
    """One line per check for `evalkit summarization checks`: its measured error and source."""
    measured = summary_accuracy(which)
    if not measured["available"]:
        return [measured["text"]]
    return [f"{c['text']} on {measured['source']}" for c in measured["checks"].values()]
