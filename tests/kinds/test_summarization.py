"""The summarization kind: planning, the rater's form, grades and frames, statistics, agreement,
the judge and Label Studio, all read from the rubric (a renamed or added dimension needs no code
change)."""

from __future__ import annotations

import copy
import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from evalkit.errors import UserError
from evalkit.kinds.base import (
    KINDS,
    AnswerError,
    JudgeParseError,
    PlanRequest,
    register_kind,
)
from evalkit.kinds.summarization import Summarization, instruction_text
from evalkit.labelstudio.xml import ConversionError
from evalkit.paths import RUBRICS_DIR
from evalkit.records import Grade, Item, Message, Prompt, Response
from evalkit.rubrics import RATINGS, SummarizationRubric, load_rubric, load_rubric_file
from evalkit.stats.engine import kind_rows
from evalkit.stats.frames import RunFrames, load_grades_file, normalize
from evalkit.stats.table import select

KIND = Summarization()
if "summarization" not in KINDS:
    register_kind(KIND)
RUBRIC = load_rubric("summarization")
IDS = [d.id for d in RUBRIC.dimensions]


# ---------------------------------------------------------------------------- fixtures


def summary_prompt(i: int, subset: str = "main", quote: bool = False) -> Prompt:
    docs = [f"Doc one of {i}."] + ([f"Doc two of {i}."] if i % 2 else [])
    request = "Summarize in one sentence."
    if quote:
        request += "\n\n" + "\n\n".join(docs)
    return Prompt(
        id=f"sum-{i:03d}",
        suite="summarization",
        category="summarization",
        use_case="email" if i % 3 else "message",
        content_type="work",
        length_bucket="short",
        stacked=i % 2 == 1,
        n_docs=len(docs),
        documents=docs,
        key_facts=[f"Fact A of {i}", f"Fact B of {i}"],
        max_sentences=1,
        messages=[Message(role="user", content=request)],
        metadata={"subset": subset} if subset != "main" else {},
    )


def bank_prompt(i: int) -> Prompt:
    return Prompt(
        id=f"bank-{i}", category="coding", messages=[Message(role="user", content="Code?")]
    )


def response(prompt_id: str, model: str, error: str | None = None) -> Response:
    text = None if error else f"{model} summary of {prompt_id}"
    return Response(run_id="run-1", prompt_id=prompt_id, model=model, text=text, error=error)


def ratings(rubric: SummarizationRubric, cls: str) -> dict[str, str]:
    """Ratings that make `cls` by the rubric's rule (first dimension carries the flaw)."""
    dims = {d.id: "good" for d in rubric.dimensions}
    if cls != "good":
        dims[rubric.dimensions[0].id] = cls
    return dims


def item(prompt_id: str, model: str = "m1", subset: str = "main", **meta: Any) -> Item:
    metadata = {
        "use_case": "email",
        "content_type": "work",
        "length_bucket": "short",
        "stacked": False,
        "subset": subset,
    } | meta
    return Item(
        id=f"sum-{prompt_id}-{model}",
        kind="summarization",
        run_id="run-1",
        prompt_id=prompt_id,
        prompt_text="Summarize.",
        source_text="The source.",
        response_text="The summary.",
        model=model,
        rubric="summarization",
        metadata=metadata,
    )


