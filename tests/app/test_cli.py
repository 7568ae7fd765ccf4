"""`evalkit store init` and `evalkit raters ...`: only `store init` (and `plan`) create a store;
tokens are said to be reusable until reset or expired, expire, and are reset; admin passwords
are checked; the sign-in audit is printed."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.store import GradeStore, open_run_store


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    run = tmp_path / "runs" / "demo"
    run.mkdir(parents=True)
    return run


def token_of(out: str) -> str:
    return out.strip().splitlines()[-1].split(": ")[-1]


def test_only_store_init_creates_a_store(run_dir: Path, capsys) -> None:
    store = run_dir / "grades.sqlite"
    for args in (
        ["raters", "add", "alice", "--run", str(run_dir)],
        ["raters", "list", "--run", str(run_dir)],
        ["raters", "audit", str(run_dir)],
        ["grades", "status", str(run_dir)],
        ["raters", "add", "alice", "--db", str(run_dir / "typo.sqlite")],
    ):
        assert run_cli(args) == 2, args
        assert not store.exists() and not (run_dir / "typo.sqlite").exists()
    assert "evalkit store init" in capsys.readouterr().err
    assert run_cli(["store", "init", str(run_dir)]) == 0
    assert "grade store ready" in capsys.readouterr().out
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert run_cli(["store", "init", str(run_dir)]) == 0  # again: checked, kept
    assert "grade store exists" in capsys.readouterr().out
    assert run_cli(["store", "init"]) == 2
    assert run_cli(["store", "init", "--db", str(run_dir / "other.sqlite")]) == 0
    assert (run_dir / "other.sqlite").exists()


def test_tokens_are_reusable_until_reset_or_expired(run_dir: Path, capsys) -> None:
    assert run_cli(["store", "init", str(run_dir)]) == 0
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir), "--expires", "30d"]) == 0
    out = capsys.readouterr().out
    assert "reusable until reset or expired" in out and "one-time" not in out
    token = token_of(out)
    with open_run_store(run_dir) as store:
        for _ in range(3):
            assert store.sign_in("alice", token).ok
        expires = store.rater("alice").token_expires_at
    assert run_cli(["raters", "list", "--run", str(run_dir)]) == 0
    listing = capsys.readouterr().out
    assert f"token (expires {expires[:10]})" in listing and token not in listing
    reset = ["raters", "reset-token", "alice", "--run", str(run_dir), "--expires", "2w"]
    assert run_cli(reset) == 0
    out = capsys.readouterr().out
    new_token = token_of(out)
    assert new_token != token and "reusable until reset or expired" in out
    with open_run_store(run_dir) as store:
        assert not store.sign_in("bob-does-not-exist", token).ok
        assert store.sign_in("alice", token).outcome == "failure"
        assert store.sign_in("alice", new_token).ok
    for bad in ("0d", "soon", "-3d", "99999d"):
        assert run_cli(["raters", "add", "zed", "--run", str(run_dir), "--expires", bad]) == 2
    assert run_cli(["raters", "reset-token", "nobody", "--run", str(run_dir)]) == 2


def test_admin_password_strength(run_dir: Path, capsys, monkeypatch) -> None:
    assert run_cli(["store", "init", str(run_dir)]) == 0
    args = ["raters", "add", "boss", "--role", "admin", "--password-stdin", "--run", str(run_dir)]
    for weak in ("short-pw1", "Password2024!", "qwertyuiop123", "aaaaaaaaaaaaaa", "123456789012"):
        monkeypatch.setattr(sys, "stdin", io.StringIO(weak + "\n"))
        assert run_cli(args) == 2, weak
        assert "admin passwords need at least 12 characters" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("walnut orbit candle river\n"))
    assert run_cli(args) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("rater-pass\n"))  # raters: 8 characters
    assert run_cli(["raters", "add", "rita", "--password-stdin", "--run", str(run_dir)]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("password1234\n"))
    assert run_cli(["raters", "reset", "boss", "--password-stdin", "--run", str(run_dir)]) == 2


def test_audit_lists_sign_ins_and_limits(run_dir: Path, capsys) -> None:
    assert run_cli(["store", "init", str(run_dir)]) == 0
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 0
    token = token_of(capsys.readouterr().out)
    with open_run_store(run_dir) as store:
        assert store.sign_in("alice", token, "198.51.100.4").ok
        assert not store.sign_in("mallory\u202e", "guess", "203.0.113.9").ok
    assert run_cli(["raters", "audit", str(run_dir), "--limit", "5"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("  20")]
    assert "failure" in lines[0] and "mallory⟦U+202E⟧" in lines[0] and "203.0.113.9" in lines[0]
    assert "success" in lines[1] and "alice" in lines[1] and "198.51.100.4" in lines[1]
    assert "name:mallory⟦U+202E⟧" in out and "\u202e" not in out
    assert run_cli(["raters", "audit", "--run", str(run_dir), "--limit", "1"]) == 0
    assert "1 shown" in capsys.readouterr().out


def test_deactivate_ends_sessions_and_reset_keeps_working(run_dir: Path, capsys) -> None:
    assert run_cli(["store", "init", str(run_dir)]) == 0
    assert run_cli(["raters", "add", "alice", "--run", str(run_dir)]) == 0
    token = token_of(capsys.readouterr().out)
    with open_run_store(run_dir) as store:
        session = store.sign_in("alice", token).rater
    assert run_cli(["raters", "deactivate", "alice", "--run", str(run_dir)]) == 0
    assert "sessions end" in capsys.readouterr().out
    with open_run_store(run_dir) as store:
        assert "deactivated" in store.session_problem("alice", session.secret_version)
    assert run_cli(["raters", "reset", "alice", "--run", str(run_dir)]) == 0  # a new token
    assert "reusable until reset or expired" in capsys.readouterr().out


def test_store_file_and_its_journal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    old = os.umask(0o000)  # even a permissive umask gives the owner only
    try:
        with GradeStore(path) as store:
            store.add_rater("alice")
            for suffix in ("", "-wal", "-shm"):
                mode = stat.S_IMODE(Path(f"{path}{suffix}").stat().st_mode)
                assert mode == 0o600, (suffix, oct(mode))
    finally:
        os.umask(old)
