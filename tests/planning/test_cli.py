"""The grading commands end to end: raters, `evalkit plan <kind>` / `evalkit sxs plan`, `grades
export|status`, and their errors (one clear line, exit 2)."""

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
from evalkit.kinds import all_kinds, get_kind
from evalkit.records import Grade
from evalkit.store import GradeStore, open_run_store
from tests.fixtures.builders import add_raters, grade_all, make_run, write_run

EVALKIT = Path(sys.executable).with_name("evalkit")
SXS_PLAN = ["--candidate", "cand", "--baselines", "base1,base2"]
# `evalkit stats <command>` reading each kind's grades
STATS_COMMAND = {"sxs": "sxs", "safety": "violations", "summarization": "summarization"}
FORMULA_RATER = "=HYPERLINK(1)"  # a rater name a spreadsheet would run as a formula


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    prompts, responses = make_run()
    return write_run(tmp_path / "runs" / "demo", prompts, responses)


def _add_raters(run_dir: Path, names: list[str]) -> None:
    add_raters(run_dir / "grades.sqlite", names)


def _plan_args(kind: str, run_dir: Path, *more: str) -> list[str]:
    """`evalkit plan <kind> RUN_DIR` with the options a comparison needs."""
    extra = SXS_PLAN if get_kind(kind).comparison else []
    return ["plan", kind, str(run_dir), *extra, *more]


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# ---------------------------------------------------------------------------- raters