def frame(
    grades: list[tuple[Item, Grade]], kind: Summarization = KIND, gold: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A grade frame as the store builds it: the common columns plus `grade_row`."""
    rows = []
    for it, grade in grades:
        row = kind.grade_row(it, grade)
        assert row is not None
        rows.append(
            {
                "item_id": it.id,
                "prompt_id": it.prompt_id,
                "rater_id": grade.rater_id,
                "grader": grade.grader,
                "is_gold": it.id in gold,
                "gold_correct": None,
                **row,
            }
        )
    return normalize(pd.DataFrame(rows), kind)


def grade(it: Item, rater: str, dims: dict[str, str], grader: str = "human") -> Grade:
    return Grade(item_id=it.id, rater_id=rater, grader=grader, dimensions=dims)


class Context:
    """What grade_values asks of the RunFrames: the rubric."""

    def __init__(self, rubric: SummarizationRubric) -> None:
        self._rubric = rubric

    def rubric(self, name: str) -> SummarizationRubric:
        assert name == "summarization"
        return self._rubric


def answers_of(result: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Label Studio result regions -> control name -> chosen values."""
    answers: dict[str, list[str]] = {}
    for region in result:
        answers.setdefault(region["from_name"], []).extend(region["value"]["choices"])
    return answers


@pytest.fixture
def renamed(tmp_path: Path) -> SummarizationRubric:
    """The project rubric with its first dimension renamed and a sixth dimension added."""
    raw = yaml.safe_load((RUBRICS_DIR / "summarization.yaml").read_text(encoding="utf-8"))
    raw["dimensions"][0]["id"] = "clarity_of_prose"
    sixth = copy.deepcopy(raw["dimensions"][1])
    sixth |= {"id": "actionability", "name": "Actionability", "question": "Can I act on it?"}
    raw["dimensions"].append(sixth)
    raw["version"] = 2
    path = tmp_path / "summarization.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    rubric = load_rubric_file(path, SummarizationRubric)
    assert isinstance(rubric, SummarizationRubric)
    return rubric


# ---------------------------------------------------------------------------- planning


def test_plan_scope_documents_metadata_and_missing() -> None:
    prompts = [summary_prompt(0, quote=True), summary_prompt(1), summary_prompt(2, "adversarial")]
    prompts.append(bank_prompt(0))
    skip = {("sum-001", "m2"), ("sum-002", "m1")}
    responses = [response(p.id, m) for p in prompts for m in ("m1", "m2") if (p.id, m) not in skip]
    responses.append(response("sum-002", "m1", error="timeout"))  # failed; (sum-001, m2) missing
    request = PlanRequest(run_id="run-1", secret="s3cret", rubric_version=1)
    items, report = KIND.plan(prompts, responses, request)

    assert [p.id for p in KIND.scope(prompts)] == ["sum-000", "sum-001", "sum-002"]
    assert report.prompts_in_scope == 3 and report.items == len(items) == 4
    assert report.missing_total == 2
    assert report.missing[("m2", "missing")] == 1
    assert report.missing[("m1", "failed (error recorded in the run)")] == 1

    by_key = {(i.prompt_id, i.model): i for i in items}
    quoted = by_key[("sum-000", "m1")]
    assert quoted.kind == "summarization" and quoted.rubric == "summarization"
    assert quoted.id.startswith("sum-") and "m1" not in quoted.id and "run-1" not in quoted.id
    # the documents move out of the request into source_text
    assert quoted.prompt_text == "Summarize in one sentence.\n\n[document 1]"
    assert quoted.source_text == "Doc one of 0."
    assert quoted.response_text == "m1 summary of sum-000" and quoted.rubric_version == 1
    stacked = by_key[("sum-001", "m1")]
    assert stacked.source_text == "[1] Doc one of 1.\n\n[2] Doc two of 1."
    assert stacked.prompt_text == "Summarize in one sentence."
    assert stacked.metadata == {
        "use_case": "email",
        "content_type": "work",
        "length_bucket": "short",
        "stacked": True,
        "n_docs": 2,
        "max_sentences": 1,
        "subset": "main",
        "checklist": ["Fact A of 1", "Fact B of 1"],
    }
    assert by_key[("sum-002", "m2")].metadata["subset"] == "adversarial"
    # the key facts reach the rater's view as its checklist; ids are stable for one secret
    view = KIND.view(stacked, "h1")
    assert view.checklist == ("Fact A of 1", "Fact B of 1") and view.source_text
    again, _ = KIND.plan(prompts, responses, request)
    assert [i.id for i in again] == [i.id for i in items]
    other, _ = KIND.plan(prompts, responses, PlanRequest(run_id="run-1", secret="other"))
    assert not {i.id for i in other} & {i.id for i in items}
    with pytest.raises(UserError, match="--models 'x'"):
        KIND.plan(prompts, responses, PlanRequest(run_id="run-1", secret="s", models=["x"]))


def test_instruction_text_keeps_a_request_without_documents() -> None:
    prompt = bank_prompt(1)
    assert instruction_text(prompt) == "Code?"
    assert KIND.item_fields(prompt)["source_text"] is None


# ---------------------------------------------------------------------------- the form


def test_form_questions_follow_the_rubric() -> None:
    view = KIND.view(item("p1"), "h")
    form = KIND.form(RUBRIC, view)
    assert form.title == RUBRIC.title and form.guide == RUBRIC.instructions
    panels = [panel for row in form.rows for panel in row]
    assert [(p.label, p.field, p.height) for p in panels] == [
        ("Instruction", "prompt_text", None),
        ("Input", "source_text", 320),
        ("Summary", "response_text", None),
    ]
    assert [q.name for q in form.questions] == IDS
    for question, dim in zip(form.questions, RUBRIC.dimensions, strict=True):
        assert question.style == "radio" and question.required
        assert dim.name in question.prompt and dim.question in question.prompt
        assert [o.value for o in question.options] == list(RATINGS) == ["good", "neutral", "poor"]
        assert [o.help for o in question.options] == [dim.ratings[r].definition for r in RATINGS]
        assert all(dim.ratings[r].definition in question.help for r in RATINGS)


def test_answers_to_payload() -> None:
    full = ratings(RUBRIC, "neutral")
    assert KIND.answers_to_payload(full, RUBRIC) == {"dimensions": full}
    assert KIND.answers_to_payload({}, RUBRIC) is None
    assert KIND.answers_to_payload({d: None for d in IDS}, RUBRIC) is None
    partial = {IDS[0]: "good", IDS[2]: "poor"}
    with pytest.raises(AnswerError) as exc:
        KIND.answers_to_payload(partial, RUBRIC)
    missing = [d.name for d in RUBRIC.dimensions if d.id not in partial]
    assert all(name in str(exc.value) for name in missing)
    assert RUBRIC.dimensions[0].name not in str(exc.value)
    with pytest.raises(AnswerError, match="one of good, neutral, poor"):
        KIND.answers_to_payload(full | {IDS[1]: "great"}, RUBRIC)


def test_check_grade() -> None:
    ok = Grade(item_id="i", rater_id="r", dimensions=ratings(RUBRIC, "good"))
    KIND.check_grade(ok, RUBRIC)
    KIND.check_grade(ok)  # without a rubric: the project's
    lacking = {d: "good" for d in IDS[1:]}
    with pytest.raises(UserError, match=rf"missing \['{IDS[0]}'\]"):
        KIND.check_grade(Grade(item_id="i", rater_id="r", dimensions=lacking), RUBRIC)
    extra = ratings(RUBRIC, "good") | {"vibes": "good"}
    with pytest.raises(UserError, match=r"unknown \['vibes'\]"):
        KIND.check_grade(Grade(item_id="i", rater_id="r", dimensions=extra), RUBRIC)
    with pytest.raises(UserError, match="grade of item 'i' by 'r'"):
        KIND.check_grade(Grade(item_id="i", rater_id="r"), RUBRIC)


# ---------------------------------------------------------------------------- frames


def test_grade_row() -> None:
    it = item("p1", subset="adversarial", stacked=True)
    dims = ratings(RUBRIC, "poor")
    row = KIND.grade_row(it, grade(it, "r1", dims))
    assert row is not None and tuple(row) == KIND.columns
    assert row == {
        "model": "m1",
        "use_case": "email",
        "content_type": "work",
        "length_bucket": "short",
        "stacked": True,
        "subset": "adversarial",
        "dimensions": dims,
    }
    old = it.model_copy(update={"metadata": {"use_case": "email"}})  # planned before subsets
    assert KIND.grade_row(old, grade(old, "r1", dims))["subset"] == "main"
    assert KIND.grade_row(it, Grade(item_id=it.id, rater_id="r1", flagged=True)) is None


def test_file_row_and_export_row_round_trip(tmp_path: Path) -> None:
    it = item("p1")
    graded = frame([(it, grade(it, "r1", ratings(RUBRIC, "neutral")))])
    frame_row = graded.iloc[0].to_dict()
    exported = KIND.export_row(frame_row)
    assert "dimensions" not in exported
    assert {d: exported[d] for d in IDS} == ratings(RUBRIC, "neutral")
    validated = KIND.row_model.model_validate(exported).model_dump()
    back = KIND.file_row(validated)
    assert back["dimensions"] == frame_row["dimensions"]
    assert {k: back[k] for k in frame_row} == frame_row
    assert KIND.export_row(back) == exported

    # a CSV export with one column per dimension loads into a frame with the dict
    path = tmp_path / "grades.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(exported))
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in exported.items()})
    loaded = load_grades_file(path, KIND)
    assert loaded.loc[0, "dimensions"] == ratings(RUBRIC, "neutral")
    assert loaded.loc[0, "model"] == "m1" and loaded.loc[0, "subset"] == "main"


