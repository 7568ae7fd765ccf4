"""Every automatic grader measured against labelled data: `evalkit graders eval`.

An automatic rate (over-refusal by the refusal detector, factual accuracy by the factuality
rules, a win rate by the LLM judge) is only as good as its grader, so the grader's own error is
measured and printed beside it:

- **refusal** (`evalkit.scoring.refusal`): against a labelled set of responses (evalkit's test
  split by default, `prompts/labelled/refusals/test.jsonl`; or `dev`, or a path): precision,
  recall and F1 of `refused` (refused or partial), accuracy and three-way agreement, per persona
  and per style when the set has them, and the three-way confusion matrix;
- **factuality** (`evalkit.scoring.factuality`, when present): against a JSONL set of responses
  with a human's `correct` (true/false) and the fact (`answer`: a FactAnswer, or `prompt`: a
  Prompt, or `question` + `reference`): coverage (the share it decides), accuracy where it
  decides, precision / recall / F1 of "correct";
- **summary** (`evalkit.summarization.accuracy`): the four summary checks (omission,
  ungrounded, too long, follows injection) against a labelled set of summaries (evalkit's test
  split by default, `prompts/labelled/summaries/test.jsonl`) or a run's human dimension
  ratings: precision, recall, F1 and accuracy (or agreement) per check and per use case;
- **judge** (`evalkit scoring.judge`'s grades in a run's store): agreement with the humans per
  kind (`evalkit.stats.agreement.judge_agreement`), and its hygiene on side-by-side items:
  *position bias*, the share of items whose verdict flipped with the order (the `consistent`
  detail of its `sxs_judge` scores), and *length bias*, among its consistent, non-tied verdicts
  on responses of different lengths, the share preferring the longer response minus 0.5.

Intervals are 95%: Wilson for rates (precision, recall, accuracy, agreement, the biases), a
bootstrap over items (percentile, `DEFAULT_RESAMPLES`, evalkit's fixed seed) for F1.

`grader_accuracy(name)` is what the report prints beside an automatic rate, e.g. "refusal
detector: F1 0.93 [0.90, 0.95] on evalkit's test split (n=238)": computed from the shipped test
split when first asked (then cached), never a number written down.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.errors import UserError
from evalkit.paths import mtimes
from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, rng_for
from evalkit.stats.proportions import wilson_interval

NAN = float("nan")
GROUP_FIELDS = ("persona", "style", "language", "prompt_kind")
REFUSAL_NAMES = ("refusal", "auto:refusal", "refusal detector")
FACTUALITY_NAMES = ("factuality", "auto:factuality")
SUMMARY_NAMES = ("summary", "summary checks", "summarization checks")


# ------------------------------------------------------------------ metrics


def rate(k: int, n: int) -> dict[str, Any]:
    """{value, low, high, k, n} with a Wilson interval (NaN when n is 0)."""
    low, high = wilson_interval(k, n)
    if n:
        low, high = (0.0 if k == 0 else low), (1.0 if k == n else high)
    return {"value": k / n if n else NAN, "low": low, "high": high, "k": int(k), "n": int(n)}


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = 2 * tp + fp + fn
        return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), np.nan)


def f1_interval(
    truth: Sequence[bool] | np.ndarray,
    pred: Sequence[bool] | np.ndarray,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = None,
) -> dict[str, Any]:
    """F1 of `pred` against `truth` with a percentile bootstrap interval over items."""
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(pred, dtype=bool)
    n = len(t)
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    # without any positive item F1 says nothing (it is 0 whatever the grader does)
    value = float(_f1(np.array(tp), np.array(fp), np.array(fn))) if t.any() else NAN
    out = {"value": value, "low": NAN, "high": NAN, "n": n, "positives": int(t.sum())}
    if n == 0 or not resamples or math.isnan(value):
        return out
    rng = rng_for(seed)
    draws = []
    cell = (t & p).astype(np.int64), (~t & p).astype(np.int64), (t & ~p).astype(np.int64)
    for start in range(0, resamples, 500):  # bounded memory for large sets
        size = min(500, resamples - start)
        index = rng.integers(0, n, size=(size, n))
        draws.append(_f1(*(c[index].sum(axis=1) for c in cell)))
    values = np.concatenate(draws)
    values = values[~np.isnan(values)]  # a resample without positives has no F1
    if len(values):
        out["low"], out["high"] = (float(v) for v in np.quantile(values, [0.025, 0.975]))
    return out


def binary_metrics(
    truth: Sequence[bool],
    pred: Sequence[bool],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = None,
) -> dict[str, Any]:
    """Precision, recall, accuracy (Wilson) and F1 (bootstrap) of a binary decision."""
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(pred, dtype=bool)
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    return {
        "n": len(t),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": int((~t & ~p).sum()),
        "precision": rate(tp, tp + fp),
        "recall": rate(tp, tp + fn),
        "f1": f1_interval(t, p, resamples, seed),
        "accuracy": rate(int((t == p).sum()), len(t)),
    }


def confusion(truth: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> dict:
    """{true class: {predicted class: count}} over `classes` (rows: the human label)."""
    table = {c: dict.fromkeys(classes, 0) for c in classes}
    for t, p in zip(truth, pred, strict=True):
        table.setdefault(t, dict.fromkeys(classes, 0))
        table[t][p] = table[t].get(p, 0) + 1
    return table


def _num(v: float, digits: int = 3) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def format_metric(m: dict[str, Any], digits: int = 3) -> str:
    """'0.931 [0.902, 0.952]' (the point estimate and its 95% interval)."""
    if math.isnan(m["value"]):
        return "n/a"
    interval = (
        f" [{_num(m['low'], digits)}, {_num(m['high'], digits)}]"
        if not math.isnan(m["low"])
        else ""
    )
    return f"{m['value']:.{digits}f}{interval}"


# ------------------------------------------------------------------ refusal


def classification_report(
    records: Sequence[Any],
    detections: Sequence[Any],
    *,
    source: str = "",
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
    groups: Sequence[str] = ("persona", "style"),
) -> dict[str, Any]:
    """The refusal detector's detections against labelled records (three-way labels): overall,
    per group value, the confusion matrix and the misclassified ids."""
    from evalkit.scoring.refusal import LABELS

    truth = [r.label for r in records]
    pred = [d.label for d in detections]
    t_bin = [x != "complied" for x in truth]
    p_bin = [d.refused for d in detections]
    same = sum(a == b for a, b in zip(truth, pred, strict=True))
    partial_pairs = [(a, b) for a, b in zip(truth, pred, strict=True) if a != "complied"]
    report: dict[str, Any] = {
        "grader": "refusal",
        "source": source,
        "positive": "refused or partial",
        "overall": {
            **binary_metrics(t_bin, p_bin, resamples, seed),
            "three_way": rate(same, len(truth)),
            # among human refusals: is the full-vs-partial split the humans'?
            "split_agreement": rate(sum(a == b for a, b in partial_pairs), len(partial_pairs)),
        },
        "groups": {},
        "confusion": confusion(truth, pred, LABELS),
        "classes": list(LABELS),
        "errors": [
            {"id": r.id, "label": r.label, "predicted": d.label, "p_refused": d.p_refused}
            for r, d in zip(records, detections, strict=True)
            if r.label != d.label
        ],
    }
    for field in groups:
        values = [getattr(r, field, None) for r in records]
        if all(v is None for v in values):
            continue
        table = {}
        for value in sorted({v for v in values if v is not None}):
            idx = [i for i, v in enumerate(values) if v == value]
            metrics = binary_metrics(
                [t_bin[i] for i in idx], [p_bin[i] for i in idx], resamples, seed
            )
            metrics["three_way"] = rate(sum(truth[i] == pred[i] for i in idx), len(idx))
            table[value] = metrics
        report["groups"][field] = table
    return report


def eval_refusal(
    which: str | os.PathLike[str] | None = "test",
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> dict[str, Any]:
    """The refusal detector on a labelled set: `test` (default), `dev`, or a path."""
    from evalkit.scoring import refusal

    path = refusal._set_path(which)
    records = refusal.load_labelled(path)
    if not records:
        raise UserError(f"{path}: no labelled responses")
    detections = [refusal.detect_refusal(r.response) for r in records]
    return classification_report(
        records, detections, source=_describe_set(path), resamples=resamples, seed=seed
    )


def _describe_set(path: Path) -> str:
    from evalkit.scoring import refusal

    names = {refusal.TEST_SET.resolve(): "test", refusal.DEV_SET.resolve(): "dev"}
    split = names.get(Path(path).resolve())
    return f"evalkit's {split} split" if split else str(path)


def format_report(report: dict[str, Any]) -> str:
    """A classification report as text: overall, per group, the confusion matrix."""
    lines = []
    o = report["overall"]
    title = f"{report['grader']} grader"
    if report.get("source"):
        title += f" on {report['source']}"
    lines.append(f"{title} (n={o['n']}; positive = {report['positive']})")
    lines.append(
        f"  precision {format_metric(o['precision'])}  recall {format_metric(o['recall'])}  "
        f"F1 {format_metric(o['f1'])}"
    )
    lines.append(
        f"  accuracy {format_metric(o['accuracy'])}  three-way agreement "
        f"{format_metric(o['three_way'])}"
        + (
            f"  full-vs-partial split agreement {format_metric(o['split_agreement'])}"
            if "split_agreement" in o
            else ""
        )
    )
    header = f"  {'':<28}{'n':>5}{'pos':>5}  {'precision':<22}{'recall':<22}{'F1':<22}three-way"
    for field, table in report.get("groups", {}).items():
        lines.append("")
        lines.append(f"by {field}:")
        lines.append(header)
        for value, m in table.items():
            lines.append(
                f"  {str(value):<28}{m['n']:>5}{m['tp'] + m['fn']:>5}  "
                f"{format_metric(m['precision']):<22}{format_metric(m['recall']):<22}"
                f"{format_metric(m['f1']):<22}{format_metric(m['three_way'])}"
            )
    classes = report["classes"]
    lines.append("")
    lines.append("confusion matrix (rows: human label, columns: grader):")
    lines.append(f"  {'':<14}" + "".join(f"{c:>11}" for c in classes))
    for truth in classes:
        row = report["confusion"].get(truth, {})
        lines.append(f"  {truth:<14}" + "".join(f"{row.get(c, 0):>11}" for c in classes))
    return "\n".join(lines)


# ------------------------------------------------------------------ factuality


def factuality_available() -> bool:
    try:
        from evalkit.scoring.factuality import fact_for, judge_fact  # noqa: F401
    except ImportError:
        return False
    return True


def eval_factuality(
    path: str | os.PathLike[str],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> dict[str, Any]:
    """The factuality rules against a labelled JSONL set (see the module docstring)."""
    from evalkit.jsonio import iter_json_lines

    if not factuality_available():
        return {"grader": "factuality", "available": False, "source": str(path)}
    from evalkit.errors import InputError
    from evalkit.records import FactAnswer, Prompt
    from evalkit.scoring.factuality import fact_for, judge_fact

    rows = []
    for line, obj in iter_json_lines(path):
        truth = obj.get("correct")
        if not isinstance(truth, bool):
            raise InputError(str(path), line, "correct", "must be true or false (the human's)")
        text = obj.get("response", obj.get("text"))
        if not isinstance(text, str):
            raise InputError(str(path), line, "response", "required (the model's answer)")
        question = obj.get("question")
        fact: FactAnswer | None
        try:
            if obj.get("answer") is not None:
                fact = FactAnswer.model_validate(obj["answer"])
            elif obj.get("prompt") is not None:
                prompt = Prompt.model_validate(obj["prompt"])
                fact, question = fact_for(prompt), question or prompt.user_text
            elif obj.get("reference") is not None and question:
                prompt = Prompt.model_validate(
                    {
                        "id": str(obj.get("id", line)),
                        "messages": [{"role": "user", "content": question}],
                        "reference": obj["reference"],
                    }
                )
                fact = fact_for(prompt)
            else:
                fact = None
        except ValueError as exc:
            raise InputError(str(path), line, "answer", str(exc).splitlines()[0]) from None
        if fact is None:
            raise InputError(str(path), line, "answer", "no fact: give answer, prompt or reference")
        verdict = judge_fact(text, fact, question=question)
        rows.append({**obj, "_truth": truth, "_pred": verdict.correct, "_type": fact.type})
    return _factuality_report(rows, str(path), resamples, seed)


def _factuality_report(
    rows: list[dict[str, Any]], source: str, resamples: int, seed: int | None
) -> dict[str, Any]:
    def block(part: list[dict[str, Any]]) -> dict[str, Any]:
        decided = [r for r in part if r["_pred"] is not None]
        truth = [r["_truth"] for r in part]
        pred = [r["_pred"] is True for r in part]  # "cannot tell" is not a "correct"
        metrics = binary_metrics(truth, pred, resamples, seed)
        metrics["coverage"] = rate(len(decided), len(part))
        metrics["decided_accuracy"] = rate(
            sum(r["_pred"] == r["_truth"] for r in decided), len(decided)
        )
        return metrics

    classes = ["correct", "incorrect", "cannot tell"]
    name = {True: "correct", False: "incorrect", None: "cannot tell"}
    report: dict[str, Any] = {
        "grader": "factuality",
        "available": True,
        "source": source,
        "positive": "correct",
        "overall": block(rows),
        "groups": {},
        "classes": classes,
        "confusion": confusion(
            [name[r["_truth"]] for r in rows], [name[r["_pred"]] for r in rows], classes
        ),
    }
    for field in ("_type", *GROUP_FIELDS):
        values = sorted({str(r[field]) for r in rows if r.get(field) is not None})
        if values:
            report["groups"][field.lstrip("_")] = {
                v: block([r for r in rows if str(r.get(field)) == v]) for v in values
            }
    return report


def format_factuality(report: dict[str, Any]) -> str:
    if not report.get("available"):
        return (
            "factuality grader: not available (evalkit.scoring.factuality has no "
            "judge_fact / fact_for)"
        )
    o = report["overall"]
    lines = [
        f"factuality grader on {report['source']} (n={o['n']}; positive = correct)",
        f"  coverage (decided) {format_metric(o['coverage'])}  accuracy where decided "
        f"{format_metric(o['decided_accuracy'])}",
        f"  precision {format_metric(o['precision'])}  recall {format_metric(o['recall'])}  "
        f"F1 {format_metric(o['f1'])}  accuracy (cannot tell = wrong) "
        f"{format_metric(o['accuracy'])}",
    ]
    for field, table in report["groups"].items():
        lines += ["", f"by {field}:"]
        for value, m in table.items():
            lines.append(
                f"  {value:<24} n={m['n']:<4} coverage {format_metric(m['coverage']):<22} "
                f"accuracy where decided {format_metric(m['decided_accuracy']):<22} "
                f"F1 {format_metric(m['f1'])}"
            )
    classes = report["classes"]
    lines += ["", "confusion matrix (rows: human, columns: grader):"]
    lines.append(f"  {'':<14}" + "".join(f"{c:>13}" for c in classes))
    for truth in classes[:2]:
        row = report["confusion"].get(truth, {})
        lines.append(f"  {truth:<14}" + "".join(f"{row.get(c, 0):>13}" for c in classes))
    return "\n".join(lines)


# ------------------------------------------------------------------ the LLM judge


def eval_judge(run_dir: str | os.PathLike[str], db: str | None = None) -> dict[str, Any]:
    """The LLM judge of a run against its human grades, and its position and length bias."""
    from evalkit.kinds.base import get_kind
    from evalkit.stats.agreement import judge_agreement
    from evalkit.stats.runs import load_run_frames

    frames = load_run_frames(run_dir, db)
    agreement = []
    for name, grades in sorted(frames.grades.items()):
        if grades.empty or not (grades["grader"] == "auto").any():
            continue
        table = judge_agreement(get_kind(name), grades, frames.rubric(name))
        agreement += [_clean(row) for row in table.to_dict("records")]
    consistency = _sxs_consistency(Path(run_dir))
    return {
        "grader": "judge",
        "source": str(run_dir),
        "agreement": agreement,
        "position_bias": _position_bias(consistency),
        "length_bias": _length_bias(frames.kind("sxs"), consistency),
        "notes": list(frames.notes),
    }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def _sxs_consistency(run_dir: Path) -> dict[tuple[str, str], bool]:
    """(judge, item id) -> whether its sxs verdict held when the sides were swapped."""
    from evalkit.jsonio import read_records
    from evalkit.records import Score
    from evalkit.rundir import RunDir

    path = RunDir(run_dir).scores
    out: dict[tuple[str, str], bool] = {}
    if not path.exists():
        return out
    for score in read_records(path, Score, allow_torn_tail=True):
        if score.metric != "sxs_judge" or score.value is None:
            continue
        consistent, item = score.details.get("consistent"), score.details.get("item_id")
        if isinstance(consistent, bool) and item:
            out[(score.scorer, str(item))] = consistent
    return out


def _position_bias(consistency: dict[tuple[str, str], bool]) -> list[dict[str, Any]]:
    rows = []
    for judge in sorted({j for j, _ in consistency}):
        flags = [c for (j, _), c in consistency.items() if j == judge]
        flipped = sum(not c for c in flags)
        rows.append({"judge": judge, **rate(flipped, len(flags))})
    return rows


def _length_bias(sxs: Any, consistency: dict[tuple[str, str], bool]) -> list[dict[str, Any]]:
    """Per judge: share of consistent, non-tied verdicts preferring the longer response, − 0.5."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    needed = {"rater_id", "grader", "item_id", "score", "len_a", "len_b"}
    if sxs is None or sxs.empty or not needed <= set(sxs.columns):
        return rows
    auto = sxs[sxs["grader"] == "auto"]
    for judge, group in auto.groupby("rater_id"):
        consistent = group["item_id"].map(lambda i, j=judge: consistency.get((j, str(i))))
        len_a = pd.to_numeric(group["len_a"], errors="coerce")
        len_b = pd.to_numeric(group["len_b"], errors="coerce")
        score = pd.to_numeric(group["score"], errors="coerce")
        keep = (consistent == True) & (score != 0) & len_a.notna() & len_b.notna()  # noqa: E712
        keep &= len_a != len_b
        longer = ((score > 0) == (len_a > len_b))[keep]
        k, n = int(longer.sum()), int(keep.sum())
        share = rate(k, n)
        rows.append(
            {
                "judge": str(judge),
                "value": share["value"] - 0.5,
                "low": share["low"] - 0.5,
                "high": share["high"] - 0.5,
                "k": k,
                "n": n,
                "share_longer": share["value"],
            }
        )
    return rows


