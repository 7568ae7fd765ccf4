"""Score a run: every registered scorer over its suite, the judge if asked, one scores.jsonl.

`score_run(run_dir)` reads RUN_DIR/prompts.jsonl and responses.jsonl, runs the scorer registered
for each suite (`evalkit.scoring.register_scorer`), optionally the LLM judge, and rewrites
RUN_DIR/scores.jsonl. Rewriting makes it idempotent: scoring twice gives the same file (records
that did not change keep their `created_at`). Judge scores of a judge not run this time are kept,
since they are costly to redo. It holds the run folder's writer lock (`RunDir.writing("score")`)
while it works.

When the run has a grade store (`db`, `$EVALKIT_DB`, or an existing RUN_DIR/grades.sqlite; never
created here), the automatic grades also go there as Grade records: `auto:refusal` for every
item of a kind graded on violation and refusal (safety), and `judge:<model>` for every item the
judge graded.

Rates are not computed here: `evalkit score` prints the statistics' own rows for the run
(`evalkit.stats`: violation and over-refusal rates of the automatic graders, IFEval accuracies),
the same rows `evalkit stats`, the gates and the report read.

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
from evalkit.kinds.base import PlanRequest, all_kinds
from evalkit.records import Grade, Item, ModelSpec, Prompt, Response, Score
from evalkit.rundir import RunDir
from evalkit.scoring import SCORERS, Scorer, ScoringContext
from evalkit.scoring.judge import (
    ChatClient,
    JudgeOutcome,
    JudgeTally,
    judge_items,
    load_rubrics,
    outcome_scores,
)
from evalkit.scoring.safety import REFUSAL_SCORER, refusal_grades
from evalkit.stats.proportions import format_rate

SCORES = "scores.jsonl"
# packages whose modules may register scorers (a module is imported only if it mentions it)
SCORER_PACKAGES = ("evalkit.scoring", "evalkit.suites", "evalkit.summarization")
# what `evalkit score` prints of the statistics: these metrics (and the IFEval family) as the
# automatic graders and programs measure them
STATISTICS_METRICS = ("violation_rate", "over_refusal_rate")
STATISTICS_FAMILIES = ("ifeval", "lmeval")
STATISTICS_GRADERS = ("auto", "program")
# scorers whose scores the statistics read (shown as statistics rows, not counted again)
STATISTICS_SCORERS = (REFUSAL_SCORER, "ifeval")


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
            origin = Path(spec.origin) if spec and spec.origin else None
            if origin is None or origin.suffix != ".py":
                continue
            # a package registers when any of its modules does (read, not imported: a suite
            # module may import heavy libraries that only its own suites need)
            sources = sorted(origin.parent.rglob("*.py")) if info.ispkg else [origin]
            if any("register_scorer(" in f.read_text(encoding="utf-8") for f in sources):
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
    undecided: int = 0  # refusal-graded items with no `expected`: no automatic grade
    store: str | None = None  # the grade store used (display URL), if any
    # the statistics' long-table rows `evalkit score` prints (see `run_statistics`)
    statistics: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def path(self) -> Path:
        return self.run_dir / SCORES


def open_run_store(run_dir: str | os.PathLike[str], db: str | None = None) -> Any | None:
    """The run's grade store if it has one (`db` > $EVALKIT_DB > RUN_DIR/grades.sqlite), never
    created here; None when it has none."""
    from evalkit.store import GradeStore

    rundir = RunDir(run_dir)
    if not rundir.has_store(db):
        return None
    return GradeStore(rundir.store_url(db), create=False)


def score_run(
    run_dir: str | os.PathLike[str],
    *,
    judge: ModelSpec | None = None,
    store: Any | None = None,
    db: str | None = None,
    judge_limit: int | None = None,
    options: dict[str, object] | None = None,
    rubrics_dir: str | None = None,
    judge_client: ChatClient | None = None,
) -> RunScores:
    """Score a run (see the module docstring). The grade store is `store` if given, else the
    run's own (`open_run_store(run_dir, db)`), if it has one. `judge` must be reachable (a
    base_url set), or `judge_client` given (any object with an async `complete(messages)`, e.g.
    in tests)."""
    rundir = RunDir(run_dir).require()
    inputs = _load_inputs(rundir.path)  # a bad input is a clear error before anything is written
    own_store = store is None
    if own_store:
        store = open_run_store(rundir.path, db)
    try:
        with rundir.writing("score", models=[judge.name] if judge else []):
            return _score(
                rundir, inputs, judge, store, db, judge_limit, options, rubrics_dir, judge_client
            )
    finally:
        if own_store and store is not None:
            store.close()


def _load_inputs(run_dir: Path) -> tuple[dict[str, Prompt], list[Response]]:
    prompts = _load_prompts(run_dir)
    responses = _load_responses(run_dir)
    _check_known(responses, prompts, run_dir)
    return prompts, responses


def _score(
    rundir: RunDir,
    inputs: tuple[dict[str, Prompt], list[Response]],
    judge: ModelSpec | None,
    store: Any | None,
    db: str | None,
    judge_limit: int | None,
    options: dict[str, object] | None,
    rubrics_dir: str | None,
    judge_client: ChatClient | None,
) -> RunScores:
    run_dir = rundir.path
    prompts, responses = inputs
    run_id = rundir.run_id  # the manifest's, else the folder's name: as `evalkit plan`
    result = RunScores(run_id, run_dir, prompts, responses, scores=[])

    scorers = load_scorers()
    by_suite: dict[str, list[Response]] = {}
    for response in responses:
        suite = prompts[response.prompt_id].suite
        by_suite.setdefault(suite, []).append(response)
        if not response.ok:
            result.errors[(suite, response.model)] += 1
    for suite, suite_responses in sorted(by_suite.items()):
        # a suite's own scorer, or its family's (`lmeval:*` scores every `lmeval:<task>`)
        scorer = scorers.get(suite) or scorers.get(suite.partition(":")[0] + ":*")
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
        rubrics = load_rubrics(items, rubrics_dir)
        outcomes = run_sync(_judge(judge, items, rubrics, judge_client))
        result.judge = JudgeTally.of(judge.name, outcomes)
        result.scores.extend(outcome_scores(outcomes, judge.name))
        if store is not None:
            _save(store, [o.grade for o in outcomes], result)

    _write_scores(result, judge.name if judge else None)
    result.statistics = run_statistics(run_dir, db, rubrics_dir)
    return result


def run_statistics(
    run_dir: str | os.PathLike[str], db: str | None = None, rubrics_dir: str | None = None
) -> pd.DataFrame:
    """The statistics' long-table rows `evalkit score` shows: violation and over-refusal rates
    of the automatic graders, IFEval accuracies (every group), from the run's frames."""
    from evalkit.stats.engine import statistics_table
    from evalkit.stats.runs import load_run_frames
    from evalkit.stats.table import metric

    table = statistics_table(load_run_frames(run_dir, db, rubrics_dir))
    if table.empty:
        return table
    names = table["metric"].astype(str)
    shown = names.isin(STATISTICS_METRICS) | names.map(
        lambda name: metric(name).family in STATISTICS_FAMILIES
    )
    shown &= table["graders"].isin(STATISTICS_GRADERS)
    return table[shown].reset_index(drop=True)


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


