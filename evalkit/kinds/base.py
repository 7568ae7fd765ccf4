"""A grading kind is one object: everything about one way of grading, in one module.

Side by side, summarization and safety each hold, in `evalkit/kinds/<kind>.py`: the rubric they
bind, the items they build from a run, the form a rater answers, the frame row of a grade, the
gold rule, the judge's prompt and reply parser, the Label Studio config, and the values their
statistics and gate metrics are computed from. The steps of the data flow (plan, app, judge,
Label Studio, stats, gates, report) ask the kind; they never compare kind names.

Adding a kind means one module and a rubric file: subclass `GradingKind` (or
`SingleResponseKind` for one response per item), fill in the class attributes, implement the
methods, and `register_kind` an instance. A project's kind lives outside evalkit and is found
through `EVALKIT_KINDS` or an entry point (`evalkit.kinds.plugins`): `tests/kinds/plugin/rating.py`
is a 1–7 rating added that way, and `tests/kinds/test_new_kind.py` takes it through every step.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel

from evalkit.errors import UserError
from evalkit.records import Grade, Item, Message, Prompt, Response
from evalkit.stats.table import Metric

if TYPE_CHECKING:
    from evalkit.rubrics import RubricHeader

# ---------------------------------------------------------------------------- shared records


class AnswerError(ValueError):
    """A rater's form is incomplete or off the rubric; the message tells the rater what to fix."""


class JudgeParseError(ValueError):
    """A judge reply that does not answer the rubric (counted as unparseable, never a crash)."""


@dataclass(frozen=True)
class View:
    """What a rater may see of an item. It has no field for model names, run ids, scores, other
    raters' grades or gold answers, so a page cannot show (or send) what it does not hold.
    `handle` is an opaque per-session handle, never derived from the item id."""

    handle: str
    kind: str
    category: str | None
    prompt_text: str
    left_text: str | None = None
    right_text: str | None = None
    response_text: str | None = None
    source_text: str | None = None
    checklist: tuple[str, ...] = ()
    context: Mapping[str, str] = field(default_factory=dict)  # e.g. {"use_case": "email"}


@dataclass(frozen=True)
class Panel:
    """A text the rater reads: `field` names the View attribute holding it."""

    label: str
    field: str
    height: int | None = None  # a scrolling box of this many pixels (long inputs)


@dataclass(frozen=True)
class Option:
    value: Any
    label: str
    help: str = ""


@dataclass(frozen=True)
class Question:
    """One control of a rater's form; its answer is stored under `name`."""

    name: str
    prompt: str
    options: tuple[Option, ...]
    style: Literal["radio", "select"] = "radio"
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Form:
    """A rater's page for one item: the guide, rows of panels (side by side within a row), and
    the questions; every form also gets a comment, a flag, Submit and Skip."""

    title: str
    guide: str  # project-authored Markdown (the rubric's instructions)
    rows: tuple[tuple[Panel, ...], ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class JudgeRequest:
    """One request to the LLM judge: `tag` names the reply in `judge_payload`'s `replies`."""

    tag: str
    messages: list[Message]
    schema: dict[str, Any]


@dataclass(frozen=True)
class JudgeResult:
    """The judge's grade of one item: Grade fields, details kept in its Score, and whether the
    verdict was consistent (e.g. the same winner in both orders)."""

    payload: dict[str, Any]
    detail: dict[str, Any] = field(default_factory=dict)
    consistent: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Measure:
    """An answer raters can agree on, coded per grade for Krippendorff's alpha and Cohen's
    kappa. The `primary` measure is the label the statistics decide with (used for kappa,
    judge-versus-human agreement and rater quality)."""

    name: str
    level: Literal["nominal", "ordinal", "interval"]
    domain: tuple[Any, ...]
    primary: bool = False


@dataclass
class PlanRequest:
    """What `evalkit plan <kind>` asks: the run, the models, the secret that draws sides."""

    run_id: str
    secret: str  # server-side randomness: sides, order and gold placement come from it
    rubric_version: int | str | None = None
    models: Sequence[str] = ()  # one-response kinds: whose responses (default: all)
    candidate: str | None = None  # comparison kinds
    baselines: Sequence[str] = ()
    gold: int = 0  # gold (attention-check) items to add


@dataclass
class PlanReport:
    """What a planning step made and what it could not make (never dropped in silence)."""

    kind: str
    prompts_in_scope: int = 0
    items: int = 0
    gold: int = 0
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


def secret_hash(*parts: object, length: int = 16) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:length]


