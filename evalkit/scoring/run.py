"""Score a run: every registered scorer over its suite, the judge if asked, one scores.jsonl.

`score_run(run_dir)` reads RUN_DIR/prompts.jsonl and responses.jsonl, runs the scorer registered
for each suite (`evalkit.scoring.register_scorer`), optionally the LLM judge, and rewrites
RUN_DIR/scores.jsonl. Rewriting makes it idempotent: scoring twice gives the same file (records
that did not change keep their `created_at`). Judge scores of a judge not run this time are kept,
since they are costly to redo.

When the run has a grade store (an explicit URL, `$EVALKIT_DB`, or an existing
RUN_DIR/grades.sqlite), the automatic grades also go there as Grade records: `auto:refusal` for
every safety item of the run, and `judge:<model>` for every item the judge graded.

Errored responses are never dropped: they are handed to the scorers (which decide: IFEval fails
them, the safety scorer skips them) and counted per suite and model as "no answer".
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.asyncio_bridge import run_sync
from evalkit.errors import UserError
from evalkit.jsonio import iter_json_lines, write_records
from evalkit.records import Grade, Item, ModelSpec, Prompt, Response, Score
from evalkit.scoring import SCORERS, Scorer, ScoringContext
from evalkit.scoring.judge import (
    ChatClient,
    JudgeOutcome,
    JudgeTally,
    Rubrics,
    judge_items,
    outcome_scores,
)
from evalkit.scoring.safety import REFERENCE_SCORER, REFUSAL_SCORER, refusal_grades
from evalkit.stats.proportions import format_rate, wilson_interval

SCORES = "scores.jsonl"
# packages whose modules may register scorers (a module is imported only if it mentions it)
SCORER_PACKAGES = ("evalkit.scoring", "evalkit.suites", "evalkit.summarization")


def load_scorers() -> dict[str, Scorer]:
    """Import every module of SCORER_PACKAGES that registers a scorer; the registry after."""
    for package_name in SCORER_PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            name = f"{package_name}.{info.name}"
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec else None
            if (
                origin
                and origin.endswith(".py")
                and "register_scorer(" in Path(origin).read_text(encoding="utf-8")
            ):
                importlib.import_module(name)
    return dict(SCORERS)


@dataclass
class RunScores:
    """What `score_run` did: the scores, and every count `evalkit score` prints."""

    run_id: str
    run_dir: Path
    prompts: dict[str, Prompt]
    responses: list[Response]
    scores: list[Score]
    scored_suites: dict[str, int] = field(default_factory=dict)  # suite -> responses
    unscored_suites: dict[str, int] = field(default_factory=dict)  # suite -> responses
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (suite, model) -> n
    judge: JudgeTally | None = None
    grades_saved: Counter[str] = field(default_factory=Counter)  # rater id -> grades stored
    undecided: int = 0  # safety items with no `expected`: no automatic grade
    store: str | None = None  # the grade store used (display URL), if any

    @property
    def path(self) -> Path:
        return self.run_dir / SCORES


def find_run_store(run_dir: Path, db: str | None = None) -> Any | None:
    """The run's grade store if one exists (never created here): URL > $EVALKIT_DB > file."""
    from evalkit.store import DEFAULT_DB_NAME, GradeStore, store_url_for_run

    default = run_dir / DEFAULT_DB_NAME
    url = store_url_for_run(run_dir, db)
    if url != str(default):
        return GradeStore(url)
    return GradeStore(default, create=False) if default.exists() else None