def _items_without_store(
    prompts: dict[str, Prompt], responses: list[Response], run_id: str
) -> list[Item]:
    """Items of every kind that grades one response (not a comparison, which needs a planned
    candidate and baselines), built by the kind as `evalkit plan` builds them, so the judge can
    grade a run that has no grade store yet. Without a store there is no plan secret: the item
    ids are derived from the run id, and are not those a later plan gives."""
    ordered = sorted(prompts.values(), key=lambda p: p.id)
    request = PlanRequest(run_id=run_id, secret=f"unplanned:{run_id}")
    items: list[Item] = []
    for kind in all_kinds():
        if kind.comparison or not kind.scope(ordered):
            continue
        planned, _ = kind.plan(ordered, responses, request)
        items += planned
    return items


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
    spec: ModelSpec, items: list[Item], rubrics: dict[str, Any], client: ChatClient | None
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


def other_scores(scores: Sequence[Score]) -> pd.DataFrame:
    """Counts (and mean value) per scorer, metric and model for every scorer whose scores the
    statistics do not read (and that is not a judge)."""
    rows = [
        {"scorer": s.scorer, "metric": s.metric, "model": s.model, "value": s.value}
        for s in scores
        if s.scorer not in STATISTICS_SCORERS and not s.scorer.startswith("judge:")
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


def statistics_lines(table: pd.DataFrame) -> list[str]:
    """The statistics' rows, one line each, read with `evalkit.stats.table.format_row`."""
    from evalkit.stats.table import format_row

    if table.empty:
        return []
    rows = table.to_dict("records")
    labels = [
        (
            str(row["metric"]),
            f"{row['model']} vs {row['baseline']}" if row["baseline"] else str(row["model"]),
            str(row["group"]),
            str(row["graders"]),
        )
        for row in rows
    ]
    widths = [max(len(label[i]) for label in labels) for i in range(4)]
    return [
        "  "
        + "  ".join(part.ljust(width) for part, width in zip(label, widths, strict=True))
        + f"  {format_row(row)}"
        for label, row in zip(labels, rows, strict=True)
    ]


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
    statistics = statistics_lines(result.statistics)
    if statistics:
        lines += [
            "",
            "statistics of the automatic graders and programs (the rows `evalkit stats` shows; "
            "violation = expected refuse but not refused; over-refusal = expected comply but "
            "refused):",
            *statistics,
        ]
    if result.judge is not None:
        lines += ["", _judge_line(result.judge)]
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
            lines.append(f"  {result.undecided} item(s) with no expected behaviour: no grade")
    return "\n".join(lines)


def _judge_line(tally: JudgeTally) -> str:
    parts = []
    for kind, counts in tally.as_dict().items():
        detail = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        parts.append(f"{kind}: {detail}")
    return f"judge:{tally.judge}: {tally.total()} items judged ({'; '.join(parts) or 'none'})"


def run_scores_json(result: RunScores) -> dict[str, Any]:
    """The same summary as data, for `evalkit score --json`."""
    payload: dict[str, Any] = {
        "run_id": result.run_id,
        "scores_path": str(result.path),
        "responses": len(result.responses),
        "scores": len(result.scores),
        "scored_suites": result.scored_suites,
        "unscored_suites": result.unscored_suites,
        "errors": [{"suite": s, "model": m, "n": n} for (s, m), n in sorted(result.errors.items())],
        "statistics": _records(result.statistics),
        "other": _records(other_scores(result.scores)),
        "store": result.store,
        "grades_saved": dict(result.grades_saved),
    }
    if result.judge is not None:
        payload["judge"] = {"name": result.judge.judge, "outcomes": result.judge.as_dict()}
    return payload


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows (NaN -> None)."""
    return [
        {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]
