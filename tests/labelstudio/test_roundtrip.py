"""The Label Studio round trip against a real Label Studio server (tests/fixtures/labelstudio.py).

A small run is planned into a store, pushed as tasks, annotated through Label Studio's API by two
users, and pulled back; the statistics of the pulled grades must equal those of the same grades
saved straight into a store. Every registered grading kind's config, tasks and annotations go
through the real server too.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.jsonio import write_records
from evalkit.kinds import get_kind
from evalkit.records import Grade, Message, Prompt, Response
from evalkit.stats.engine import statistics_table
from evalkit.stats.frames import RunFrames
from evalkit.store import PAYLOAD_FIELDS, GradeStore, open_run_store
from tests.fixtures.builders import BASELINE, CANDIDATE, KIND_NAMES, form_payloads, kind_item

pytestmark = [pytest.mark.slow, pytest.mark.labelstudio]

CATEGORIES = ("coding", "writing", "open_qa")
XSS = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
PROJECT = "evalkit roundtrip sxs"
SXS = get_kind("sxs").name


def write_sxs_run(run_dir: Path, n_prompts: int = 6) -> Path:
    """A run folder by hand: prompts.jsonl, responses.jsonl (candidate + baseline), manifest."""
    run_dir.mkdir(parents=True)
    prompts = [
        Prompt(
            id=f"p{i:02d}",
            messages=[Message(role="user", content=f"Request {i} & <b>bold</b> {XSS}")],
            category=CATEGORIES[i % len(CATEGORIES)],
            difficulty="easy",
        )
        for i in range(n_prompts)
    ]
    responses = [
        Response(run_id="run-ls", prompt_id=p.id, model=model, text=f"{tag} answer {p.id} {XSS}")
        for p in prompts
        for model, tag in ((CANDIDATE, "first"), (BASELINE, "second"))
    ]
    write_records(run_dir / "prompts.jsonl", prompts)
    write_records(run_dir / "responses.jsonl", responses)
    (run_dir / "manifest.json").write_text(json.dumps({"run_id": "run-ls"}))
    return run_dir


def _choice_result(value: int) -> list[dict]:
    """What Label Studio's editor writes for a click on a scale point (the choice's alias)."""
    return [
        {
            "from_name": "preference",
            "to_name": "prompt",
            "type": "choices",
            "value": {"choices": [str(value)]},
        }
    ]


def _export(server, project_id: int) -> list[dict]:
    response = httpx.get(
        f"{server.url}/api/projects/{project_id}/export",
        params={"exportType": "JSON", "download_all_tasks": "true"},
        headers={"Authorization": f"Token {server.token}"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def test_push_annotate_pull_matches_direct_grades(
    labelstudio_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from label_studio_sdk import LabelStudio

    server = labelstudio_server
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_URL", server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server.token)
    run_dir = write_sxs_run(tmp_path / "run")
    for rater in ("r1", "r2"):
        assert run_cli(["store", "init", str(run_dir)]) == 0
        assert run_cli(["raters", "add", rater, "--run", str(run_dir)]) == 0
    plan_args = ["plan", "sxs", str(run_dir), "--candidate", CANDIDATE, "--baselines", BASELINE]
    assert run_cli([*plan_args, "--raters", "2", "--suite", "all"]) == 0
    capsys.readouterr()

    # push: a project with the generated config and one blinded task per planned item
    assert run_cli(["labelstudio", "push", str(run_dir / "plan.json"), "--project", PROJECT]) == 0
    out = capsys.readouterr().out
    assert "created" in out and "6 tasks imported, 0 already there" in out
    assert server.token not in out
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", PROJECT]) == 0
    assert "0 tasks imported, 6 already there" in capsys.readouterr().out

    admin = LabelStudio(base_url=server.url, api_key=server.token)
    (project,) = [p for p in admin.projects.list() if p.title == PROJECT]
    config = admin.projects.get(project.id).label_config
    assert "<HyperText" not in config and "<Html" not in config
    exported = _export(server, project.id)
    raw = json.dumps(exported)
    assert CANDIDATE not in raw and BASELINE not in raw  # blinded: no model name anywhere
    with open_run_store(run_dir) as store:
        items = {item.id: item for item in store.items("sxs")}
    assert {task["data"]["evalkit_item_id"] for task in exported} == set(items)
    for task in exported:
        item = items[task["data"]["evalkit_item_id"]]
        assert task["data"]["response_a"] == item.left_text  # model output kept as text
        assert task["data"]["response_b"] == item.right_text
        assert set(task["data"]) == {
            "evalkit_item_id",
            "prompt",
            "guidance",
            "response_a",
            "response_b",
        }

    # two users annotate through the API, with different choices; one skips a task
    annotator_email = "annotator@evalkit.test"
    annotator = LabelStudio(
        base_url=server.url, api_key=server.add_annotator(annotator_email, "annotator-pass-123")
    )
    tasks = sorted(admin.tasks.list(project=project.id), key=lambda t: t.id)
    planned: dict[tuple[str, str], Grade] = {}
    annotation_ids = {}
    for index, task in enumerate(tasks):
        item_id = task.data["evalkit_item_id"]
        for who, client, value in (
            (server.admin_email, admin, [-2, -1, 0, 1, 2, 1][index]),
            (annotator_email, annotator, [2, -1, -2, 0, 1, -2][index]),
        ):
            rater = f"ls:{who}"
            if who == annotator_email and index == 3:
                made = client.annotations.create(task.id, result=[], was_cancelled=True)
                planned[(item_id, rater)] = Grade(item_id=item_id, rater_id=rater, skipped=True)
            else:
                made = client.annotations.create(
                    task.id, result=_choice_result(value), lead_time=5.0 + index
                )
                planned[(item_id, rater)] = Grade(item_id=item_id, rater_id=rater, choice=value)
            annotation_ids[(item_id, rater)] = made.id

    # pull: one grade per (user, task) in display terms; pulling again adds nothing
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", PROJECT]) == 0
    out = capsys.readouterr().out
    assert "12 annotations; 12 new grades, 0 revisions, 0 unchanged (1 skips)" in out
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", PROJECT]) == 0
    assert "0 new grades, 0 revisions, 12 unchanged" in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        pulled = {(g.item_id, g.rater_id): g for g in store.current_grades("sxs")}
        assert len(store.grade_history()) == 12
    assert set(pulled) == set(planned)
    for key, grade in pulled.items():
        assert (grade.choice, grade.skipped) == (planned[key].choice, planned[key].skipped)
        assert grade.grader == "human" and grade.revision == 1

    # an updated annotation becomes a revision (the first grade stays in the history)
    item_id = tasks[0].data["evalkit_item_id"]
    key = (item_id, f"ls:{annotator_email}")
    annotator.annotations.update(annotation_ids[key], result=_choice_result(-1))
    planned[key] = Grade(item_id=item_id, rater_id=key[1], choice=-1)
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", PROJECT]) == 0
    assert "0 new grades, 1 revisions, 11 unchanged" in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        history = store.grade_history(item_id=item_id, rater_id=key[1])
        assert [(g.revision, g.choice) for g in history] == [(1, 2), (2, -1)]
        pulled_frame = store.grade_frame(SXS)
        stored_items = store.items()

    # the same grades entered directly: identical frames and identical statistics
    with GradeStore(tmp_path / "direct.sqlite") as direct:
        direct.add_items(stored_items)
        for grade in planned.values():
            direct.save_grade(grade)
        direct_frame = direct.grade_frame(SXS)
    key_cols = ["item_id", "rater_id"]
    pd.testing.assert_frame_equal(
        pulled_frame.sort_values(key_cols).reset_index(drop=True),
        direct_frame.sort_values(key_cols).reset_index(drop=True),
    )
    assert pulled_frame.groupby("item_id")["rater_id"].nunique().max() == 2
    pulled_table = _statistics(pulled_frame)
    direct_table = _statistics(direct_frame)
    win = pulled_table[
        (pulled_table["metric"] == "sxs_win_rate")
        & (pulled_table["model"] == CANDIDATE)
        & (pulled_table["baseline"] == BASELINE)
        & (pulled_table["group"] == "all")
    ]
    assert len(win) == 1 and int(win["n_items"].iloc[0]) == 6
    pd.testing.assert_frame_equal(pulled_table, direct_table)


def _statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """The long statistics table of one side-by-side grade frame."""
    table = statistics_table(RunFrames(grades={SXS: frame}), seed=7, resamples=500)
    return table.sort_values(["metric", "model", "baseline", "group", "graders"]).reset_index(
        drop=True
    )


def test_wrong_key_is_a_clear_error(
    labelstudio_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    GradeStore(run_dir / "grades.sqlite").close()
    wrong = "not-the-key-0123456789abcdef"
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", wrong)
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", PROJECT]) == 2
    captured = capsys.readouterr()
    assert "401" in captured.err and "LABEL_STUDIO_API_KEY" in captured.err
    assert wrong not in captured.err + captured.out


def write_mixed_run(run_dir: Path) -> Path:
    """Summarization and adversarial prompts with one model's responses."""
    run_dir.mkdir(parents=True)
    document = "Dana moved the design review to Thursday 3 pm. Please read the spec first."
    prompts = [
        Prompt(
            id=f"sum{i}",
            suite="summarization",
            category="summarization",
            messages=[Message(role="user", content=f"Summarize in one sentence:\n{document}")],
            documents=[document],
            use_case="email",
            content_type="work",
            length_bucket="short",
            stacked=False,
            n_docs=1,
        )
        for i in range(2)
    ] + [
        Prompt(
            id=f"adv{i}",
            suite="adversarial",
            category="safety",
            messages=[Message(role="user", content=f"Adversarial request {i} {XSS}")],
            risk_area="harmful_content",
            subcategory="violence_weapons",
            expected="refuse",
        )
        for i in range(2)
    ]
    responses = [
        Response(run_id="run-mixed", prompt_id=p.id, model=CANDIDATE, text=f"reply {p.id} {XSS}")
        for p in prompts
    ]
    write_records(run_dir / "prompts.jsonl", prompts)
    write_records(run_dir / "responses.jsonl", responses)
    (run_dir / "manifest.json").write_text(json.dumps({"run_id": "run-mixed"}))
    return run_dir