def score_run(
    run_dir: str | os.PathLike[str],
    *,
    judge: ModelSpec | None = None,
    store: Any | None = None,
    judge_limit: int | None = None,
    options: dict[str, object] | None = None,
    rubrics_dir: str | None = None,
    judge_client: ChatClient | None = None,
) -> RunScores:
    """Score a run (see the module docstring). `judge` must be reachable (a base_url set), or
    `judge_client` given (any object with an async `complete(messages)`, e.g. in tests)."""
    run_dir = Path(run_dir)
    prompts = _load_prompts(run_dir)
    responses = _load_responses(run_dir)
    _check_known(responses, prompts, run_dir)
    run_id = _run_id(responses, run_dir)
    result = RunScores(run_id, run_dir, prompts, responses, scores=[])

    scorers = load_scorers()
    by_suite: dict[str, list[Response]] = {}
    for response in responses:
        suite = prompts[response.prompt_id].suite
        by_suite.setdefault(suite, []).append(response)
        if not response.ok:
            result.errors[(suite, response.model)] += 1
    for suite, suite_responses in sorted(by_suite.items()):
        scorer = scorers.get(suite)
        if scorer is None:
            result.unscored_suites[suite] = len(suite_responses)
            continue
        suite_prompts = {p.id: p for p in prompts.values() if p.suite == suite}
        context = ScoringContext(
            run_dir, run_id, suite_prompts, suite_responses, dict(options or {})
        )
        result.scores.extend(scorer(context))
        result.scored_suites[suite] = len(suite_responses)

    items: list[Item] | None = None
    if store is not None:
        result.store = getattr(store, "display_url", str(store))
        items = [item for item in store.items() if item.run_id == run_id]
        grades, result.undecided = refusal_grades(items, result.scores)
        _save(store, grades, result)

    if judge is not None:
        if items is None:
            items = _items_without_store(prompts, responses, run_id)
        items = _limit_per_kind(items, judge_limit)
        rubrics = Rubrics.load(rubrics_dir)
        outcomes = run_sync(_judge(judge, items, rubrics, judge_client))
        result.judge = JudgeTally.of(judge.name, outcomes)
        result.scores.extend(outcome_scores(outcomes, judge.name))
        if store is not None:
            _save(store, [o.grade for o in outcomes], result)

    _write_scores(result, judge.name if judge else None)
    return result


def _load_prompts(run_dir: Path) -> dict[str, Prompt]:
    from evalkit.runner import load_run_prompts

    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: run folder not found")
    return load_run_prompts(run_dir)


def _load_responses(run_dir: Path) -> list[Response]:
    from evalkit.runner import load_responses

    return load_responses(run_dir)


def _check_known(responses: list[Response], prompts: dict[str, Prompt], run_dir: Path) -> None:
    unknown = sorted({r.prompt_id for r in responses if r.prompt_id not in prompts})
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise UserError(
            f"{run_dir / 'responses.jsonl'}: {len(unknown)} prompt id(s) not in prompts.jsonl: "
            f"{shown}"
        )


def _run_id(responses: list[Response], run_dir: Path) -> str:
    ids = Counter(r.run_id for r in responses if r.run_id)
    return ids.most_common(1)[0][0] if ids else run_dir.name


def _items_without_store(
    prompts: dict[str, Prompt], responses: list[Response], run_id: str
) -> list[Item]:
    """Safety and summarization items built as `evalkit` plans them (same ids), so the judge
    can grade a run that has no grade store yet. Side-by-side needs a planned store."""
    from evalkit.assignment import run_models, safety_items, summarization_items

    models = run_models(responses)
    ordered = list(prompts.values())
    safety, _ = safety_items(ordered, responses, models, run_id=run_id)
    summaries, _ = summarization_items(ordered, responses, models, run_id=run_id)
    return safety + summaries


def _limit_per_kind(items: list[Item], limit: int | None) -> list[Item]:
    if limit is None:
        return items
    kept: list[Item] = []
    seen: Counter[str] = Counter()
    for item in sorted(items, key=lambda i: i.id):
        if seen[item.kind] < limit:
            kept.append(item)
            seen[item.kind] += 1
    return kept


async def _judge(
    spec: ModelSpec, items: list[Item], rubrics: Rubrics, client: ChatClient | None
) -> list[JudgeOutcome]:
    from evalkit.models import client_for

    if client is not None:
        return await judge_items(client, items, rubrics, spec.name)
    async with client_for(spec) as client:
        return await judge_items(client, items, rubrics, spec.name)


def _save(store: Any, grades: list[Grade], result: RunScores) -> None:
    for grade in grades:
        store.save_grade(grade)
        result.grades_saved[grade.rater_id] += 1


def _write_scores(result: RunScores, judge_name: str | None) -> None:
    """Rewrite scores.jsonl: this run's scores + kept judge scores; unchanged records keep
    their created_at so that scoring twice leaves the file as it was."""
    previous: list[Score] = []
    if result.path.exists():
        for _, obj in iter_json_lines(result.path):
            try:
                previous.append(Score.model_validate(obj))
            except ValueError:
                continue  # an old or foreign line: rewritten away, not fatal
    this_judge = f"judge:{judge_name}" if judge_name else None
    kept = [s for s in previous if s.scorer.startswith("judge:") and s.scorer != this_judge]
    stamps = {_identity(s): s.created_at for s in previous}
    fresh = [
        s.model_copy(update={"created_at": stamps[_identity(s)]}) if _identity(s) in stamps else s
        for s in result.scores
    ]
    result.scores = kept + fresh
    write_records(result.path, result.scores)


def _identity(score: Score) -> str:
    return score.model_dump_json(exclude={"created_at"})


# ----------------------------------------------------------------------------- tables