def test_row_model_validates_dimension_columns() -> None:
    base = {"item_id": "i", "prompt_id": "p", "rater_id": "r", "model": "m", "use_case": "email"}
    with pytest.raises(ValidationError) as exc:
        KIND.row_model.model_validate(base | {IDS[0]: "excellent"})
    assert exc.value.errors()[0]["loc"] == (IDS[0],)
    with pytest.raises(ValidationError, match="no ratings"):
        KIND.row_model.model_validate(base)
    with pytest.raises(ValidationError):
        KIND.row_model.model_validate(base | {"model": ""} | ratings(RUBRIC, "good"))
    # a nested `dimensions` object (JSONL) is read the same way
    nested = KIND.row_model.model_validate(base | {"dimensions": ratings(RUBRIC, "good")})
    assert KIND.file_row(nested.model_dump())["dimensions"] == ratings(RUBRIC, "good")


# ---------------------------------------------------------------------------- statistics


def _estimates(values: pd.DataFrame, group: str = "all", graders: str = "human") -> dict:
    table = kind_rows([(values, KIND.groups)])
    out = {}
    for name in ("good", "neutral", "poor"):
        rows = select(table, f"summarization_{name}_rate", "m1", "", group, graders)
        assert len(rows) == 1
        out[name] = float(rows["estimate"].iloc[0])
    return out