def item_id(prefix: str, secret: str, *parts: object) -> str:
    """An opaque item id: stable for one plan secret, underivable without it (so an id reaching
    a browser reveals neither the run, nor the models, nor the side)."""
    return f"{prefix}-{secret_hash('item', secret, *parts)}"


def secret_rng(secret: str, *parts: object) -> random.Random:
    """A generator seeded from the plan secret: the source of every random choice of a plan."""
    return random.Random(secret_hash("rng", secret, *parts, length=32))


def conversation_text(prompt: Prompt) -> str:
    """What a rater reads as the request: the user text, or every turn of a dialogue (system
    prompt included), labelled, so multi-turn items are graded on the whole conversation."""
    if len(prompt.messages) == 1:
        return prompt.messages[0].content
    return "\n\n".join(f"[{m.role}]\n{m.content}" for m in prompt.messages)


def responses_by_key(
    responses: Iterable[Response], sample: int = 0
) -> dict[tuple[str, str], Response]:
    """(prompt_id, model) -> the response of the given sample."""
    return {(r.prompt_id, r.model): r for r in responses if r.sample == sample}


def usable(
    table: Mapping[tuple[str, str], Response], prompt_id: str, model: str, report: PlanReport
) -> Response | None:
    """The response, or None with the reason counted in the report."""
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


AUTO_PREFIXES = ("judge:", "auto:")


def is_auto_rater(rater_id: str) -> bool:
    return str(rater_id).startswith(AUTO_PREFIXES)


# ---------------------------------------------------------------------------- the kind