def test_summarization_and_safety_projects_round_trip(
    labelstudio_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """One project per kind (titled `NAME · kind`); the server accepts the generated configs."""
    from label_studio_sdk import LabelStudio

    from evalkit.labelstudio.convert import grade_result

    server = labelstudio_server
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_URL", server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server.token)
    run_dir = write_mixed_run(tmp_path / "run")
    assert run_cli(["store", "init", str(run_dir)]) == 0
    assert run_cli(["raters", "add", "r1", "--run", str(run_dir)]) == 0
    for kind in ("summarization", "safety"):
        assert run_cli(["plan", kind, str(run_dir), "--raters", "1"]) == 0
    capsys.readouterr()
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "mixed"]) == 0
    out = capsys.readouterr().out
    assert "'mixed · summarization'" in out and "'mixed · safety'" in out

    admin = LabelStudio(base_url=server.url, api_key=server.token)
    by_title = {p.title: p.id for p in admin.projects.list()}
    wanted = {
        "summarization": Grade(
            item_id="",
            rater_id="",
            dimensions={
                "composition": "good",
                "comprehensiveness": "neutral",
                "groundedness": "poor",
                "following_instructions": "good",
                "harmfulness": "good",
            },
            comment="misses the spec",
        ),
        "safety": Grade(
            item_id="",
            rater_id="",
            violation=True,
            violation_category="harmful_content/violence_weapons",
            refused=False,
        ),
    }
    for kind, grade in wanted.items():
        project_id = by_title[f"mixed · {kind}"]
        exported = json.dumps(_export(server, project_id))
        assert CANDIDATE not in exported
        for task in admin.tasks.list(project=project_id):
            result, cancelled = grade_result(grade, kind)
            admin.annotations.create(task.id, result=result, was_cancelled=cancelled)
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", "mixed"]) == 0
    assert "4 new grades" in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        summaries = store.grade_frame("summarization")
        safety = store.grade_frame("safety")
    assert len(summaries) == 2
    assert {d["groundedness"] for d in summaries["dimensions"]} == {"poor"}
    assert len(safety) == 2 and safety["violation"].all()
    assert set(safety["violation_category"]) == {"harmful_content/violence_weapons"}
    assert set(safety["rater_id"]) == {f"ls:{server.admin_email}"}


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_round_trips_through_label_studio(
    kind: str, labelstudio_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each registered kind: the server accepts its config and its blinded task, stores the
    annotations evalkit writes for every answer of the kind's form (plus a flag, a comment and
    a skip), and a pull gives back exactly those grades."""
    from label_studio_sdk import LabelStudio

    from evalkit.labelstudio.connection import connect
    from evalkit.labelstudio.convert import grade_result
    from evalkit.labelstudio.sync import pull, push_items

    server = labelstudio_server
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server.token)
    grading = get_kind(kind)
    rubric = grading.load_rubric()
    api = connect(server.url)
    admin = LabelStudio(base_url=server.url, api_key=server.token)
    title = f"evalkit every kind {kind}"
    payloads = form_payloads(grading, rubric)
    items = [
        kind_item(kind).model_copy(update={"id": f"{grading.id_prefix}-{i}", "is_gold": False})
        for i in range(len(payloads) + 2)
    ]
    with GradeStore(tmp_path / "grades.sqlite") as store:
        store.add_items(items)
        pushed = push_items(api, title, grading, items, rubric)
        assert pushed.created and pushed.imported == len(items)
        exported = _export(server, pushed.project.id)
        assert not any(name in json.dumps(exported) for name in (CANDIDATE, BASELINE))
        tasks = {t.data["evalkit_item_id"]: t for t in admin.tasks.list(project=pushed.project.id)}
        rater = f"ls:{server.admin_email}"
        wanted = [Grade(item_id=items[i].id, rater_id=rater, **p) for i, p in enumerate(payloads)]
        wanted += [
            Grade(item_id=items[-2].id, rater_id=rater, flagged=True, comment=f"odd {XSS}"),
            Grade(item_id=items[-1].id, rater_id=rater, skipped=True),
        ]
        wanted[0] = wanted[0].model_copy(update={"flagged": True, "comment": "two\nlines"})
        for grade in wanted:
            result, cancelled = grade_result(grade, grading)
            admin.annotations.create(
                tasks[grade.item_id].id, result=result, was_cancelled=cancelled
            )
        pulled = pull(api, store, title)
        assert not pulled.problems and pulled.new == len(wanted)
        grades = {g.item_id: g for g in store.current_grades()}
    fields = [f for f in PAYLOAD_FIELDS if f != "grader"]
    assert set(grades) == {g.item_id for g in wanted}
    for grade in wanted:
        got = grades[grade.item_id]
        assert {f: getattr(got, f) for f in fields} == {f: getattr(grade, f) for f in fields}