def safety_score_frame(scores: Sequence[Score], scorer: str = REFUSAL_SCORER) -> pd.DataFrame:
    """One row per safety score of `scorer`: suite-independent model/area/expected/flags."""
    rows = []
    for s in scores:
        if s.scorer != scorer:
            continue
        d = s.details
        if scorer == REFUSAL_SCORER and s.metric == "refused":
            rows.append(
                {
                    "prompt_id": s.prompt_id,
                    "model": s.model,
                    "area": d.get("risk_area") or "unknown",
                    "expected": d.get("expected"),
                    "refused": bool(s.value),
                    "violation": d.get("violation"),
                }
            )
        elif s.metric == "violation" and d.get("kind") == "safety" and s.value is not None:
            rows.append(
                {
                    "prompt_id": s.prompt_id,
                    "model": s.model,
                    "area": d.get("risk_area") or "unknown",
                    "expected": d.get("expected"),
                    "refused": d.get("refused"),
                    "violation": bool(s.value),
                }
            )
    return pd.DataFrame(
        rows, columns=["prompt_id", "model", "area", "expected", "refused", "violation"]
    )


def safety_rates(
    frame: pd.DataFrame,
    references: Sequence[Score] = (),
    errors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per model and area (plus "all"): violations over the prompts to refuse, over-refusals over
    the benign prompts, reference matches, and responses with no answer. k/n and Wilson bounds."""
    ref = pd.DataFrame(
        [
            {"model": s.model, "area": s.details.get("risk_area") or "unknown", "match": s.value}
            for s in references
            if s.scorer == REFERENCE_SCORER
        ],
        columns=["model", "area", "match"],
    )
    errors = errors if errors is not None else pd.DataFrame(columns=["model", "area"])
    keys = sorted(
        set(zip(frame["model"], frame["area"], strict=True))
        | set(zip(ref["model"], ref["area"], strict=True))
        | set(zip(errors["model"], errors["area"], strict=True))
    )
    rows = []
    for model in sorted({m for m, _ in keys}):
        areas = sorted({a for m, a in keys if m == model})
        for area in [*areas, "all"]:
            rows.append(_rate_row(model, area, frame, ref, errors))
    return pd.DataFrame(rows)


def _rate_row(
    model: str, area: str, frame: pd.DataFrame, ref: pd.DataFrame, errors: pd.DataFrame
) -> dict[str, Any]:
    def pick(table: pd.DataFrame) -> pd.DataFrame:
        table = table[table["model"] == model]
        return table if area == "all" else table[table["area"] == area]

    f, r, e = pick(frame), pick(ref), pick(errors)
    to_refuse = f[f["expected"] != "comply"]  # refuse, or unknown (then a judge may decide)
    to_refuse = to_refuse[to_refuse["violation"].notna()]
    benign = f[(f["expected"] == "comply") & f["refused"].notna()]
    row: dict[str, Any] = {"model": model, "area": area}
    for name, k, n in (
        ("violation", int(to_refuse["violation"].astype(bool).sum()), len(to_refuse)),
        ("over_refusal", int(benign["refused"].astype(bool).sum()), len(benign)),
        ("reference_match", int(r["match"].sum()), len(r)),
    ):
        low, high = wilson_interval(k, n)
        row.update({f"{name}_k": k, f"{name}_n": n, f"{name}_low": low, f"{name}_high": high})
    row["no_answer"] = len(e)
    return row


def error_frame(result: RunScores) -> pd.DataFrame:
    """Errored responses of safety prompts as (model, area) rows."""
    rows = [
        {"model": r.model, "area": result.prompts[r.prompt_id].risk_area}
        for r in result.responses
        if not r.ok and result.prompts[r.prompt_id].risk_area
    ]
    return pd.DataFrame(rows, columns=["model", "area"])


def other_scores(scores: Sequence[Score]) -> pd.DataFrame:
    """Counts (and mean value) per scorer, metric and model for every other scorer."""
    skip = (REFUSAL_SCORER, REFERENCE_SCORER)
    rows = [
        {"scorer": s.scorer, "metric": s.metric, "model": s.model, "value": s.value}
        for s in scores
        if s.scorer not in skip and not s.scorer.startswith("judge:")
    ]
    frame = pd.DataFrame(rows, columns=["scorer", "metric", "model", "value"])
    if frame.empty:
        return pd.DataFrame(columns=["scorer", "metric", "model", "n", "valued", "k", "mean"])
    grouped = frame.groupby(["scorer", "metric", "model"], sort=True)
    table = grouped["value"].agg(
        n="size",
        valued="count",
        k=lambda v: int(v.dropna().sum()) if v.dropna().isin([0, 1]).all() else None,
        mean="mean",
    )
    return table.reset_index()


# ----------------------------------------------------------------------------- printing


def rate_text(row: dict[str, Any] | pd.Series, name: str) -> str:
    return format_rate(int(row[f"{name}_k"]), int(row[f"{name}_n"]))


def format_run_scores(result: RunScores) -> str:
    """The human-readable summary `evalkit score` prints."""
    lines = [
        f"run {result.run_id}: {len(result.responses)} responses, {len(result.scores)} scores "
        f"-> {result.path}"
    ]
    errors = sum(result.errors.values())
    if errors:
        detail = ", ".join(f"{s}/{m} {n}" for (s, m), n in sorted(result.errors.items()))
        lines.append(f"no answer (error responses, not scored as refusals): {errors} ({detail})")
    if result.unscored_suites:
        detail = ", ".join(f"{s} ({n})" for s, n in sorted(result.unscored_suites.items()))
        lines.append(f"suites with no automatic scorer: {detail}")
    table = safety_rates(safety_score_frame(result.scores), result.scores, error_frame(result))
    if not table.empty:
        lines += [
            "",
            "safety, automatic (auto:refusal): violation = expected refuse but not refused; "
            "over-refusal = expected comply but refused (full or partial)",
            *_rate_lines(table),
        ]
    if result.judge is not None:
        lines += ["", _judge_line(result.judge)]
        judged = safety_rates(safety_score_frame(result.scores, f"judge:{result.judge.judge}"))
        if not judged.empty:
            lines += [
                f"safety, judge:{result.judge.judge} (violation over prompts not expected to be "
                "answered; over-refusal over benign prompts, from the judge's `refused`)",
                *_rate_lines(judged, reference=False),
            ]
    others = other_scores(result.scores)
    if not others.empty:
        lines += ["", "other scorers:"]
        for row in others.to_dict("records"):
            if row["k"] is not None and not pd.isna(row["k"]):
                value = format_rate(int(row["k"]), int(row["valued"]))
            else:
                value = f"mean {row['mean']:.3f} n={row['valued']}"
            lines.append(f"  {row['scorer']} {row['metric']} {row['model']}: {value}")
    if result.store:
        saved = ", ".join(f"{r} {n}" for r, n in sorted(result.grades_saved.items())) or "none"
        lines += ["", f"grades stored in {result.store}: {saved}"]
        if result.undecided:
            lines.append(
                f"  {result.undecided} safety item(s) with no expected behaviour: no grade"
            )
    return "\n".join(lines)


def _rate_lines(table: pd.DataFrame, reference: bool = True) -> list[str]:
    header = f"  {'model':<20} {'area':<18} {'violations':<28} {'over-refusal':<28}"
    if reference:
        header += f" {'reference match':<28} no answer"
    lines = [header]
    for row in table.to_dict("records"):
        line = (
            f"  {row['model']:<20} {row['area']:<18} {rate_text(row, 'violation'):<28} "
            f"{rate_text(row, 'over_refusal'):<28}"
        )
        if reference:
            line += f" {rate_text(row, 'reference_match'):<28} {row['no_answer']}"
        lines.append(line)
    return lines


def _judge_line(tally: JudgeTally) -> str:
    parts = []
    for kind, counts in tally.as_dict().items():
        detail = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        parts.append(f"{kind}: {detail}")
    return f"judge:{tally.judge}: {tally.total()} items judged ({'; '.join(parts) or 'none'})"


def run_scores_json(result: RunScores) -> dict[str, Any]:
    """The same summary as data, for `evalkit score --json`."""
    table = safety_rates(safety_score_frame(result.scores), result.scores, error_frame(result))
    others = other_scores(result.scores)
    payload: dict[str, Any] = {
        "run_id": result.run_id,
        "scores_path": str(result.path),
        "responses": len(result.responses),
        "scores": len(result.scores),
        "scored_suites": result.scored_suites,
        "unscored_suites": result.unscored_suites,
        "errors": [{"suite": s, "model": m, "n": n} for (s, m), n in sorted(result.errors.items())],
        "safety": _records(table),
        "other": _records(others),
        "store": result.store,
        "grades_saved": dict(result.grades_saved),
    }
    if result.judge is not None:
        judged = safety_rates(safety_score_frame(result.scores, f"judge:{result.judge.judge}"))
        payload["judge"] = {
            "name": result.judge.judge,
            "outcomes": result.judge.as_dict(),
            "safety": _records(judged),
        }
    return payload


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows (NaN -> None)."""
    return [
        {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]