def test_grade_values_and_rates() -> None:
    items = {p: item(p) for p in ("p1", "p2", "p3", "p4")}
    classes = {"p1": "good", "p2": "good", "p3": "poor", "p4": "neutral"}
    one = [(items[p], grade(items[p], "r1", ratings(RUBRIC, c))) for p, c in classes.items()]
    values = KIND.grade_values(frame(one), Context(RUBRIC))
    assert list(values.columns) == [
        "metric", "model", "baseline", "use_case", "content_type", "length_bucket",
        "graders", "prompt_id", "item_id", "rater_id", "value",
    ]  # fmt: skip
    assert set(values["baseline"]) == {""} and values["value"].between(0, 1).all()
    assert len(values) == 4 * 3  # good, neutral, poor per grade; no adversarial items
    assert _estimates(values) == pytest.approx({"good": 0.5, "neutral": 0.25, "poor": 0.25})

    # the same items with 1, 2 or 3 raters who agree: the same estimate
    many = []
    for n, (p, c) in zip((1, 2, 3, 2), classes.items(), strict=True):
        many += [(items[p], grade(items[p], f"r{k}", ratings(RUBRIC, c))) for k in range(n)]
    values = KIND.grade_values(frame(many), Context(RUBRIC))
    assert _estimates(values) == pytest.approx({"good": 0.5, "neutral": 0.25, "poor": 0.25})
    # an item's raters are averaged: a split item counts half (1 of 2 and 2 of 4 alike)
    split = many + [(items["p3"], grade(items["p3"], f"g{k}", ratings(RUBRIC, "good")))
                    for k in range(3)]  # fmt: skip
    assert _estimates(KIND.grade_values(frame(split), Context(RUBRIC)))["good"] == pytest.approx(
        (1 + 1 + 0.5 + 0) / 4
    )


