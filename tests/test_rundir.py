"""The run folder: one writer at a time (a second is refused, a dead one's lock taken over),
sessions recorded (killed ones too), a corrupt manifest refused before any work, and reading
commands that never create a grade store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from evalkit.errors import InputError, UserError
from evalkit.rundir import Manifest, RunDir

HOLD = textwrap.dedent(
    """
    import sys, time
    from evalkit.rundir import RunDir
    with RunDir(sys.argv[1]).writing("run"):
        print("locked", flush=True)
        time.sleep(60)
    """
)
ROOT = Path(__file__).resolve().parents[1]


def hold_lock(run: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    run = tmp_path / "run"
    holder = hold_lock(run)
    try:
        with pytest.raises(UserError) as caught:
            with RunDir(run).writing("score"):
                pass
        message = str(caught.value)
        assert f"pid {holder.pid}" in message and "`evalkit run`" in message
        assert "\n" not in message
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_writers_lock_is_taken_over_and_its_session_marked_killed(tmp_path):
    run = tmp_path / "run"
    holder = hold_lock(run)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with RunDir(run).writing("run") as session:
        session.total = 3
    sessions = RunDir(run).manifest().sessions
    assert [s.status for s in sessions] == ["killed", "completed"]
    assert sessions[0].pid == holder.pid and sessions[1].total == 3


def test_sessions_end_with_how_they_ended(tmp_path):
    run = RunDir(tmp_path / "run")
    with pytest.raises(RuntimeError):
        with run.writing("score"):
            raise RuntimeError("boom")
    with pytest.raises(KeyboardInterrupt):
        with run.writing("run"):
            raise KeyboardInterrupt
    statuses = [(s.command, s.status) for s in run.manifest().sessions]
    assert statuses == [("score", "failed"), ("run", "interrupted")]
    assert run.manifest().sessions[0].message == "boom"


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"run_id": "x", "schema_version": 99}', "schema_version"),
        ('{"run_id": "x", "sessions": [{"bogus": 1}]}', "sessions.0"),
    ],
)
def test_a_corrupt_manifest_is_refused_before_any_work(tmp_path, content, problem):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(content)
    entered = False
    with pytest.raises(InputError, match=problem) as caught:
        with RunDir(run).writing("run"):
            entered = True
    assert not entered
    assert str(caught.value).startswith(str(run / "manifest.json"))


def test_a_run_folder_that_is_a_file_or_has_a_folder_for_a_file_is_refused(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(UserError, match="is a file, expected a run folder"):
        RunDir(tmp_path / "afile").create()
    (tmp_path / "run" / "responses.jsonl").mkdir(parents=True)
    with pytest.raises(UserError, match="responses.jsonl: is a folder"):
        RunDir(tmp_path / "run").create()


def test_reading_a_store_never_creates_one(tmp_path, monkeypatch):
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    run = RunDir(tmp_path / "run").create()
    with pytest.raises(UserError, match="grades.sqlite: no grade store"):
        run.store_url()
    assert not run.default_store.exists()
    assert run.store_url(create=True) == str(run.default_store)
    assert run.store_url("postgresql://x/y") == "postgresql://x/y"
    monkeypatch.setenv("EVALKIT_DB", "sqlite:///elsewhere.sqlite")
    assert run.store_url() == "sqlite:///elsewhere.sqlite"


def test_manifest_round_trip_and_legacy_manifests(tmp_path):
    run = RunDir(tmp_path / "run").create()
    legacy = {
        "run_id": "rc1",
        "created_at": "2026-01-01T00:00:00+00:00",
        "models": {"m": {"role": "candidate"}},
        "sessions": [{"started_at": "t0", "ended_at": "t1", "models": ["m"], "samples": 1,
                      "total": 2, "cached": 0, "asked": 2, "ok": 2, "errors": 0}],
    }  # fmt: skip
    run.manifest_path.write_text(json.dumps(legacy))
    manifest = run.manifest()
    assert manifest.run_id == "rc1" and manifest.candidates() == ["m"]
    assert manifest.sessions[0].status == "completed"
    run.write_manifest(manifest)
    assert Manifest.model_validate_json(run.manifest_path.read_text()).schema_version == 1


def test_the_lock_is_released_when_the_writer_ends(tmp_path):
    run = RunDir(tmp_path / "run")
    for _ in range(2):
        with run.writing("run"):
            pass
    started = time.monotonic()
    with run.writing("plan"):
        pass
    assert time.monotonic() - started < 5
    assert [s.status for s in run.manifest().sessions] == ["completed"] * 3