class GradingKind:
    """Everything about one way of grading. See the module docstring."""

    name: ClassVar[str]  # item.kind; `evalkit plan <name>`; frames; Label Studio projects
    rubric_name: ClassVar[str]  # rubrics/<rubric_name>.yaml
    # where the kind keeps its own rubric when the project has none (a project kind's folder)
    rubric_dir: ClassVar[Path | None] = None
    rubric_type: ClassVar[type[RubricHeader]]
    label: ClassVar[str]  # what raters read ("Side by side")
    id_prefix: ClassVar[str]  # item ids: "<prefix>-<hash>"
    groups: ClassVar[tuple[str, ...]] = ()  # dimensions its statistics are grouped by
    metrics: ClassVar[tuple[Metric, ...]] = ()
    comparison: ClassVar[bool] = False  # items compare two responses (model vs baseline)
    row_model: ClassVar[type[BaseModel]]  # one row of a grades export (validated on import)
    # grade-frame columns beyond the common ones (item_id, prompt_id, rater_id, grader, is_gold)
    columns: ClassVar[tuple[str, ...]] = ()
    ls_to_name: ClassVar[str] = "prompt"  # the Label Studio text a comment and flag attach to

    # -- rubric

    def rubric_path(self, rubrics_dir: str | os.PathLike[str] | None = None) -> Path:
        """`<rubrics_dir>/<rubric_name>.yaml`; without a folder, the project's own `rubrics/`,
        else the rubrics evalkit ships (see `paths.rubric_file`); a project kind that keeps its
        rubric beside its module (`rubric_dir`) falls back to that one."""
        from evalkit.paths import rubric_file

        path = rubric_file(self.rubric_name, rubrics_dir)
        own = self.rubric_dir / f"{self.rubric_name}.yaml" if self.rubric_dir else None
        return own if not path.is_file() and own is not None and own.is_file() else path

    def load_rubric(self, rubrics_dir: str | os.PathLike[str] | None = None) -> Any:
        """The rubric at `rubric_path`, validated as this kind's rubric type."""
        from evalkit.rubrics import load_rubric_file

        return load_rubric_file(self.rubric_path(rubrics_dir), self.rubric_type)

    def rubric_problems(self, rubric: Any) -> list[tuple[list[Any], str]]:
        """(location, problem) for what a valid rubric shape can still get wrong."""
        return []

    # -- planning

    def scope(self, prompts: Sequence[Prompt]) -> list[Prompt]:
        """The prompts of a run this kind grades."""
        raise NotImplementedError

    def plan(
        self, prompts: Sequence[Prompt], responses: Sequence[Response], request: PlanRequest
    ) -> tuple[list[Item], PlanReport]:
        raise NotImplementedError

    # -- the rater's form

    def view(self, item: Item, handle: str) -> View:
        """The blinded view of an item: only what a rater may see."""
        return View(
            handle=handle,
            kind=item.kind,
            category=item.category,
            prompt_text=item.prompt_text,
            left_text=item.left_text,
            right_text=item.right_text,
            response_text=item.response_text,
            source_text=item.source_text,
            checklist=tuple(item.metadata.get("checklist") or ()),
        )

    def form(self, rubric: Any, view: View) -> Form:
        raise NotImplementedError

    def answers_to_payload(self, answers: Mapping[str, Any], rubric: Any) -> dict[str, Any] | None:
        """The Grade fields for a form's answers; None when nothing was answered. Raises
        AnswerError for an incomplete or off-rubric answer."""
        raise NotImplementedError

    def check_grade(self, grade: Grade, rubric: Any | None = None) -> None:
        """Store-side check that a grade answers this kind's rubric (raise UserError)."""

    def gold_correct(self, item: Item, grade: Grade) -> bool | None:
        """Whether a grade of a gold item gives the known answer (None: not a gold item)."""
        return None

    # -- frames and statistics

    def grade_row(self, item: Item, grade: Grade) -> dict[str, Any] | None:
        """One row of this kind's grade frame (None when the grade gives no answer)."""
        raise NotImplementedError

    def file_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A validated row of a grades export (`row_model`) as a grade-frame row."""
        return row

    def export_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A grade-frame row as a flat row of a grades export (the inverse of file_row)."""
        return row

    def grade_values(self, grades: pd.DataFrame, context: Any) -> pd.DataFrame:
        """Per-grade metric values: long rows (metric, model, baseline, <groups>, graders,
        prompt_id, item_id, rater_id, value), `value` in [0, 1]. `context` is the RunFrames
        (scores of the run, e.g. automatic refusals, live there)."""
        raise NotImplementedError

    def agreement_measures(
        self, grades: pd.DataFrame, rubric: Any
    ) -> list[tuple[Measure, pd.DataFrame]]:
        """Per measure, the coded grades: a frame of item_id, rater_id, grader, value (one row
        per grade of a non-gold item)."""
        raise NotImplementedError

    # -- the LLM judge

    def judge_requests(self, item: Item, rubric: Any) -> list[JudgeRequest]:
        raise NotImplementedError

    def judge_payload(
        self, item: Item, rubric: Any, replies: Mapping[str, str | None]
    ) -> JudgeResult:
        """The Grade fields from the judge's replies; raises JudgeParseError."""
        raise NotImplementedError

    # -- Label Studio (optional: a kind without `ls_config` is graded in evalkit's app only)

    @property
    def label_studio(self) -> bool:
        """Whether this kind can be graded in Label Studio (it implements `ls_config`)."""
        return type(self).ls_config is not GradingKind.ls_config

    def ls_config(self, rubric: Any) -> str:
        """The labeling config (XML); model text only ever in <Text> tags."""
        raise NotImplementedError

    def ls_task(self, item: Item, rubric: Any) -> dict[str, str]:
        raise NotImplementedError

    def ls_payload(self, answers: Mapping[str, list[str]], rubric: Any) -> dict[str, Any] | None:
        """Grade fields from a Label Studio annotation's answers (control name -> values)."""
        raise NotImplementedError

    def ls_result(self, grade: Grade) -> list[dict[str, Any]]:
        """The annotation result regions that express a grade (the inverse of ls_payload)."""
        raise NotImplementedError