def test_raters_add_and_list(run_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raters are added to a store that `store init` (or `plan`) created."""
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 2
    assert "store init" in capsys.readouterr().err and not (run_dir / "grades.sqlite").exists()
    assert run_cli(["store", "init", str(run_dir)]) == 0
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1].split(": ")[-1]
    password = "a long and uncommon passphrase 7"
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    code = run_cli(
        ["raters", "add", "boss", "--role", "admin", "--password-stdin", "--run", str(run_dir)]
    )
    assert code == 0 and "token" not in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        assert store.authenticate("alice", token).role == "rater"
        assert store.authenticate("boss", password).role == "admin"
    assert run_cli(["raters", "list", "--run", str(run_dir)]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "boss" in listing and token not in listing
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert run_cli(["raters", "list"]) == 2
    assert "which grade store" in capsys.readouterr().err
    assert run_cli(["raters", "deactivate", "alice", "--run", str(run_dir)]) == 0
    with open_run_store(run_dir) as store:
        assert [r.name for r in store.raters(active_only=True)] == ["boss"]


# ---------------------------------------------------------------------------- plan


def test_sxs_plan_assigns_every_item_to_k_raters(run_dir: Path, capsys) -> None:
    _add_raters(run_dir, ["r1", "r2", "r3", "r4"])
    capsys.readouterr()
    args = ["sxs", "plan", str(run_dir), *SXS_PLAN, "--raters", "3", "--gold", "10%"]
    assert run_cli([*args, "--seed", "4"]) == 0
    captured = capsys.readouterr()
    assert "planned sxs: 27 items (3 gold) from 12 prompts" in captured.out
    assert "warning: --seed" in captured.err and "weakens blinding" in captured.err
    plan = json.loads((run_dir / "plan.json").read_text())
    assert plan["kind"] == "sxs" and plan["candidate"] == "cand"
    assert plan["blinding"].startswith("seeded")
    assert len(plan["item_ids"]) == 27 and plan["counts"]["gold"] == 3
    assert json.loads((run_dir / "plans" / "sxs-cand.json").read_text()) == plan
    with open_run_store(run_dir) as store:
        table = store.assignments()
        assert (table.groupby("item_id").size() == 3).all() and table["item_id"].nunique() == 27
        loads = table.groupby("rater_id").size()
        assert loads.max() - loads.min() <= 1
        assert sum(item.is_gold for item in store.items()) == 3
    # the same command again changes nothing
    assert run_cli([*args, "--seed", "4"]) == 0
    assert "0 new, 27 already planned; 0 assignments" in capsys.readouterr().out
    # another seed (or none) would plan the same comparisons again with new ids and sides
    for other in (["--seed", "5"], []):
        assert run_cli([*args, *other]) == 2
        assert "under other ids" in _one_error_line(capsys)
    with open_run_store(run_dir) as store:
        assert len(store.items()) == 27 and len(store.assignments()) == 81


def test_seeded_plans_are_identical_and_warn(run_dir: Path, tmp_path: Path, capsys) -> None:
    """`--seed N` twice gives the same items and queues (with a warning); without it, two plans
    of the same run share no item id."""

    def plan_into(db: Path, *more: str) -> list:
        with GradeStore(db) as store:
            for name in ("r1", "r2"):
                store.add_rater(name)
        assert run_cli([*_plan_args("sxs", run_dir, "--raters", "2"), "--db", str(db), *more]) == 0
        with GradeStore(db) as store:
            table = store.assignments()[["item_id", "rater_id", "position"]]
            return [store.items(), table.to_dict("records")]

    capsys.readouterr()
    seeded = [plan_into(tmp_path / f"s{n}.sqlite", "--seed", "9") for n in (1, 2)]
    assert seeded[0] == seeded[1]
    assert capsys.readouterr().err.count("weakens blinding") == 2
    plain = [plan_into(tmp_path / f"p{n}.sqlite") for n in (1, 2)]
    assert "warning" not in capsys.readouterr().err
    assert json.loads((run_dir / "plan.json").read_text())["blinding"] == "secret"
    ids = [{item.id for item in items} for items, _ in plain]
    assert len(ids[0]) == 24 and not ids[0] & ids[1]


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
        loads = store.assignments().groupby("rater_id").size()
        assert loads.max() - loads.min() <= 1
    assert {p.name for p in (run_dir / "plans").iterdir()} == {
        "summarization.json",
        "safety.json",
    }


def test_plan_errors_exit_2_with_one_clear_line(run_dir: Path, tmp_path: Path, capsys) -> None:
    sxs = ["sxs", "plan", str(run_dir), "--baselines", "base1"]
    assert run_cli([*sxs, "--candidate", "cand"]) == 2  # no raters yet
    assert "no active raters" in _one_error_line(capsys)
    _add_raters(run_dir, ["r1", "r2"])
    capsys.readouterr()
    errors = {
        "unknown candidate": (
            [*sxs, "--candidate", "nope", "--raters", "2"],
            "--candidate 'nope' has no responses in this run (models in the run: base1, base2, "
            "cand)",
        ),
        "unknown baseline": (
            ["plan", "sxs", str(run_dir), "--candidate", "cand", "--baselines", "base1,ghost"],
            "--baselines 'ghost' has no responses in this run",
        ),
        "unknown model": (
            ["plan", "safety", str(run_dir), "--models", "cand,ghost", "--raters", "1"],
            "--models 'ghost' has no responses in this run",
        ),
        "candidate in baselines": (
            ["plan", "sxs", str(run_dir), "--candidate", "cand", "--baselines", "base1,cand"],
            "--baselines: 'cand' is the candidate",
        ),
        "k above the raters": (
            [*sxs, "--candidate", "cand", "--raters", "3"],
            "--raters 3: each item needs 3 distinct raters but only 2 are available (r1, r2)",
        ),
        "k below one": ([*sxs, "--candidate", "cand", "--raters", "0"], "at least one rater"),
        "unknown rater": (
            [*sxs, "--candidate", "cand", "--raters", "2", "--rater-names", "r1,zed"],
            "no active rater 'zed'",
        ),
        "unknown category": (
            [*sxs, "--candidate", "cand", "--category", "poetry"],
            "--category poetry",
        ),
        "bad gold": ([*sxs, "--candidate", "cand", "--raters", "2", "--gold", "lots"], "--gold"),
        "no run folder": (
            ["sxs", "plan", str(run_dir / "nope"), "--candidate", "c", "--baselines", "b"],
            "run folder not found",
        ),
    }
    for name, (args, message) in errors.items():
        assert run_cli(args) == 2, name
        assert message in _one_error_line(capsys), name
    # no items: a run without prompts in the kind's scope, or with every response failed
    prompts, responses = make_run()
    bank_only = write_run(
        tmp_path / "bank-only", [p for p in prompts if p.suite == "bank"], responses
    )
    _add_raters(bank_only, ["r1"])
    capsys.readouterr()
    assert run_cli(["plan", "safety", str(bank_only), "--raters", "1"]) == 2
    assert "no safety items to plan (0 prompts in scope" in _one_error_line(capsys)
    failed = [
        r.model_copy(update={"text": None, "error": "timeout"}) if r.model == "base1" else r
        for r in responses
    ]
    write_run(bank_only, prompts, failed)
    assert run_cli([*_plan_args("sxs", bank_only, "--raters", "1"), "--baselines", "base1"]) == 2
    line = _one_error_line(capsys)
    assert "no sxs items to plan (12 prompts in scope" in line
    assert "base1: 12 response(s) failed" in line
    for folder in (run_dir, bank_only):  # nothing was planned by the failed commands
        with open_run_store(folder) as store:
            assert store.items() == [] and store.assignments().empty
        assert not (folder / "plan.json").exists()


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
    assert "Traceback" not in plan.stderr and "warning" not in plan.stderr
    assert "planned sxs: 12 items" in plan.stdout


# ---------------------------------------------------------------------------- grades


def _stats(command: str, source: Path, capsys) -> list[dict]:
    assert run_cli(["stats", command, str(source), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    return rows


@pytest.mark.parametrize("kind", sorted(STATS_COMMAND))
def test_grades_export_reads_back_to_the_same_numbers(
    kind: str, run_dir: Path, tmp_path: Path, capsys
) -> None:
    assert {k.name for k in all_kinds()} <= set(STATS_COMMAND)
    with GradeStore(run_dir / "grades.sqlite") as store:
        for name in ("r1", FORMULA_RATER):
            store.add_rater(name)
    more = ["--gold", "2"] if get_kind(kind).comparison else []
    assert run_cli([*_plan_args(kind, run_dir, "--raters", "2"), *more]) == 0
    with open_run_store(run_dir) as store:
        grade_all(store, seed=5)
    capsys.readouterr()
    expected = _stats(STATS_COMMAND[kind], run_dir, capsys)
    n_grades = 2 * len(_non_gold_items(run_dir, kind))  # two raters each, gold left out
    files = {}
    for suffix in ("csv", "jsonl", "parquet"):
        out = tmp_path / "exports" / f"{kind}.{suffix}"
        assert run_cli(["grades", "export", str(run_dir), "--kind", kind, "--out", str(out)]) == 0
        assert f"exported {n_grades} {kind} grades from" in capsys.readouterr().out
        if suffix != "parquet":  # (the same rows as JSONL: checked below)
            assert _stats(STATS_COMMAND[kind], out, capsys) == expected, suffix
        files[suffix] = out
    # a cell a spreadsheet would run comes back neutralised in CSV, exact in JSONL and Parquet
    csv = pd.read_csv(files["csv"])
    assert "'" + FORMULA_RATER in set(csv["rater_id"]) and FORMULA_RATER not in set(csv["rater_id"])
    lines = [json.loads(line) for line in files["jsonl"].read_text().splitlines()]
    assert FORMULA_RATER in {line["rater_id"] for line in lines}
    parquet = pd.read_parquet(files["parquet"])
    assert FORMULA_RATER in set(parquet["rater_id"])
    assert parquet.astype(object).where(parquet.notna(), None).to_dict("records") == lines
    assert len(csv) == len(lines) == n_grades
    # a kind with no grades: an empty export is an error, not an empty file
    for other in all_kinds():
        if other.name != kind:
            out = tmp_path / f"{other.name}.csv"
            code = run_cli(["grades", "export", str(run_dir), "--kind", other.name, "-o", str(out)])
            assert code == 2 and not out.exists()
            assert f"no {other.name} grades to export (n = 0)" in _one_error_line(capsys)


def _non_gold_items(run_dir: Path, kind: str) -> list:
    with open_run_store(run_dir) as store:
        return [item for item in store.items(kind) if not item.is_gold]


def _grade_everything_a_much_better(store: GradeStore) -> None:
    """Every rater says "A (left) much better" on every sxs item, and skips one."""
    for rater in store.raters():
        first = True
        while (item := store.next_item(rater.id)) is not None:
            if first:
                store.save_grade(Grade(item_id=item.id, rater_id=rater.id, skipped=True))
                first = False
                continue
            store.save_grade(Grade(item_id=item.id, rater_id=rater.id, choice=-2))


def test_grades_export_sign_filters_and_errors(run_dir: Path, tmp_path: Path, capsys) -> None:
    _add_raters(run_dir, ["r1", "r2"])
    plan = ["sxs", "plan", str(run_dir), "--candidate", "cand", "--baselines", "base1"]
    assert run_cli([*plan, "--raters", "2", "--gold", "2"]) == 0
    with open_run_store(run_dir) as store:
        _grade_everything_a_much_better(store)
        store.save_grade(
            Grade(item_id=store.items()[0].id, rater_id="judge:m", grader="auto", choice=2)
        )
        items = {item.id: item for item in store.items()}
        humans = [g for g in store.current_grades() if g.grader == "human" and not g.skipped]
    expected = sum(not items[g.item_id].is_gold for g in humans)
    assert 0 < expected < len(humans) and len(humans) == 2 * 14 - 2  # 2 skips
    out_csv = tmp_path / "out" / "sxs.csv"
    capsys.readouterr()
    assert run_cli(["grades", "export", str(run_dir), "--kind", "sxs", "--out", str(out_csv)]) == 0
    assert f"exported {expected} sxs grades" in capsys.readouterr().out  # no skips, no gold
    frame = pd.read_csv(out_csv)
    assert list(frame.columns)[:3] == ["item_id", "prompt_id", "rater_id"]
    assert {"model_a", "model_b", "score", "category"} <= set(frame.columns)
    assert set(frame["rater_id"]) == {"r1", "r2"} and set(frame["model_a"]) == {"cand"}
    assert not frame["is_gold"].any() and set(frame["grader"]) == {"human"}
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
    capsys.readouterr()
    assert run_cli(["grades", "export", str(run_dir), "--kind", "sxs", "--out", "x.xlsx"]) == 2
    assert ".csv, .jsonl or .parquet" in _one_error_line(capsys)
    assert run_cli(["grades", "export", str(run_dir), "--kind", "poll", "--out", "x.csv"]) == 2
    assert "'poll'" in (line := _one_error_line(capsys)) or "poll:" in line
    assert run_cli(["grades", "status", str(run_dir)]) == 0
    assert "r1" in capsys.readouterr().out
    missing = tmp_path / "no-store"
    missing.mkdir()
    out = tmp_path / "none.csv"
    assert run_cli(["grades", "export", str(missing), "--kind", "sxs", "--out", str(out)]) == 2
    assert "no grade store" in _one_error_line(capsys) and not out.exists()
    assert not (missing / "grades.sqlite").exists()  # reading never creates a store


def test_db_url_password_is_never_printed(run_dir: Path, capsys) -> None:
    code = run_cli(["raters", "list", "--db", "postgresql://me:hunter2secret@127.0.0.1:1/evalkit"])
    captured = capsys.readouterr()
    assert code == 2 and "hunter2secret" not in captured.out + captured.err
    assert "postgresql+psycopg://me:***@127.0.0.1:1/evalkit" in captured.err


@pytest.mark.slow
@pytest.mark.postgres
def test_plan_and_export_on_postgres(run_dir: Path, postgres_db_url: str, tmp_path, capsys) -> None:
    """The same commands against a real PostgreSQL by URL; its password is never written."""
    from sqlalchemy.engine import make_url

    password = make_url(postgres_db_url).password
    plain_url = postgres_db_url.replace("postgresql+psycopg://", "postgresql://")
    assert run_cli(["store", "init", "--db", plain_url]) == 0
    for name in ("r1", "r2"):
        assert run_cli(["raters", "add", name, "--db", plain_url]) == 0
    args = ["sxs", "plan", str(run_dir), "--candidate", "cand", "--baselines", "base1"]
    assert run_cli([*args, "--raters", "2", "--db", plain_url]) == 0
    plan_text = (run_dir / "plan.json").read_text()
    assert json.loads(plan_text)["db"].endswith("/" + make_url(postgres_db_url).database)
    assert password not in plan_text and not (run_dir / "grades.sqlite").exists()
    with GradeStore(postgres_db_url) as store:
        _grade_everything_a_much_better(store)
    out = tmp_path / "pg.csv"
    export = ["grades", "export", "--db", plain_url, "--kind", "sxs", "--out", str(out)]
    assert run_cli(export) == 0
    captured = capsys.readouterr()
    assert password not in captured.out + captured.err
    assert len(pd.read_csv(out)) == 2 * 12 - 2  # two raters, one skip each
