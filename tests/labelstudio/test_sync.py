"""push / pull logic and the CLI on a fake Label Studio SDK client and a real SQLite store.

The fake implements only the SDK calls evalkit makes; the real server is in
test_labelstudio_roundtrip.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.labelstudio import connection
from evalkit.labelstudio.connection import LabelStudioAPI
from evalkit.labelstudio.convert import grade_result
from evalkit.labelstudio.sync import (
    load_plan,
    load_user_map,
    open_plan_store,
    open_pull_store,
    pull,
    push,
)
from evalkit.labelstudio.xml import region
from evalkit.paths import RUBRICS_DIR
from evalkit.records import Grade, Item
from evalkit.store import PAYLOAD_FIELDS, GradeStore
from tests.fixtures.builders import KIND_NAMES, SECRET_MODELS, form_payloads, kind_item, sxs_item

URL = "http://ls.test:8080"
KEY = "fake-key-0123456789abcdef"


class FakeLabelStudio:
    """An in-memory stand-in for `label_studio_sdk.LabelStudio` (the calls evalkit makes)."""

    def __init__(self) -> None:
        self.projects_by_id: dict[int, dict[str, Any]] = {}
        self.tasks_by_id: dict[int, dict[str, Any]] = {}
        self.user_list = [SimpleNamespace(id=1, email="Admin@Example.org", username="")]
        self.calls: list[str] = []
        self.next_id = 1
        outer = self

        class Projects:
            def list(self, title: str = "", page_size: int = 100):
                return [
                    SimpleNamespace(id=p["id"], title=p["title"])
                    for p in outer.projects_by_id.values()
                    if title.lower() in p["title"].lower()
                ]

            def get(self, id: int):
                return SimpleNamespace(**outer.projects_by_id[id])

            def create(self, title: str, **settings):
                outer.calls.append("create")
                pid = outer._id()
                outer.projects_by_id[pid] = {"id": pid, "title": title, **settings}
                return SimpleNamespace(id=pid, title=title)

            def update(self, id: int, **settings):
                outer.calls.append("update")
                outer.projects_by_id[id].update(settings)

            def import_tasks(self, id: int, request, return_task_ids: bool = False):
                ids = []
                for data in request:
                    tid = outer._id()
                    outer.tasks_by_id[tid] = {
                        "id": tid,
                        "project": id,
                        "data": dict(data),
                        "annotations": [],
                    }
                    ids.append(tid)
                return SimpleNamespace(task_count=len(ids), task_ids=ids)

        class Tasks:
            def list(self, project: int, fields: str = "all", page_size: int = 100):
                return [
                    SimpleNamespace(**t)
                    for t in outer.tasks_by_id.values()
                    if t["project"] == project
                ]

        class Users:
            def whoami(self):
                return outer.user_list[0]

            def list(self):
                return list(outer.user_list)

        self.projects, self.tasks, self.users = Projects(), Tasks(), Users()

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def project_tasks(self, title: str) -> list[dict[str, Any]]:
        (pid,) = [p["id"] for p in self.projects_by_id.values() if p["title"] == title]
        return [t for t in self.tasks_by_id.values() if t["project"] == pid]

    def annotate(self, task: dict, user_id: int, choice: str | None, **extra) -> dict:
        result = [] if choice is None else [region("preference", "prompt", "choices", [choice])]
        annotation = {
            "id": self._id(),
            "task": task["id"],
            "completed_by": user_id,
            "result": result,
            "was_cancelled": False,
            "lead_time": 4.0,
            "updated_at": f"2026-01-01T00:00:{self.next_id:02d}Z",
        } | extra
        task["annotations"].append(annotation)
        return annotation


def make_items(n: int) -> list[Item]:
    """`n` side-by-side items of the secret models, shown on alternating sides."""
    return [
        sxs_item(
            i,
            left=SECRET_MODELS[i % 2],
            right=SECRET_MODELS[(i + 1) % 2],
            model_a=SECRET_MODELS[0],
            prompt_id=f"p{i}",
            category="coding",
            prompt_text=f"prompt {i}",
            left_text=f"shown first {i}",
            right_text=f"shown second {i}",
            side_seed=99,
        )
        for i in range(n)
    ]


def write_plan(run_dir: Path, items: list[Item], kind: str = "sxs", name: str = "sxs-x") -> Path:
    plan = {"kind": kind, "item_ids": [i.id for i in items], "raters_per_item": 2, "db": "x"}
    (run_dir / "plans").mkdir(parents=True, exist_ok=True)
    (run_dir / "plans" / f"{name}.json").write_text(json.dumps(plan))
    (run_dir / "plan.json").write_text(json.dumps(plan))
    return run_dir / "plan.json"


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    run = tmp_path / "run"
    run.mkdir()
    with GradeStore(run / "grades.sqlite") as store:
        store.add_items(make_items(4))
    write_plan(run, make_items(3))
    return run


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeLabelStudio:
    """The fake behind `connect()`, as the CLI uses it."""
    client = FakeLabelStudio()
    monkeypatch.setenv("LABEL_STUDIO_URL", URL)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    monkeypatch.setattr(connection, "connect", lambda url=None: LabelStudioAPI(client, URL, KEY))
    return client


def test_push_creates_a_blinded_project_and_adds_only_new_items(
    run_dir: Path, fake: FakeLabelStudio, capsys
) -> None:
    assert run_cli(["labelstudio", "push", str(run_dir / "plan.json"), "--project", "P"]) == 0
    assert "created; 3 tasks imported, 0 already there" in capsys.readouterr().out
    (project,) = fake.projects_by_id.values()
    assert project["maximum_annotations"] == 2 and "<Choices" in project["label_config"]
    tasks = fake.project_tasks("P")
    assert sorted(t["data"]["evalkit_item_id"] for t in tasks) == [
        "sxs-0000",
        "sxs-0001",
        "sxs-0002",
    ]
    assert not any(m in json.dumps(tasks) for m in SECRET_MODELS)
    # again: nothing new; then a plan with one more item adds just that one
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "P"]) == 0
    assert "found; 0 tasks imported, 3 already there" in capsys.readouterr().out
    write_plan(run_dir, make_items(4))
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "P"]) == 0
    assert "1 tasks imported, 3 already there" in capsys.readouterr().out
    assert fake.calls == ["create"] and len(fake.project_tasks("P")) == 4


def test_push_updates_the_config_when_the_rubric_changes(
    run_dir: Path, fake: FakeLabelStudio, tmp_path: Path, capsys
) -> None:
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "P"]) == 0
    rubrics = tmp_path / "rubrics"
    shutil.copytree(RUBRICS_DIR, rubrics)
    data = yaml.safe_load((rubrics / "side_by_side.yaml").read_text())
    data["version"] = 2
    (rubrics / "side_by_side.yaml").write_text(yaml.safe_dump(data))
    args = ["labelstudio", "push", str(run_dir), "--project", "P", "--rubrics", str(rubrics)]
    assert run_cli(args) == 0
    assert "labeling config updated" in capsys.readouterr().out
    (project,) = fake.projects_by_id.values()
    assert "rubric v2" in project["label_config"] and fake.calls == ["create", "update"]
    assert run_cli(args) == 0
    assert fake.calls == ["create", "update"]  # unchanged rubric: no further update


def test_push_mixed_kinds_makes_one_project_per_kind(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    run = tmp_path / "run"
    safety = Item(
        id="saf-1", kind="safety", run_id="r", prompt_id="a1", prompt_text="q", response_text="a",
        model=SECRET_MODELS[0], rubric="safety",
    )  # fmt: skip
    with GradeStore(run / "grades.sqlite") as store:
        store.add_items([*make_items(2), safety])
        write_plan(run, make_items(2), name="sxs-x")
        write_plan(run, [safety], kind="safety", name="safety")
        plan = load_plan(run)
        assert plan.item_ids == {"safety": ["saf-1"], "sxs": ["sxs-0000", "sxs-0001"]}
        fake = FakeLabelStudio()
        results = push(LabelStudioAPI(fake, URL), store, plan, "Mixed")
    assert [r.project.title for r in results] == ["Mixed · sxs", "Mixed · safety"]
    assert len(fake.project_tasks("Mixed · safety")) == 1


def test_pull_is_idempotent_and_an_update_is_a_revision(run_dir: Path) -> None:
    fake = FakeLabelStudio()
    fake.user_list.append(SimpleNamespace(id=2, email="bea@example.org", username="bea"))
    api = LabelStudioAPI(fake, URL)
    with GradeStore(run_dir / "grades.sqlite") as store:
        push(api, store, load_plan(run_dir / "plan.json"), "P")
        tasks = sorted(fake.project_tasks("P"), key=lambda t: t["data"]["evalkit_item_id"])
        fake.annotate(tasks[0], 1, "-2")
        first = fake.annotate(tasks[0], 2, "1")
        fake.annotate(tasks[1], 2, None, was_cancelled=True)
        fake.annotate(tasks[2], 1, "0")
        result = pull(api, store, "P")
        assert (result.new, result.revised, result.unchanged, result.skipped) == (4, 0, 0, 1)
        assert dict(result.raters) == {"ls:admin@example.org": 2, "ls:bea@example.org": 2}
        grades = {(g.item_id, g.rater_id): g for g in store.current_grades()}
        assert grades[("sxs-0000", "ls:admin@example.org")].choice == -2
        assert grades[("sxs-0000", "ls:bea@example.org")].choice == 1
        assert grades[("sxs-0001", "ls:bea@example.org")].skipped
        again = pull(api, store, "P")
        assert (again.new, again.revised, again.unchanged) == (0, 0, 4)
        assert len(store.grade_history()) == 4
        # a second, later annotation by the same user replaces the first: one revision
        fake.annotate(tasks[0], 2, "2", updated_at="2026-02-01T00:00:00Z")
        first["result"][0]["value"]["choices"] = ["-1"]  # an older one changing is ignored
        revised = pull(api, store, "P")
        assert (revised.new, revised.revised, revised.unchanged) == (0, 1, 3)
        history = store.grade_history(item_id="sxs-0000", rater_id="ls:bea@example.org")
        assert [(g.revision, g.choice) for g in history] == [(1, 1), (2, 2)]


def test_pull_maps_users_to_registered_raters(run_dir: Path, tmp_path: Path) -> None:
    fake = FakeLabelStudio()
    api = LabelStudioAPI(fake, URL)
    user_map = tmp_path / "users.yaml"
    user_map.write_text("admin@example.org: alice\n")
    with GradeStore(run_dir / "grades.sqlite") as store:
        store.add_rater("alice", password="a long password")
        push(api, store, load_plan(run_dir), "P")
        for task in fake.project_tasks("P"):
            fake.annotate(task, 1, "1")
        result = pull(api, store, "P", load_user_map(user_map, store))
        assert result.new == 3 and result.assigned == 3 and dict(result.raters) == {"alice": 3}
        assert store.progress("alice") == (3, 3)
        assert pull(api, store, "P", load_user_map(user_map, store)).unchanged == 3


def test_user_map_errors_name_file_line_and_email(run_dir: Path, tmp_path: Path) -> None:
    user_map = tmp_path / "users.yaml"
    user_map.write_text("a@example.org: alice\nb@example.org: nobody\n")
    with GradeStore(run_dir / "grades.sqlite") as store:
        store.add_rater("alice", password="a long password")
        with pytest.raises(UserError, match=r"users.yaml:2: b@example.org: rater 'nobody' is not"):
            load_user_map(user_map, store)
        user_map.write_text("- just a list\n")
        with pytest.raises(UserError, match="expected a mapping"):
            load_user_map(user_map, store)


def test_pull_reports_bad_annotations_and_exits_1(
    run_dir: Path, fake: FakeLabelStudio, capsys
) -> None:
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "P"]) == 0
    tasks = sorted(fake.project_tasks("P"), key=lambda t: t["data"]["evalkit_item_id"])
    fake.annotate(tasks[0], 1, "1")
    bad = fake.annotate(tasks[1], 1, "seven")
    tasks[2]["data"]["evalkit_item_id"] = "sxs-unknown"
    fake.annotate(tasks[2], 1, "1")
    capsys.readouterr()
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", "P"]) == 1
    captured = capsys.readouterr()
    assert "1 new grades" in captured.out
    assert f"task {tasks[1]['id']}, annotation {bad['id']}" in captured.err
    assert "'seven' is not on the scale" in captured.err
    assert "'sxs-unknown' is not an item of" in captured.err
    assert "error: 2 annotation(s) could not be imported" in captured.err
    assert KEY not in captured.out + captured.err


def test_pull_into_the_wrong_store_is_an_error(tmp_path: Path, fake: FakeLabelStudio) -> None:
    api = LabelStudioAPI(fake, URL)
    run = tmp_path / "run"
    with GradeStore(run / "grades.sqlite") as store:
        store.add_items(make_items(1))
        write_plan(run, make_items(1))
        push(api, store, load_plan(run), "P")
    with GradeStore(tmp_path / "other.sqlite") as other:
        with pytest.raises(UserError, match="none of the 1 tasks"):
            pull(api, other, "P")
        with pytest.raises(UserError, match="no project titled 'Q'"):
            pull(api, other, "Q")


def test_plan_errors(tmp_path: Path, run_dir: Path, monkeypatch) -> None:
    with pytest.raises(UserError, match="plan file or run folder not found"):
        load_plan(tmp_path / "missing.json")
    with pytest.raises(UserError, match="no plan found"):
        load_plan(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "sxs",\n "item_ids": [1, }')
    with pytest.raises(UserError, match=r"bad.json:2: not valid JSON"):
        load_plan(bad)
    bad.write_text(json.dumps({"kind": "ranking", "item_ids": ["a"]}))
    with pytest.raises(UserError, match="bad.json: kind: must be one of"):
        load_plan(bad)
    bad.write_text(json.dumps({"kind": "sxs", "item_ids": []}))
    with pytest.raises(UserError, match="item_ids: must be a non-empty list"):
        load_plan(bad)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plan_file = write_plan(elsewhere, make_items(1))
    with pytest.raises(UserError, match=r"no grade store .*pass --db.*plan was written to x"):
        open_plan_store(load_plan(plan_file), None)
    assert not (elsewhere / "grades.sqlite").exists()  # push never creates a store
    plan = load_plan(plan_file)
    plan.item_ids["sxs"].append("sxs-missing")
    with open_plan_store(plan, str(run_dir / "grades.sqlite")) as store:
        with pytest.raises(UserError, match="1 planned sxs item.*not in the grade store"):
            push(LabelStudioAPI(FakeLabelStudio(), URL), store, plan, "P")


def test_cli_needs_url_and_key_from_the_environment(run_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "P"]) == 2
    assert "LABEL_STUDIO_URL" in capsys.readouterr().err
    monkeypatch.setenv("LABEL_STUDIO_URL", URL)
    assert run_cli(["labelstudio", "pull", str(run_dir), "--project", "P"]) == 2
    assert "$LABEL_STUDIO_API_KEY is not set" in capsys.readouterr().err
    assert run_cli(["labelstudio", "push", str(run_dir), "--project", "P", "--url", "ftp://x"]) == 2
    assert "expected http(s)://" in capsys.readouterr().err


def _sdk_transport(status: int, body: dict | None = None):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body or {"detail": "Invalid token."})

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


def test_401_names_the_variable_and_never_shows_the_key(monkeypatch) -> None:
    """The real SDK client on a mock HTTP transport: a 401 is one clear line without the key."""
    client, seen = _sdk_transport(401)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    with pytest.raises(UserError) as error:
        connection.connect("http://ls.test:8080", httpx_client=client)
    message = str(error.value)
    assert "401" in message and "LABEL_STUDIO_API_KEY" in message and KEY not in message
    assert "http://ls.test:8080" in message
    assert seen and seen[0].headers["Authorization"] == f"Token {KEY}"  # sent, never shown


def test_connection_errors_are_one_line(monkeypatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused {request.url}")

    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(UserError, match=r"cannot reach Label Studio at http://ls.test:8080"):
        connection.connect("http://ls.test:8080", httpx_client=client)
    for url in ("http://u:secretpw@ls.test:8080", "http://ls.test:8080/?token=secretpw"):
        with pytest.raises(UserError, match=r"'http://ls.test:8080/?': remove") as err:
            connection.connect(url, httpx_client=client)
        assert "secretpw" not in str(err.value)
    server_error, _ = _sdk_transport(400, {"detail": f"bad config {KEY}"})
    api = connection.connect  # a 400 keeps the server's detail, scrubbed of the key
    with pytest.raises(UserError, match=r"could not check the API key \(400: bad config \*\*\*\)"):
        api("http://ls.test:8080", httpx_client=server_error)


def test_redaction() -> None:
    assert connection.redact_url("https://u:p@host:9/x/?token=abc#f") == "https://host:9/x/"
    text = connection.scrub(f"failed https://u:p@h/api?k=1 with {KEY}", (KEY,))
    assert text == "failed https://h/api with ***"


def test_pull_never_creates_a_store(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(UserError, match=r"no grade store \(run `evalkit plan` first"):
        open_pull_store(run, None)
    with pytest.raises(UserError, match="run folder not found"):
        open_pull_store(tmp_path / "missing", None)
    with pytest.raises(UserError, match="which grade store"):
        open_pull_store(None, None)
    assert not (run / "grades.sqlite").exists()
    with GradeStore(run / "grades.sqlite") as store:
        store.add_items(make_items(1))
    monkeypatch.setenv("EVALKIT_DB", str(run / "grades.sqlite"))
    with open_pull_store(None, None) as store:
        assert [item.id for item in store.items()] == ["sxs-0000"]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_pushes_and_pulls(kind: str, tmp_path: Path, monkeypatch) -> None:
    """Push an item of each registered kind, annotate it with each answer the kind's form
    allows (one user per answer), pull: the store holds exactly those grades."""
    from evalkit.kinds import get_kind

    monkeypatch.delenv("EVALKIT_DB", raising=False)
    grading = get_kind(kind)
    item = kind_item(kind).model_copy(update={"is_gold": False, "gold_answer": None})
    run = tmp_path / "run"
    fake = FakeLabelStudio()
    payloads = form_payloads(grading, grading.load_rubric())
    for user in range(len(payloads)):
        fake.user_list.append(SimpleNamespace(id=10 + user, email=f"u{user}@x.org", username=""))
    api = LabelStudioAPI(fake, URL)
    with GradeStore(run / "grades.sqlite") as store:
        store.add_items([item])
        write_plan(run, [item], kind=kind, name=kind)
        (result,) = push(api, store, load_plan(run), "K")
        assert result.kind == kind and result.imported == 1
        (task,) = fake.project_tasks("K")
        assert set(task["data"]) >= {"evalkit_item_id"}
        assert not any(m in json.dumps(task) for m in SECRET_MODELS)
        wanted = {}
        for user, payload in enumerate(payloads):
            rater = f"ls:u{user}@x.org"
            grade = Grade(item_id=item.id, rater_id=rater, comment=f"c{user}", **payload)
            answer, cancelled = grade_result(grade, grading)
            fake.annotate(task, 10 + user, None, result=answer, was_cancelled=cancelled)
            wanted[rater] = grade
        pulled = pull(api, store, "K")
        assert not pulled.problems and pulled.new == len(payloads)
        assert pull(api, store, "K").unchanged == len(payloads)
        grades = {g.rater_id: g for g in store.current_grades()}
    fields = [f for f in PAYLOAD_FIELDS if f != "grader"]
    assert set(grades) == set(wanted)
    for rater, grade in wanted.items():
        got = grades[rater]
        assert {f: getattr(got, f) for f in fields} == {f: getattr(grade, f) for f in fields}
