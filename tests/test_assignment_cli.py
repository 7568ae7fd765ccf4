"""The grading commands end to end: raters, plans, exports and their errors (exit 2)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.records import Grade
from evalkit.store import GradeStore, open_run_store
from tests.test_assignment_plan import make_run, write_run

EVALKIT = Path(sys.executable).with_name("evalkit")


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    prompts, responses = make_run()
    return write_run(tmp_path / "runs" / "demo", prompts, responses)


def _add_raters(run_dir: Path, names: list[str]) -> None:
    for name in names:
        assert run_cli(["raters", "add", name, "--run", str(run_dir)]) == 0


def test_raters_add_and_list(run_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1].split(": ")[-1]
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    code = run_cli(
        ["raters", "add", "boss", "--role", "admin", "--password-stdin", "--run", str(run_dir)]
    )
    assert code == 0 and "token" not in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        assert store.authenticate("alice", token).role == "rater"
        assert store.authenticate("boss", "a long password").role == "admin"
    assert run_cli(["raters", "list", "--run", str(run_dir)]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "token" in listing and "password" in listing
    assert token not in listing
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert run_cli(["raters", "list"]) == 2
    assert "which grade store" in capsys.readouterr().err
    assert run_cli(["raters", "deactivate", "alice", "--run", str(run_dir)]) == 0
    with open_run_store(run_dir) as store:
        assert [r.name for r in store.raters(active_only=True)] == ["boss"]


def test_sxs_plan_assigns_every_item_to_k_raters(run_dir: Path, capsys) -> None:
    _add_raters(run_dir, ["r1", "r2", "r3", "r4"])
    capsys.readouterr()
    args = ["sxs", "plan", str(run_dir), "--candidate", "cand", "--baselines", "base1,base2"]
    assert run_cli([*args, "--raters", "3", "--gold", "10%", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "planned sxs: 27 items (3 gold) from 12 prompts" in out
    plan = json.loads((run_dir / "plan.json").read_text())
    assert plan["kind"] == "sxs" and plan["seed"] == 4 and plan["candidate"] == "cand"
    assert len(plan["item_ids"]) == 27 and plan["counts"]["gold"] == 3
    assert (run_dir / "plans" / "sxs-cand.json").exists()
    with open_run_store(run_dir) as store:
        table = store.assignments()
        assert (table.groupby("item_id").size() == 3).all() and table["item_id"].nunique() == 27
        loads = table.groupby("rater_id").size()
        assert loads.max() - loads.min() <= 1
        assert sum(item.is_gold for item in store.items()) == 3
    # the same command again changes nothing
    assert run_cli([*args, "--raters", "3", "--gold", "10%", "--seed", "4"]) == 0
    assert "0 new, 27 already planned; 0 assignments" in capsys.readouterr().out
    # another seed would redraw sides of the same comparisons: refused, not silently mixed
    assert run_cli([*args, "--raters", "3", "--seed", "5"]) == 2
    assert "other content" in capsys.readouterr().err


def test_plan_errors_exit_2_with_a_message(run_dir: Path, capsys) -> None:
    base = ["sxs", "plan", str(run_dir), "--baselines", "base1"]
    assert run_cli([*base, "--candidate", "cand"]) == 2
    assert "no active raters" in capsys.readouterr().err
    _add_raters(run_dir, ["r1", "r2"])
    assert run_cli([*base, "--candidate", "nope"]) == 2
    err = capsys.readouterr().err
    assert "error: --candidate 'nope' has no responses in this run" in err
    assert "cand, base1, base2" in err or "base1, base2, cand" in err
    assert run_cli([*base, "--candidate", "cand", "--raters", "3"]) == 2
    assert "needs 3 distinct raters but only 2" in capsys.readouterr().err
    assert run_cli([*base, "--candidate", "cand", "--raters", "2", "--rater-names", "r1,zed"]) == 2
    assert "no active rater 'zed'" in capsys.readouterr().err
    assert run_cli([*base, "--candidate", "cand", "--category", "poetry"]) == 2
    assert "--category poetry" in capsys.readouterr().err
    assert (
        run_cli(["sxs", "plan", str(run_dir / "nope"), "--candidate", "c", "--baselines", "b"]) == 2
    )
    assert "run folder not found" in capsys.readouterr().err
    with open_run_store(run_dir) as store:  # nothing was written by the failed plans
        assert store.items() == []


def test_missing_responses_are_reported(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    prompts, responses = make_run(models=("cand", "base1"))
    responses = [r for r in responses if not (r.model == "base1" and r.prompt_id == "bank-001")]
    run_dir = write_run(tmp_path / "run", prompts, responses)
    _add_raters(run_dir, ["r1", "r2"])
    capsys.readouterr()
    args = ["plan", "sxs", str(run_dir), "--candidate", "cand", "--baselines", "base1"]
    assert run_cli([*args, "--raters", "2", "--category", "coding,writing"]) == 0
    captured = capsys.readouterr()
    assert "not planned: base1: 1 response(s) missing" in captured.out
    assert "planned sxs: 5 items (0 gold) from 6 prompts" in captured.out
    plan = json.loads((run_dir / "plan.json").read_text())
    assert plan["counts"]["missing"] == [{"model": "base1", "reason": "missing", "count": 1}]


def test_plan_summarization_and_safety(run_dir: Path, capsys) -> None:
    _add_raters(run_dir, ["r1", "r2", "r3"])
    assert run_cli(["plan", "summarization", str(run_dir), "--raters", "2"]) == 0
    assert "planned summarization: 9 items" in capsys.readouterr().out
    assert run_cli(["plan", "safety", str(run_dir), "--models", "cand", "--raters", "1"]) == 0
    assert "planned safety: 4 items" in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        kinds = Counter(item.kind for item in store.items())
        assert kinds == {"summarization": 9, "safety": 4}
        assert len(store.assignments()) == 9 * 2 + 4
    assert {p.name for p in (run_dir / "plans").iterdir()} == {
        "summarization.json",
        "safety.json",
    }


def _grade_everything(store: GradeStore) -> None:
    """Every rater says "A (left) much better" on every sxs item, and skips one."""
    for rater in store.raters():
        first = True
        while (item := store.next_item(rater.id)) is not None:
            if first:
                store.save_grade(Grade(item_id=item.id, rater_id=rater.id, skipped=True))
                first = False
                continue
            store.save_grade(Grade(item_id=item.id, rater_id=rater.id, choice=-2))


def test_grades_export_formats_and_sign(run_dir: Path, tmp_path: Path, capsys) -> None:
    _add_raters(run_dir, ["r1", "r2"])
    plan = ["sxs", "plan", str(run_dir), "--candidate", "cand", "--baselines", "base1"]
    assert run_cli([*plan, "--raters", "2", "--gold", "2"]) == 0
    with open_run_store(run_dir) as store:
        _grade_everything(store)
        store.save_grade(
            Grade(item_id=store.items()[0].id, rater_id="judge:m", grader="auto", choice=2)
        )
        items = {item.id: item for item in store.items()}
        humans = [g for g in store.current_grades() if g.grader == "human" and not g.skipped]
    expected = sum(not items[g.item_id].is_gold for g in humans)
    assert 0 < expected < len(humans) and len(humans) == 2 * 14 - 2  # 2 skips
    out_csv = tmp_path / "out" / "sxs.csv"
    assert run_cli(["grades", "export", str(run_dir), "--kind", "sxs", "--out", str(out_csv)]) == 0
    assert f"exported {expected} sxs grades" in capsys.readouterr().out  # no skips, no gold
    frame = pd.read_csv(out_csv)
    assert list(frame.columns) == [
        "item_id",
        "prompt_id",
        "category",
        "rater_id",
        "model_a",
        "model_b",
        "score",
    ]
    assert set(frame["rater_id"]) == {"r1", "r2"} and set(frame["model_a"]) == {"cand"}
    for row in frame.itertuples():
        # "A much better" means +2 when the candidate was on the left, else -2
        assert row.score == (2 if items[row.item_id].model_left == "cand" else -2)
    assert set(frame["score"]) == {2, -2}
    out_jsonl = tmp_path / "sxs.jsonl"
    args = ["grades", "export", str(run_dir), "--kind", "sxs", "--out", str(out_jsonl)]
    assert run_cli([*args, "--include-auto", "--include-gold"]) == 0
    lines = [json.loads(line) for line in out_jsonl.read_text().splitlines()]
    assert len(lines) == len(humans) + 1 and {"judge:m"} <= {line["rater_id"] for line in lines}
    assert set(lines[0]) == set(frame.columns)
    out_parquet = tmp_path / "safety.parquet"
    args = ["grades", "export", str(run_dir), "--kind", "safety", "--out", str(out_parquet)]
    assert run_cli(args) == 0
    assert pd.read_parquet(out_parquet).empty
    assert run_cli(["grades", "export", str(run_dir), "--kind", "sxs", "--out", "x.xlsx"]) == 2
    assert ".csv, .jsonl or .parquet" in capsys.readouterr().err
    assert run_cli(["grades", "export", str(run_dir), "--kind", "poll", "--out", "x.csv"]) == 2
    assert run_cli(["grades", "status", str(run_dir)]) == 0
    assert "r1" in capsys.readouterr().out


def test_db_url_password_is_never_printed(run_dir: Path, capsys) -> None:
    code = run_cli(["raters", "list", "--db", "postgresql://me:hunter2secret@127.0.0.1:1/evalkit"])
    captured = capsys.readouterr()
    assert code == 2 and "hunter2secret" not in captured.out + captured.err
    assert "postgresql+psycopg://me:***@127.0.0.1:1/evalkit" in captured.err


def test_console_script_plans_with_db_from_environment(run_dir: Path, tmp_path: Path) -> None:
    """The installed `evalkit` entry point, with the store chosen by $EVALKIT_DB."""
    db = tmp_path / "elsewhere" / "grades.sqlite"
    env = {"EVALKIT_DB": str(db), "PATH": "/usr/bin:/bin"}
    with GradeStore(db) as store:
        store.add_rater("solo")
    plan = subprocess.run(
        [str(EVALKIT), "sxs", "plan", str(run_dir), "--candidate", "cand"]
        + ["--baselines", "base2", "--raters", "1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert plan.returncode == 0, plan.stderr
    assert db.exists() and not (run_dir / "grades.sqlite").exists()
    with GradeStore(db) as store:
        assert store.progress("solo") == (0, 12)
    bad = subprocess.run(
        [str(EVALKIT), "sxs", "plan", str(run_dir), "--candidate", "ghost", "--baselines", "base1"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "error: --candidate 'ghost' has no responses" in bad.stderr


@pytest.mark.slow
@pytest.mark.postgres
def test_plan_and_export_on_postgres(run_dir: Path, postgres_db_url: str, tmp_path, capsys) -> None:
    """The same commands against a real PostgreSQL by URL; its password is never written."""
    from sqlalchemy.engine import make_url

    password = make_url(postgres_db_url).password
    plain_url = postgres_db_url.replace("postgresql+psycopg://", "postgresql://")
    for name in ("r1", "r2"):
        assert run_cli(["raters", "add", name, "--db", plain_url]) == 0
    args = ["sxs", "plan", str(run_dir), "--candidate", "cand", "--baselines", "base1"]
    assert run_cli([*args, "--raters", "2", "--db", plain_url]) == 0
    plan_text = (run_dir / "plan.json").read_text()
    assert json.loads(plan_text)["db"].endswith("/" + make_url(postgres_db_url).database)
    assert password not in plan_text and not (run_dir / "grades.sqlite").exists()
    with GradeStore(postgres_db_url) as store:
        _grade_everything(store)
    out = tmp_path / "pg.csv"
    export = ["grades", "export", "--db", plain_url, "--kind", "sxs", "--out", str(out)]
    assert run_cli(export) == 0
    captured = capsys.readouterr()
    assert password not in captured.out + captured.err
    assert len(pd.read_csv(out)) == 2 * 12 - 2  # two raters, one skip each