def test_grade_values_subsets_gold_graders_and_groups() -> None:
    main = [item("p1"), item("p2", use_case="message")]
    adv = [item("a1", subset="adversarial"), item("a2", subset="adversarial")]
    gold = item("g1")
    harm = "harmfulness"  # the dimension the adversarial metric reads
    assert harm in IDS
    harmful = ratings(RUBRIC, "good") | {harm: "poor"}
    grades = [
        (main[0], grade(main[0], "r1", ratings(RUBRIC, "good"))),
        (main[1], grade(main[1], "r1", ratings(RUBRIC, "poor"))),
        (main[0], grade(main[0], "judge:x", ratings(RUBRIC, "poor"), grader="auto")),
        (adv[0], grade(adv[0], "r1", harmful)),
        (adv[0], grade(adv[0], "r2", ratings(RUBRIC, "poor"))),  # poor, not on harmfulness
        (adv[1], grade(adv[1], "r1", ratings(RUBRIC, "good"))),
        (gold, grade(gold, "r1", ratings(RUBRIC, "poor"))),
    ]
    values = KIND.grade_values(frame(grades, gold=(gold.id,)), None)  # the project's rubric
    assert gold.id not in set(values["item_id"])
    rates = values[values["metric"].str.endswith(("good_rate", "neutral_rate", "poor_rate"))]
    assert set(rates["item_id"]) == {main[0].id, main[1].id}
    amplify = values[values["metric"] == "summarization_not_amplify_rate"]
    assert set(amplify["item_id"]) == {adv[0].id, adv[1].id}
    table = kind_rows([(values, KIND.groups)])
    row = select(table, "summarization_not_amplify_rate", "m1", "", "all", "human")
    assert float(row["estimate"].iloc[0]) == pytest.approx((0.5 + 1) / 2)
    assert _estimates(values)["good"] == pytest.approx(0.5)
    assert _estimates(values, "use_case=message")["poor"] == pytest.approx(1.0)
    assert _estimates(values, graders="auto")["poor"] == pytest.approx(1.0)

    # without a harmfulness dimension the adversarial metric has no rows
    no_harm = RUBRIC.model_copy(
        update={"dimensions": [d for d in RUBRIC.dimensions if d.id != harm]}
    )
    trimmed = []
    for it, g in grades:
        kept = {k: v for k, v in g.dimensions.items() if k != harm}
        trimmed.append((it, g.model_copy(update={"dimensions": kept})))
    values = KIND.grade_values(frame(trimmed, gold=(gold.id,)), Context(no_harm))
    assert "summarization_not_amplify_rate" not in set(values["metric"])
    assert KIND.grade_values(frame(grades[:1], gold=(main[0].id,)), None).empty


def test_grade_values_name_a_grade_off_the_rubric() -> None:
    it = item("p1")
    off = {d: "good" for d in IDS[1:]}
    with pytest.raises(UserError, match=rf"item '{it.id}' by 'r1'.*{IDS[0]}"):
        KIND.grade_values(frame([(it, grade(it, "r1", off))]), Context(RUBRIC))


def test_run_frames_give_the_rubric() -> None:
    it = item("p1")
    context = RunFrames(rubrics={"summarization": RUBRIC})
    values = KIND.grade_values(frame([(it, grade(it, "r1", ratings(RUBRIC, "good")))]), context)
    assert values.loc[values["metric"] == "summarization_good_rate", "value"].tolist() == [1.0]


def test_metrics_are_registered() -> None:
    names = [m.name for m in KIND.metrics]
    assert names == [
        "summarization_good_rate",
        "summarization_neutral_rate",
        "summarization_poor_rate",
        "summarization_not_amplify_rate",
    ]
    directions = {m.name: m.higher_is_better for m in KIND.metrics}
    assert directions["summarization_good_rate"] is True
    assert directions["summarization_neutral_rate"] is None
    assert directions["summarization_poor_rate"] is False
    assert all(m.family == "summarization" and m.scale == "rate" for m in KIND.metrics)
    assert all(m.groups == ("use_case", "content_type", "length_bucket") for m in KIND.metrics)


# ---------------------------------------------------------------------------- agreement


def test_agreement_measures() -> None:
    p1, p2, gold = item("p1"), item("p2"), item("g1")
    graded = frame(
        [
            (p1, grade(p1, "r1", ratings(RUBRIC, "good"))),
            (p1, grade(p1, "r2", ratings(RUBRIC, "neutral"))),
            (p2, grade(p2, "r1", ratings(RUBRIC, "poor"))),
            (gold, grade(gold, "r1", ratings(RUBRIC, "poor"))),
        ],
        gold=(gold.id,),
    )
    measures = KIND.agreement_measures(graded, RUBRIC)
    assert [m.name for m, _ in measures] == [*IDS, "overall class"]
    assert [m.name for m, _ in measures if m.primary] == ["overall class"]
    assert all(m.level == "ordinal" and m.domain == (0, 1, 2) for m, _ in measures)
    coded = dict((m.name, rows) for m, rows in measures)
    assert list(coded["overall class"].columns) == ["item_id", "rater_id", "grader", "value"]
    assert coded["overall class"]["value"].tolist() == [2, 1, 0]  # good, neutral, poor
    assert coded[IDS[0]]["value"].tolist() == [2, 1, 0]
    assert coded[IDS[1]]["value"].tolist() == [2, 2, 2]
    assert gold.id not in set(coded["overall class"]["item_id"])


# ---------------------------------------------------------------------------- the judge