def format_judge(report: dict[str, Any]) -> str:
    lines = [f"LLM judge of {report['source']}"]
    if not report["agreement"]:
        lines.append("  agreement: no items graded by both the judge and humans")
    else:
        lines.append("  agreement with the humans' majority label (primary measure per kind):")
        for row in report["agreement"]:
            agree = {
                "value": row["rate"],
                "low": row["low"],
                "high": row["high"],
            }
            kappa = {"value": row["kappa"], "low": row["kappa_low"], "high": row["kappa_high"]}
            lines.append(
                f"    {row['kind']:<14} {row['judge']:<28} agreement {format_metric(agree)} "
                f"n={row['n']}  kappa {format_metric(kappa)}"
            )
    lines.append("  position bias (share of side-by-side verdicts that flipped with the order):")
    if not report["position_bias"]:
        lines.append("    n/a (no sxs_judge scores with `consistent` in scores.jsonl)")
    for row in report["position_bias"]:
        lines.append(f"    {row['judge']:<28} {format_metric(row)} n={row['n']}")
    lines.append(
        "  length bias (consistent, non-tied verdicts preferring the longer response − 0.5):"
    )
    if not report["length_bias"]:
        lines.append("    n/a (no judge grades on side-by-side items)")
    for row in report["length_bias"]:
        lines.append(f"    {row['judge']:<28} {format_metric(row, 3)} n={row['n']}")
    lines += [f"  note: {note}" for note in report.get("notes", [])]
    return "\n".join(lines)