# ---------------------------------------------------------------------------- the registry

KINDS: dict[str, GradingKind] = {}
BUILT_IN = ("sxs", "summarization", "safety")


def register_kind(kind: GradingKind) -> GradingKind:
    """Make a kind known to every step (plan, app, judge, Label Studio, stats, gates, report).
    A project's kind is found in every process through `EVALKIT_KINDS` or an entry point (see
    `evalkit.kinds.plugins`); it may not take a built-in kind's name."""
    from evalkit.records import KIND_NAME
    from evalkit.stats.table import register_metric

    if not re.fullmatch(KIND_NAME, kind.name):
        raise UserError(f"grading kind name {kind.name!r}: use lower_snake_case, at most 40 chars")
    existing = KINDS.get(kind.name)
    if kind.name in BUILT_IN and existing is not None and type(existing) is not type(kind):
        raise UserError(f"grading kind {kind.name!r} is built in; give the new kind its own name")
    KINDS[kind.name] = kind
    for metric in kind.metrics:
        register_metric(metric)
    return kind


def get_kind(name: str) -> GradingKind:
    _load_kinds()
    try:
        return KINDS[name]
    except KeyError:
        raise UserError(
            f"unknown grading kind {name!r} (known: {', '.join(KINDS)}; a project's own kind "
            "is registered through EVALKIT_KINDS or the evalkit.kinds entry point)"
        ) from None


def all_kinds() -> list[GradingKind]:
    _load_kinds()
    return list(KINDS.values())


def _load_kinds() -> None:
    import evalkit.kinds  # noqa: F401  (registers the built-in kinds)
    from evalkit.kinds.plugins import load_plugins

    load_plugins()


def kind_of_rubric(rubric_name: str) -> GradingKind:
    for kind in all_kinds():
        if kind.rubric_name == rubric_name:
            return kind
    raise UserError(f"no grading kind uses the rubric {rubric_name!r}")


class SingleResponseKind(GradingKind):
    """A kind whose item is one response to one prompt (summarization, safety, a 1–7 rating):
    one item per (prompt in scope, model), from each model's sample-0 response."""

    def item_fields(self, prompt: Prompt) -> dict[str, Any]:
        """What the item shows and keeps: prompt_text, source_text, metadata (strata, checklist)."""
        metadata: dict[str, Any] = {}
        if prompt.checklist:
            metadata["checklist"] = list(prompt.checklist)
        return {"prompt_text": conversation_text(prompt), "metadata": metadata}

    def plan(
        self, prompts: Sequence[Prompt], responses: Sequence[Response], request: PlanRequest
    ) -> tuple[list[Item], PlanReport]:
        responses = list(responses)
        known = sorted({r.model for r in responses})
        models = list(request.models) or known
        check_models(models, known, "--models")
        table = responses_by_key(responses)
        scope = self.scope(prompts)
        report = PlanReport(kind=self.name, prompts_in_scope=len(scope))
        items = []
        for prompt in scope:
            for model in models:
                response = usable(table, prompt.id, model, report)
                if response is None:
                    continue
                fields = self.item_fields(prompt)
                items.append(
                    Item(
                        id=item_id(
                            self.id_prefix, request.secret, request.run_id, prompt.id, model
                        ),
                        kind=self.name,
                        run_id=request.run_id,
                        prompt_id=prompt.id,
                        category=prompt.category or self.name,
                        response_text=response.text,
                        model=model,
                        rubric=self.rubric_name,
                        rubric_version=request.rubric_version,
                        **fields,
                    )
                )
        report.items = len(items)
        return items, report