def test_judge_request_and_payload() -> None:
    it = item("p1", checklist=["The review moved to Thursday"])
    requests = KIND.judge_requests(it, RUBRIC)
    assert [r.tag for r in requests] == ["verdict"]
    request = requests[0]
    assert set(request.schema["required"]) == {*IDS, "reason"}
    assert all(request.schema["properties"][d]["enum"] == list(RATINGS) for d in IDS)
    system, user = request.messages[0].content, request.messages[1].content
    assert all(d in system for d in IDS) and "The review moved to Thursday" in system
    assert "Source:\n<<<\nThe source.\n>>>" in user and "Summary:\n<<<\nThe summary.\n>>>" in user

    dims = ratings(RUBRIC, "neutral")
    reply = "{" + ", ".join(f'"{d}": "{v}"' for d, v in dims.items()) + ', "reason": "ok"}'
    result = KIND.judge_payload(it, RUBRIC, {"verdict": reply})
    assert result.payload == {"dimensions": dims, "comment": "ok"}
    assert result.detail == {"dimensions": dims, "class": "neutral"} and result.consistent
    fenced = f"Here you go:\n```json\n{reply.upper().replace('REASON', 'reason')}\n```\nthanks"
    assert KIND.judge_payload(it, RUBRIC, {"verdict": fenced}).payload["dimensions"] == dims
    nested = {"dimensions": dims, "reason": ""}
    parsed = KIND.judge_payload(it, RUBRIC, {"verdict": str(nested)})  # a Python-literal dict
    assert parsed.payload == {"dimensions": dims, "comment": None}

    lacking = "{" + ", ".join(f'"{d}": "good"' for d in IDS[1:]) + "}"
    with pytest.raises(JudgeParseError, match=IDS[0]):
        KIND.judge_payload(it, RUBRIC, {"verdict": lacking})
    with pytest.raises(JudgeParseError):
        KIND.judge_payload(it, RUBRIC, {"verdict": reply.replace('"neutral"', '"meh"')})
    with pytest.raises(JudgeParseError):
        KIND.judge_payload(it, RUBRIC, {"verdict": None})


# ---------------------------------------------------------------------------- Label Studio


def _check_config(config: str, rubric: SummarizationRubric) -> ET.Element:
    root = ET.fromstring(config)  # well-formed XML
    for element in root.iter():
        # task data ($name: model text, the request, the documents) only in <Text> tags
        if any(str(v).startswith("$") for v in element.attrib.values()):
            assert element.tag == "Text"
    assert [t.get("name") for t in root.iter("Text")] == ["source", "request", "summary"]
    choices = {c.get("name"): c for c in root.iter("Choices")}
    assert [n for n in choices if n not in ("flag",)] == [d.id for d in rubric.dimensions]
    for dim in rubric.dimensions:
        control = choices[dim.id]
        assert control.get("toName") == "summary"
        assert [c.get("alias") for c in control] == list(RATINGS)
    return root


def test_label_studio_config_task_and_round_trip() -> None:
    config = KIND.ls_config(RUBRIC)
    _check_config(config, RUBRIC)
    assert KIND.ls_to_name == "summary"
    it = item("p1").model_copy(update={"response_text": "<script>alert(1)</script> & more"})
    task = KIND.ls_task(it, RUBRIC)
    assert task == {
        "source": "The source.",
        "request": "Summarize.",
        "summary": "<script>alert(1)</script> & more",
    }
    assert "alert" not in config
    bare = it.model_copy(update={"source_text": None})
    assert "no separate source" in KIND.ls_task(bare, RUBRIC)["source"]

    g = Grade(item_id="i", rater_id="r", dimensions=ratings(RUBRIC, "poor"))
    result = KIND.ls_result(g)
    assert all(r["to_name"] == "summary" and r["type"] == "choices" for r in result)
    assert KIND.ls_payload(answers_of(result), RUBRIC) == {"dimensions": g.dimensions}
    assert KIND.ls_result(g.model_copy(update={"skipped": True})) == []
    # labels ("Good") are read as well as aliases; nothing answered is no payload
    labels = {d: [v.capitalize()] for d, v in ratings(RUBRIC, "good").items()}
    assert KIND.ls_payload(labels, RUBRIC) == {"dimensions": ratings(RUBRIC, "good")}
    assert KIND.ls_payload({"comment": ["hm"], "flag": ["flag"]}, RUBRIC) is None
    with pytest.raises(ConversionError, match=IDS[-1]):
        KIND.ls_payload({d: ["good"] for d in IDS[:-1]}, RUBRIC)
    with pytest.raises(ConversionError, match="not one of"):
        KIND.ls_payload({d: ["great"] for d in IDS}, RUBRIC)
    with pytest.raises(ConversionError, match="one choice expected"):
        KIND.ls_payload({d: ["good", "poor"] for d in IDS}, RUBRIC)


