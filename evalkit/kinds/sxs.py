"""Side by side: a rater reads one prompt and two responses (A, B) and says which is better on
the rubric's symmetric scale (`rubrics/side_by_side.yaml`: −2 = A much better … +2 = B much
better).

- **Items**: one per (prompt, baseline) with the candidate's and the baseline's sample-0
  responses. Which model is shown on the left is drawn from the plan's secret (server-side
  randomness, never from a name or a default seed) and recorded in the item, hidden from raters.
  Gold items (attention checks) put a clearly better response (the prompt's reference, else the
  candidate's own) against the same model's answer to another prompt; they carry model names
  `gold:*` so a gold grade never reaches a model's rates.
- **Grades** are in display terms; the frame turns them to model terms: `score` > 0 means
  `model_a` (the planned candidate) was preferred.
- **Metrics** (per model, baseline and category; both orientations are in the table): the
  headline rates are means over items of the share of raters preferring the model
  (`sxs_win_rate`), tying (`sxs_tie_rate`) or preferring the baseline (`sxs_loss_rate`);
  `sxs_preference` counts ties as half (as AlpacaEval and Chatbot Arena report), tested against
  0.5; `sxs_net_preference` = win − loss. `*_majority` are the older majority views (the sign of
  the raters' mean score per item): secondary, named as such.
- **Judge**: asked in both orders; a verdict that flips with the order is an inconsistent tie.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalkit.errors import UserError
from evalkit.kinds.base import (
    AnswerError,
    Form,
    GradingKind,
    JudgeParseError,
    JudgeRequest,
    JudgeResult,
    Measure,
    Option,
    Panel,
    PlanReport,
    PlanRequest,
    Question,
    check_models,
    conversation_text,
    item_id,
    responses_by_key,
    secret_hash,
    secret_rng,
    usable,
)
from evalkit.labelstudio import xml
from evalkit.records import CATEGORIES, Grade, Item, Message, Prompt, Response
from evalkit.rubrics import SideBySideRubric
from evalkit.scoring import replies
from evalkit.stats.table import Metric

GOLD_WORSE = "gold:irrelevant"
GOLD_REFERENCE = "gold:reference"
PREFERENCE = "preference"  # the Label Studio control
_GROUPS = ("category",)


def _metric(name: str, description: str, **fields: Any) -> Metric:
    base: dict[str, Any] = {
        "scale": "rate",
        "higher_is_better": True,
        "groups": _GROUPS,
        "comparison": True,
    }
    return Metric(name=name, family="sxs", description=description, **(base | fields))


METRICS = (
    _metric("sxs_win_rate", "side-by-side win rate (share of raters preferring the model)"),
    _metric("sxs_tie_rate", "side-by-side tie rate", higher_is_better=None),
    _metric("sxs_loss_rate", "side-by-side loss rate", higher_is_better=False),
    _metric(
        "sxs_preference", "side-by-side win rate with ties counted as half", null=0.5
    ),
    _metric("sxs_net_preference", "win rate − loss rate", scale="net", null=0.5),
    _metric(
        "sxs_win_rate_majority", "win rate by the sign of the raters' mean score per item",
        headline=False, item_rule="mean_positive",
    ),
    _metric(
        "sxs_loss_rate_majority", "loss rate by the sign of the raters' mean score per item",
        higher_is_better=False, headline=False, item_rule="mean_positive",
    ),
)  # fmt: skip


class SxsRow(BaseModel):
    """One side-by-side grade of a grades export."""

    model_config = ConfigDict(extra="ignore")

    item_id: str = Field(min_length=1)
    prompt_id: str = Field(min_length=1)
    rater_id: str = Field(min_length=1)
    grader: str | None = None
    is_gold: bool = False
    category: str | None = None
    model_a: str = Field(min_length=1)
    model_b: str = Field(min_length=1)
    score: int = Field(ge=-2, le=2)
    a_on_left: bool | None = None
    len_a: float | None = Field(default=None, ge=0)
    len_b: float | None = Field(default=None, ge=0)

    @field_validator("model_b")
    @classmethod
    def _two_models(cls, value: str, info: Any) -> str:
        if value == info.data.get("model_a"):
            raise ValueError("model_b must differ from model_a")
        return value


def sxs_pair(item: Item) -> tuple[str | None, str | None, bool]:
    """(model_a, model_b, model_a shown on the left) of an item. model_a is recorded by the
    planner in `metadata["model_a"]` (the candidate); without it, the left model."""
    model_a = item.metadata.get("model_a") or item.model_left
    if model_a == item.model_left:
        return model_a, item.model_right, True
    if model_a == item.model_right:
        return model_a, item.model_left, False
    raise UserError(
        f"item {item.id}: metadata model_a {model_a!r} is neither shown model "
        f"({item.model_left!r}, {item.model_right!r})"
    )


def combine_verdicts(forward: int, swapped: int) -> tuple[int, bool]:
    """(choice in display terms, consistent) from the verdict as shown and the verdict with the
    sides swapped (in the swapped question's own terms, so it is negated here). Verdicts that
    differ in sign make an inconsistent tie; otherwise their mean, rounded toward zero."""
    back = -swapped
    if np.sign(forward) != np.sign(back):
        return 0, False
    return int((forward + back) / 2), True


class SideBySide(GradingKind):
    name = "sxs"
    rubric_name = "side_by_side"
    rubric_type = SideBySideRubric
    label = "Side by side"
    id_prefix = "sxs"
    groups = _GROUPS
    metrics = METRICS
    comparison = True
    row_model = SxsRow
    # a_on_left, len_a, len_b: for rater bias and the length-controlled rate (never shown)
    columns = ("category", "model_a", "model_b", "score", "a_on_left", "len_a", "len_b")

    def rubric_problems(self, rubric: SideBySideRubric) -> list[tuple[list[Any], str]]:
        return [
            (
                ["guidance", category],
                f"guidance.{category}: not a bank category (known: {', '.join(CATEGORIES)})",
            )
            for category in rubric.guidance
            if category not in CATEGORIES
        ]

    # -- planning

    def scope(self, prompts: Sequence[Prompt]) -> list[Prompt]:
        return list(prompts)

    def plan(
        self, prompts: Sequence[Prompt], responses: Sequence[Response], request: PlanRequest
    ) -> tuple[list[Item], PlanReport]:
        """One comparison per (prompt, baseline), plus `request.gold` gold items."""
        responses = list(responses)
        known = sorted({r.model for r in responses})
        candidate, baselines = request.candidate, list(request.baselines)
        if not candidate:
            raise UserError("--candidate: name the model to compare")
        if not baselines:
            raise UserError("--baselines: name at least one baseline model")
        if candidate in baselines:
            raise UserError(f"--baselines: {candidate!r} is the candidate; compare it with others")
        check_models([candidate], known, "--candidate")
        check_models(baselines, known, "--baselines")
        table = responses_by_key(responses)
        report = PlanReport(kind=self.name, prompts_in_scope=len(prompts))
        items: list[Item] = []
        for prompt in prompts:
            for baseline in baselines:
                cand = usable(table, prompt.id, candidate, report)
                base = usable(table, prompt.id, baseline, report)
                if cand is not None and base is not None:
                    items.append(self._item(prompt, cand, base, request))
        report.items = len(items)
        gold = self.gold_items(prompts, responses, candidate, request)
        report.gold = len(gold)
        return items + gold, report

    def _item(self, prompt: Prompt, cand: Response, base: Response, request: PlanRequest) -> Item:
        iid = item_id(
            self.id_prefix, request.secret, request.run_id, prompt.id, cand.model, base.model
        )
        left, right = (
            (cand, base) if secret_rng(request.secret, iid).random() < 0.5 else (base, cand)
        )
        metadata: dict[str, Any] = {
            "model_a": cand.model,
            "model_b": base.model,
            "difficulty": prompt.difficulty,
            "suite": prompt.suite,
        }
        if prompt.checklist:
            metadata["checklist"] = list(prompt.checklist)
        return Item(
            id=iid,
            kind=self.name,
            run_id=request.run_id,
            prompt_id=prompt.id,
            category=prompt.category,
            prompt_text=conversation_text(prompt),
            left_text=left.text,
            right_text=right.text,
            model_left=left.model,
            model_right=right.model,
            rubric=self.rubric_name,
            rubric_version=request.rubric_version,
            metadata=metadata,
        )

    def gold_items(
        self,
        prompts: Sequence[Prompt],
        responses: Sequence[Response],
        candidate: str,
        request: PlanRequest,
        decoys: Sequence[Prompt] = (),
    ) -> list[Item]:
        """`request.gold` attention checks: a clearly better response against an irrelevant
        one: the candidate's answer to another prompt of another category, taken from `decoys`
        (prompts of the run outside the plan, so a rater never meets the decoy text in another
        item) when any has a response, else from the plan's own prompts. gold_answer =
        {"better": "left"|"right", "correct": [display choices that pass]}."""
        count = request.gold
        if count <= 0:
            return []
        table = responses_by_key(responses)
        ok = [p for p in prompts if _has_text(table.get((p.id, candidate)))]
        if len(ok) < 2:
            raise UserError(
                f"--gold: needs at least two prompts with responses by {candidate!r} "
                f"(found {len(ok)})"
            )
        if count > len(ok):
            raise UserError(f"--gold: asked for {count} gold items but only {len(ok)} prompts fit")

        # every choice is drawn per prompt from the secret, and the item id names the pair, so
        # a run that grows (or another candidate planned) never changes a planned gold item
        def order(prompt: Prompt) -> tuple[bool, str]:
            return (prompt.reference is None, secret_hash("gold", request.secret, prompt.id))

        items = []
        used: set[str] = set()
        outside = sorted(
            (p for p in decoys if _has_text(table.get((p.id, candidate)))), key=lambda p: p.id
        )
        for prompt in sorted(ok, key=order)[:count]:
            rng = secret_rng(request.secret, "gold", prompt.id, candidate)
            pool = outside or ok
            others = sorted(
                (p for p in pool if p.id != prompt.id and p.category != prompt.category),
                key=lambda p: p.id,
            ) or sorted((p for p in pool if p.id != prompt.id), key=lambda p: p.id)
            # a decoy used once is not used again while another is left: its text in two gold
            # items would tell a rater which side of each is the decoy
            other = rng.choice([p for p in others if p.id not in used] or others)
            used.add(other.id)
            better = prompt.reference or table[(prompt.id, candidate)].text or ""
            better_model = GOLD_REFERENCE if prompt.reference else f"gold:{candidate}"
            worse = table[(other.id, candidate)].text or ""
            iid = item_id(
                self.id_prefix, request.secret, request.run_id, "gold", prompt.id, candidate,
                other.id,
            )  # fmt: skip
            left = secret_rng(request.secret, iid).random() < 0.5
            items.append(
                Item(
                    id=iid,
                    kind=self.name,
                    run_id=request.run_id,
                    prompt_id=prompt.id,
                    category=prompt.category,
                    prompt_text=conversation_text(prompt),
                    left_text=better if left else worse,
                    right_text=worse if left else better,
                    model_left=better_model if left else GOLD_WORSE,
                    model_right=GOLD_WORSE if left else better_model,
                    rubric=self.rubric_name,
                    rubric_version=request.rubric_version,
                    is_gold=True,
                    gold_answer={
                        "better": "left" if left else "right",
                        "correct": [-2, -1] if left else [1, 2],
                        "worse_from_prompt": other.id,
                    },
                    metadata={"model_a": better_model, "model_b": GOLD_WORSE},
                )
            )
        return items

    # -- the rater's form

    def form(self, rubric: SideBySideRubric, view: Any) -> Form:
        guide = rubric.instructions
        guidance = rubric.guidance.get(view.category or "")
        if guidance:
            guide += f"\n\n**For this category:** {guidance}"
        options = tuple(Option(o.value, o.label, o.description) for o in rubric.scale)
        question = Question(
            name="choice",
            prompt="Which response is better?",
            options=options,
            help="\n\n".join(f"**{o.label}**: {o.description}" for o in rubric.scale),
        )
        rows = (
            (Panel("Prompt", "prompt_text"),),
            (Panel("Response A", "left_text"), Panel("Response B", "right_text")),
        )
        return Form(rubric.title, guide, rows, (question,))

    def answers_to_payload(
        self, answers: Mapping[str, Any], rubric: SideBySideRubric
    ) -> dict[str, Any] | None:
        choice = answers.get("choice")
        if choice is None:
            return None
        values = [option.value for option in rubric.scale]
        if choice not in values:
            raise AnswerError(f"{choice!r} is not on the scale ({values}).")
        return {"choice": int(choice)}

    def check_grade(self, grade: Grade, rubric: SideBySideRubric | None = None) -> None:
        if grade.choice is None:
            raise UserError(
                f"grade of item {grade.item_id!r} by {grade.rater_id!r}: a side-by-side grade "
                "needs a choice"
            )
        values = [o.value for o in rubric.scale] if rubric else [-2, -1, 0, 1, 2]
        if grade.choice not in values:
            raise UserError(
                f"grade of item {grade.item_id!r} by {grade.rater_id!r}: choice {grade.choice} "
                f"is not on the scale {values}"
            )

    def gold_correct(self, item: Item, grade: Grade) -> bool | None:
        if not item.is_gold or not item.gold_answer or grade.choice is None:
            return None
        return grade.choice in item.gold_answer["correct"]

    # -- frames and statistics

    def grade_row(self, item: Item, grade: Grade) -> dict[str, Any] | None:
        if grade.choice is None:
            return None
        model_a, model_b, a_on_left = sxs_pair(item)
        text_a, text_b = (
            (item.left_text, item.right_text) if a_on_left else (item.right_text, item.left_text)
        )
        return {
            "category": item.category,
            "model_a": model_a,
            "model_b": model_b,
            "score": -grade.choice if a_on_left else grade.choice,
            "a_on_left": a_on_left,
            "len_a": len(text_a or ""),
            "len_b": len(text_b or ""),
        }

    def grade_values(self, grades: pd.DataFrame, context: Any = None) -> pd.DataFrame:
        """Both orientations of every non-gold grade: (a vs b, score) and (b vs a, −score)."""
        grades = grades[~grades["is_gold"].astype(bool)]
        if grades.empty:
            return _empty_values()
        base = grades[["prompt_id", "item_id", "rater_id", "grader"]]
        category = grades["category"].fillna("uncategorized").astype(str)
        score = grades["score"].astype(float)
        sides = [
            (grades["model_a"], grades["model_b"], score),
            (grades["model_b"], grades["model_a"], -score),
        ]
        parts = []
        for model, baseline, s in sides:
            win, tie, loss = (s > 0).astype(float), (s == 0).astype(float), (s < 0).astype(float)
            values = {
                "sxs_win_rate": win,
                "sxs_tie_rate": tie,
                "sxs_loss_rate": loss,
                "sxs_preference": win + tie / 2,
                "sxs_net_preference": win + tie / 2,
                "sxs_win_rate_majority": s,
                "sxs_loss_rate_majority": -s,
            }
            for name, value in values.items():
                parts.append(
                    base.assign(
                        metric=name,
                        model=model.astype(str),
                        baseline=baseline.astype(str),
                        category=category,
                        graders=grades["grader"],
                        value=value,
                    )
                )
        return pd.concat(parts, ignore_index=True)[_VALUE_COLUMNS]

    def agreement_measures(
        self, grades: pd.DataFrame, rubric: SideBySideRubric
    ) -> list[tuple[Measure, pd.DataFrame]]:
        """The scale (ordinal, in model terms) and the direction win / tie / loss (nominal: the
        label the statistics decide with; raters may fairly differ on "slightly" vs "much")."""
        grades = grades[~grades["is_gold"].astype(bool)]
        base = grades[["item_id", "rater_id", "grader"]]
        values = tuple(sorted(o.value for o in rubric.scale))
        score = grades["score"].astype(int)
        return [
            (Measure("preference scale", "ordinal", values), base.assign(value=score)),
            (
                Measure("direction", "nominal", (-1, 0, 1), primary=True),
                base.assign(value=np.sign(score).astype(int)),
            ),
        ]

    # -- the LLM judge

    def judge_requests(self, item: Item, rubric: SideBySideRubric) -> list[JudgeRequest]:
        schema = _schema(rubric)
        return [
            JudgeRequest("as_shown", _messages(rubric, item, swapped=False), schema),
            JudgeRequest("swapped", _messages(rubric, item, swapped=True), schema),
        ]

    def judge_payload(
        self, item: Item, rubric: SideBySideRubric, replies_by_tag: Mapping[str, str | None]
    ) -> JudgeResult:
        verdicts = {}
        for tag in ("as_shown", "swapped"):
            try:
                verdicts[tag] = parse_verdict(replies_by_tag.get(tag), rubric)
            except JudgeParseError as exc:
                raise JudgeParseError(f"{tag.replace('_', ' ')}: {exc}") from None
        choice, consistent = combine_verdicts(verdicts["as_shown"], verdicts["swapped"])
        prefix = "" if consistent else "inconsistent: "
        comment = (
            f"{prefix}judge verdict {verdicts['as_shown']:+d} as shown, "
            f"{-verdicts['swapped']:+d} with sides swapped (mapped back)"
        )
        detail = {**verdicts, "consistent": consistent}
        return JudgeResult({"choice": choice, "comment": comment}, detail, consistent)

    # -- Label Studio

    def ls_config(self, rubric: SideBySideRubric) -> str:
        view = xml.root(rubric.title, rubric.version)
        xml.header(view, "Request")
        xml.text(view, "prompt")
        xml.header(view, "Guidance for this category", size=5)
        xml.text(view, "guidance")
        sides = xml.tag(view, "View", style="display: flex; gap: 1em; align-items: flex-start")
        for name, title in (("response_a", "Response A"), ("response_b", "Response B")):
            column = xml.tag(sides, "View", style="flex: 1 1 0; min-width: 0")
            xml.header(column, title)
            xml.text(column, name)
        xml.header(view, "Which response is better, and by how much?")
        choices = xml.tag(
            view, "Choices", name=PREFERENCE, toName="prompt", choice="single-radio",
            required=True, requiredMessage="Choose a point on the scale (or skip the task).",
        )  # fmt: skip
        for option in sorted(rubric.scale, key=lambda o: o.value):
            xml.tag(
                choices, "Choice", value=option.label, alias=option.value, hint=option.description
            )
        return xml.finish(view, "prompt")

    def ls_task(self, item: Item, rubric: SideBySideRubric) -> dict[str, str]:
        guidance = rubric.guidance.get(item.category or "", "") if item.category else ""
        return {
            "prompt": item.prompt_text,
            "guidance": guidance or "(none)",
            "response_a": item.left_text or "",
            "response_b": item.right_text or "",
        }

    def ls_payload(
        self, answers: Mapping[str, list[str]], rubric: SideBySideRubric
    ) -> dict[str, Any] | None:
        if not answers.get(PREFERENCE):
            return None
        raw = xml.one(answers, PREFERENCE)
        by_alias = {str(o.value): o.value for o in rubric.scale}
        by_label = {o.label: o.value for o in rubric.scale}
        if raw in by_alias:
            return {"choice": by_alias[raw]}
        if raw in by_label:
            return {"choice": by_label[raw]}
        raise xml.ConversionError(
            f"{PREFERENCE}: {raw!r} is not on the scale {sorted(by_alias.values())}"
        )

    def ls_result(self, grade: Grade) -> list[dict[str, Any]]:
        if grade.skipped or grade.choice is None:
            return []
        return [xml.choices(PREFERENCE, "prompt", str(grade.choice))]

    ls_to_name = "prompt"


_VALUE_COLUMNS = [
    "metric", "model", "baseline", "category", "graders",
    "prompt_id", "item_id", "rater_id", "value",
]  # fmt: skip


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame(columns=_VALUE_COLUMNS)


def _has_text(response: Response | None) -> bool:
    return response is not None and response.ok and bool((response.text or "").strip())


# ---------------------------------------------------------------------------- judge prompts

_FORMAT = (
    'Reply with only a JSON object: {"verdict": <integer on the scale>, "reason": "<one sentence>"}'
)


def parse_verdict(text: str | None, rubric: SideBySideRubric) -> int:
    """The verdict on the rubric's scale from a judge reply."""
    obj = replies.parse_json_reply(text)
    raw = obj.get("verdict", obj.get("choice"))
    verdict = replies.as_int(raw)
    values = sorted(option.value for option in rubric.scale)
    if verdict is None or verdict not in values:
        raise JudgeParseError(f"verdict {raw!r} is not one of {values}")
    return verdict


def _schema(rubric: SideBySideRubric) -> dict[str, Any]:
    values = sorted(option.value for option in rubric.scale)
    properties = {"verdict": {"type": "integer", "enum": values}, "reason": replies.REASON}
    return {"type": "object", "properties": properties, "required": ["verdict", "reason"]}


def _messages(rubric: SideBySideRubric, item: Item, swapped: bool = False) -> list[Message]:
    """The question; `swapped` shows the item's right response as A."""
    first, second = (
        (item.right_text, item.left_text) if swapped else (item.left_text, item.right_text)
    )
    scale = "\n".join(f"{o.value:+d}: {o.label} — {o.description}" for o in rubric.scale)
    guidance = rubric.guidance.get(item.category or "", "")
    system = "\n\n".join(
        part
        for part in (
            "You are an impartial judge of assistant responses.",
            rubric.instructions.strip(),
            f"Guidance for this kind of request ({item.category}): {guidance}" if guidance else "",
            replies.checklist_text(item.metadata.get("checklist")),
            f"The scale (negative favours A, positive favours B):\n{scale}",
            replies.UNTRUSTED,
            _FORMAT,
        )
        if part
    )
    user = "\n\n".join(
        (
            replies.block("Request", item.prompt_text),
            replies.block("Response A", first),
            replies.block("Response B", second),
            _FORMAT,
        )
    )
    return [Message(role="system", content=system), Message(role="user", content=user)]
