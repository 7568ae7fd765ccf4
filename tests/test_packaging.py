"""evalkit installed as a wheel, used outside this repository.

The wheel is built from a copy of the sources, checked file by file (the repository's prompts/,
rubrics/, app/ and examples/ ship as evalkit/_data/, the public data sets never), installed
WITHOUT extras into a fresh venv, and used from an empty folder with no PYTHONPATH: `evalkit
init`, `evalkit bank validate`, `evalkit rubric validate`, `evalkit store init` and the rater
app's start-up (its health endpoint). Also the `evalkit init` command itself, in-process.
About 2-3 minutes (most of it pip installing).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.paths import PROJECT_ROOT, SHIPPED

pytestmark = pytest.mark.slow

# what the wheel is built from (copied, so the build never writes into the repository)
SOURCES = ("pyproject.toml", "README.md", "evalkit", *SHIPPED)
DATA_PREFIX = "evalkit/_data/"


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".egg-info"))}


def _repo_files(folder: str) -> set[str]:
    root = PROJECT_ROOT / folder
    return {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not _ignore("", list(path.relative_to(root).parts))
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("build")
    source = root / "src"
    source.mkdir()
    for name in SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=_ignore)
        else:
            shutil.copy2(path, source / name)
    out = root / "wheels"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = out.glob("evalkit-*.whl")
    return built


def _shipped(wheel: Path) -> tuple[set[str], dict[str, str]]:
    """Every file name in the wheel, and name -> sha256 of those under evalkit/_data/."""
    with zipfile.ZipFile(wheel) as archive:
        names = {n for n in archive.namelist() if not n.endswith("/")}
        shipped = {n: _sha256(archive.read(n)) for n in names if n.startswith(DATA_PREFIX)}
    return names, shipped


def test_wheel_ships_the_folders_and_every_module(wheel: Path) -> None:
    names, shipped = _shipped(wheel)
    # every file of prompts/, rubrics/, app/, examples/ (a new subfolder must be listed in
    # pyproject.toml's packages and package-data), and nothing else under evalkit/_data/
    expected = {f"{DATA_PREFIX}{name}" for folder in SHIPPED for name in _repo_files(folder)}
    assert set(shipped) == expected, (
        f"missing: {sorted(expected - set(shipped))}; unexpected: {sorted(set(shipped) - expected)}"
    )
    # every module and template of the package (a new subpackage must be listed too)
    package = _repo_files("evalkit")
    assert package <= names, f"missing from the wheel: {sorted(package - names)}"


def test_wheel_ships_no_public_data(wheel: Path, data_dir: Path) -> None:
    """The public data sets are never shipped, under any name (compared by content)."""
    _, shipped = _shipped(wheel)
    hashes = {_sha256(p.read_bytes()) for p in data_dir.rglob("*") if p.is_file()}
    copied = sorted(n for n, digest in shipped.items() if digest in hashes)
    assert not copied, f"public data in the wheel: {copied}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(port: int, deadline: float) -> str | None:
    while time.monotonic() < deadline:
        try:
            url = f"http://127.0.0.1:{port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    return None


def test_wheel_without_extras_works_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python, evalkit = env_dir / "bin" / "python", env_dir / "bin" / "evalkit"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-compile", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "EVALKIT_"))}
    env |= {"EVALKIT_CACHE": str(tmp_path / "cache"), "VIRTUAL_ENV": str(env_dir)}

    failed: list[str] = []  # every step runs; the test reports all that failed

    def run(*args: str, cwd: Path = work) -> str:
        result = subprocess.run(
            [str(evalkit), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr)[-2000:]
            failed.append(f"evalkit {' '.join(args)} (exit {result.returncode}):\n{tail}")
        return result.stdout

    where = subprocess.run(
        [str(python), "-c", "import evalkit.paths as p; print(p.__file__, p.APP_DIR)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert str(PROJECT_ROOT) not in where and str(env_dir) in where, where

    run("init", "demo-project")
    project = work / "demo-project"
    for name in ("evalkit.yaml", "gates.yaml", "README.md", "rubrics/safety.yaml"):
        assert (project / name).is_file(), name
    assert "evalkit/_data/prompts/bank" in run("bank", "validate")  # the shipped bank
    run("rubric", "validate")  # the shipped rubrics
    run("rubric", "validate", cwd=project)  # the project's copies
    run("store", "init", "--db", "grades.sqlite")

    port = _free_port()
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen(
        [str(evalkit), "app", "--db", "grades.sqlite", "--port", str(port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        health = _health(port, time.monotonic() + 60)
    finally:
        os.killpg(app.pid, signal.SIGTERM)  # evalkit app and its streamlit child
        code = app.wait(timeout=30)
        log.close()
    output = (tmp_path / "app.log").read_text()[-2000:]
    if health != "ok" or code not in (0, 143, -signal.SIGTERM):
        failed.append(f"evalkit app: health {health!r}, exit {code}:\n{output}")
    assert not failed, "\n\n".join(failed)


# ---------------------------------------------------------------- `evalkit init` in-process


def test_init_writes_a_project_whose_config_and_gates_load(tmp_path: Path) -> None:
    from evalkit.config import load_config
    from evalkit.gates import load_gates
    from evalkit.rubrics import load_rubric
    from evalkit.runner import load_prompts

    project = tmp_path / "proj"
    assert run_cli(["init", str(project)]) == 0
    config = load_config(project / "evalkit.yaml")
    assert [m.role for m in config.models] == ["candidate", "baseline"]
    assert config.resolve(config.rubrics).resolve() == (project / "rubrics").resolve()
    for name in ("side_by_side", "summarization", "safety"):
        load_rubric(name, project / "rubrics")
    for suite in ("bank", "summarization", "adversarial"):
        assert load_prompts([config.resolve(p) for p in config.suites[suite].prompts])
    assert config.suites["ifeval"].data and not (project / "ifeval").exists()
    load_gates(project / "gates.yaml")
    summaries = sorted((project / "prompts" / "summarization").glob("*.jsonl"))
    names = {p.name for p in summaries}
    for use_case in ("email", "message", "notification"):  # each main set and its adversarial one
        assert {f"{use_case}.jsonl", f"{use_case}-adversarial.jsonl"} <= names


def test_init_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "mine.txt").write_text("keep me", encoding="utf-8")
    assert run_cli(["init", str(project)]) == 2
    assert not (project / "evalkit.yaml").exists()
    assert run_cli(["init", str(project), "--force"]) == 0
    assert (project / "evalkit.yaml").is_file()
    assert (project / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_init_bad_path_exits_2(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    assert run_cli(["init", str(a_file)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert run_cli(["init", str(a_file / "below")]) == 2
    assert "not a folder" in capsys.readouterr().err