# ------------------------------------------------------------------ beside every automatic rate


def grader_accuracy(name: str, source: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """A grader's measured accuracy and where it came from, for the report to print beside the
    rates it produced. Computed from the shipped labelled data at call time (cached per model
    and data file), never written down. `source`: another labelled set (refusal, factuality)
    or a run folder (judge); "summary" gives one entry per check under `checks`. `available`
    is False when there is nothing to measure against."""
    key = name.strip().lower()
    if key in REFUSAL_NAMES:
        from evalkit.scoring import refusal

        path = refusal._set_path(source or "test")
        return dict(_refusal_accuracy(str(path), *mtimes(path, refusal.MODEL_PATH)))
    if key in FACTUALITY_NAMES:
        if source is None:
            return {
                "grader": "factuality",
                "available": False,
                "text": "factuality rules: accuracy not measured (no labelled set given)",
            }
        report = eval_factuality(source, resamples=0)
        if not report.get("available"):
            return {"grader": "factuality", "available": False, "text": format_factuality(report)}
        acc = report["overall"]["decided_accuracy"]
        cov = report["overall"]["coverage"]
        return {
            "grader": "factuality",
            "available": True,
            "metric": "accuracy where decided",
            **{k: acc[k] for k in ("value", "low", "high", "n")},
            "coverage": cov["value"],
            "source": str(source),
            "text": f"factuality rules: accuracy {format_metric(acc, 2)} where decided "
            f"({100 * cov['value']:.0f}% decided) on {source} (n={cov['n']})",
        }
    if key.startswith("judge"):
        if source is None:
            return {
                "grader": name,
                "available": False,
                "text": "LLM judge: agreement not measured (no run with human grades given)",
            }
        report = eval_judge(source)
        rows = report["agreement"]
        if not rows:
            return {"grader": name, "available": False, "text": format_judge(report)}
        k, n = sum(int(r["k"]) for r in rows), sum(int(r["n"]) for r in rows)
        agree = rate(k, n)
        return {
            "grader": name,
            "available": True,
            "metric": "agreement with humans",
            **{f: agree[f] for f in ("value", "low", "high", "n")},
            "source": str(source),
            "text": f"LLM judge: agreement with humans {format_metric(agree, 2)} on "
            f"{source} (n={n})",
        }
    if key in SUMMARY_NAMES:
        from evalkit.summarization.accuracy import summary_accuracy

        return summary_accuracy(source or "test")  # per check: F1 and accuracy
    raise UserError(f"unknown grader {name!r}: refusal, factuality, judge or summary")


@lru_cache(maxsize=8)
def _refusal_accuracy(path: str, *stamps: float) -> dict[str, Any]:
    report = eval_refusal(path)
    f1 = report["overall"]["f1"]
    return {
        "grader": "refusal",
        "available": True,
        "metric": "F1",
        "value": f1["value"],
        "low": f1["low"],
        "high": f1["high"],
        "n": f1["n"],
        "precision": report["overall"]["precision"]["value"],
        "recall": report["overall"]["recall"]["value"],
        "source": report["source"],
        "path": path,
        "text": f"refusal detector: F1 {format_metric(f1, 2)} on {report['source']} (n={f1['n']})",
    }


def to_json(report: dict[str, Any]) -> str:
    def default(value: Any) -> Any:
        if hasattr(value, "item"):
            return value.item()
        return str(value)

    def scrub(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {str(k): scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [scrub(v) for v in value]
        return value

    return json.dumps(scrub(report), ensure_ascii=False, indent=2, default=default)