# ---------------------------------------------------------------------------- a changed rubric


def test_renamed_and_added_dimensions_work_end_to_end(renamed: SummarizationRubric) -> None:
    ids = [d.id for d in renamed.dimensions]
    assert ids[0] == "clarity_of_prose" and ids[-1] == "actionability" and len(ids) == 6
    assert KIND.rubric_problems(renamed) == []

    # the form asks for the rubric's dimensions, and the payload needs all of them
    form = KIND.form(renamed, KIND.view(item("p1"), "h"))
    assert [q.name for q in form.questions] == ids
    answers = {d: "good" for d in ids} | {"actionability": "neutral"}
    payload = KIND.answers_to_payload(answers, renamed)
    assert payload == {"dimensions": answers}
    with pytest.raises(AnswerError, match="Actionability"):
        KIND.answers_to_payload({d: "good" for d in ids[:-1]}, renamed)

    # the store check follows the rubric it is given
    g = Grade(item_id="i", rater_id="r", **payload)
    KIND.check_grade(g, renamed)
    with pytest.raises(UserError, match="clarity_of_prose"):
        KIND.check_grade(g, RUBRIC)

    # statistics classify by the changed rubric (the sixth dimension decides the class)
    p1, p2 = item("p1"), item("p2")
    graded = frame(
        [
            (p1, grade(p1, "r1", {d: "good" for d in ids})),
            (p2, grade(p2, "r1", {d: "good" for d in ids} | {"actionability": "poor"})),
        ]
    )
    values = KIND.grade_values(graded, Context(renamed))
    assert _estimates(values) == pytest.approx({"good": 0.5, "neutral": 0.0, "poor": 0.5})
    measures = KIND.agreement_measures(graded, renamed)
    assert [m.name for m, _ in measures] == [*ids, "overall class"]
    exported = KIND.export_row(graded.iloc[1].to_dict())
    assert exported["actionability"] == "poor" and exported["clarity_of_prose"] == "good"
    assert (
        KIND.file_row(KIND.row_model.model_validate(exported).model_dump())["dimensions"]
        == (graded.iloc[1]["dimensions"])
    )

    # the judge is asked for, and must give, the changed dimensions
    request = KIND.judge_requests(p1, renamed)[0]
    assert set(request.schema["required"]) == {*ids, "reason"}
    assert "actionability" in request.messages[0].content
    reply = "{" + ", ".join(f'"{d}": "good"' for d in ids) + ', "reason": "fine"}'
    assert KIND.judge_payload(p1, renamed, {"verdict": reply}).detail["class"] == "good"
    with pytest.raises(JudgeParseError, match="actionability"):
        KIND.judge_payload(p1, renamed, {"verdict": reply.replace('"actionability": "good", ', "")})

    # Label Studio asks for them and converts them back
    _check_config(KIND.ls_config(renamed), renamed)
    assert KIND.ls_payload(answers_of(KIND.ls_result(g)), renamed) == payload


def test_rubric_problems() -> None:
    assert KIND.rubric_problems(RUBRIC) == []
    dims = list(RUBRIC.dimensions)
    bad = RUBRIC.model_copy(
        update={
            "dimensions": [
                dims[0].model_copy(update={"id": "Not-Snake"}),
                dims[1],
                dims[1],
                dims[2].model_copy(update={"id": "comment"}),
                dims[3].model_copy(update={"id": "model"}),
            ]
        }
    )
    problems = [message for _, message in KIND.rubric_problems(bad)]
    assert any("'Not-Snake' is not snake_case" in p for p in problems)
    assert any(f"{dims[1].id!r} is used twice" in p for p in problems)
    assert any("'comment' is reserved" in p for p in problems)
    assert any("'model' is reserved" in p for p in problems)
    assert [loc for loc, _ in KIND.rubric_problems(bad)][0] == ["dimensions", 0, "id"]
