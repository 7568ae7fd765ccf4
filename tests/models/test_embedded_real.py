"""The real llama.cpp server: built portably (no AMX, no AVX-512 in the installed library), a
crash mid-run stops the run at once with the signal, and no server outlives `evalkit run`
whether it is stopped by SIGTERM or killed by SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.models.build import forbidden_instructions, library_files

# the llama.cpp server package and the GGUF files: a missing one fails in CI, skips loudly here
pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.usefixtures("embedded_models")]
ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
project: lifecycle
models:
  - name: smollm2-135m
    backend: llamacpp
    gguf: smollm2
    params: {temperature: 0.0, max_tokens: 48, seed: 0}
"""


def test_the_installed_llama_cpp_has_no_amx_or_avx512_instructions():
    libraries = library_files()
    assert any(lib.name.startswith("libggml-cpu") for lib in libraries), libraries
    for library in libraries:
        assert forbidden_instructions(library) == {}, library


def _llama_servers() -> dict[int, str]:
    """pid -> command line of every llama_cpp.server process on the machine."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and len(argv) > 2 and argv[1:3] == [b"-m", b"llama_cpp.server"]:
            found[int(entry.name)] = b" ".join(argv).decode(errors="replace")
    return found


def _start_run(tmp_path: Path, n: int) -> tuple[subprocess.Popen[str], Path]:
    config = tmp_path / "evalkit.yaml"
    config.write_text(CONFIG)
    prompts = tmp_path / "prompts.jsonl"
    with prompts.open("w") as handle:
        for i in range(n):
            text = f"Write two sentences about the number {i}."
            handle.write(
                json.dumps({"id": f"p{i:03d}", "messages": [{"role": "user", "content": text}]})
                + "\n"
            )
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "evalkit", "run", "-c", str(config), "-o", str(out),
         "--prompts", str(prompts), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    return process, out


def _wait_for_lines(path: Path, n: int, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        time.sleep(0.2)
    raise AssertionError(f"{path}: fewer than {n} lines after {timeout_s}s")


def _wait_gone(pids, timeout_s: float) -> set[int]:
    deadline = time.monotonic() + timeout_s
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive &= set(_llama_servers())
        time.sleep(0.1)
    return alive


def test_a_server_crash_mid_run_stops_the_run_promptly(tmp_path):
    before = set(_llama_servers())
    process, out = _start_run(tmp_path, 60)
    _wait_for_lines(out / "responses.jsonl", 3)
    ours = set(_llama_servers()) - before
    assert len(ours) == 1
    os.kill(ours.pop(), signal.SIGSEGV)  # what a build for another CPU does
    crashed_at = time.monotonic()
    _, stderr = process.communicate(timeout=120)
    stopped_after = time.monotonic() - crashed_at
    assert process.returncode == 1
    assert "error: smollm2-135m: the llama.cpp server for smollm2-135m stopped (SIGSEGV)" in stderr
    assert "Traceback" not in stderr
    assert stopped_after < 30, stopped_after  # not minutes of retries against a dead port
    records = [json.loads(line) for line in (out / "responses.jsonl").read_text().splitlines()]
    assert len(records) == 60
    errors = [r for r in records if r["error"]]
    assert len(errors) >= 40 and all("SIGSEGV" in r["error"] for r in errors)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_no_server_outlives_a_stopped_run(tmp_path, how):
    before = set(_llama_servers())
    process, out = _start_run(tmp_path, 60)
    _wait_for_lines(out / "responses.jsonl", 1)
    ours = set(_llama_servers()) - before
    assert ours
    process.send_signal(how)
    process.communicate(timeout=60)
    assert not _wait_gone(ours, timeout_s=5 if how == signal.SIGKILL else 1)
    if how == signal.SIGTERM:
        assert process.returncode == 128 + signal.SIGTERM
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["sessions"][-1]["status"] == "interrupted"
