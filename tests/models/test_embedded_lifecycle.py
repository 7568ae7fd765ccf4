"""The embedded server's life, with a stand-in server script (fast): a crash on the first prompt
is one clear error; a server that dies mid-run stops the run at once with the cause; servers
run one after another; children die with their parent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from evalkit.errors import UserError
from evalkit.models import embedded
from evalkit.models.build import FORBIDDEN_X86, cmake_args
from evalkit.models.embedded import LlamaServer, Served, ServerCrashed
from evalkit.processes import STOP_GRACE_S, signal_name, spawn, stop
from evalkit.records import Message, ModelSpec, Prompt
from evalkit.runner import load_responses, run_prompts

# fake llama.cpp processes that crash and stop on cue: timed, so never beside the parallel
# unit tests (a loaded core once let a crash on the first prompt go unseen)
pytestmark = pytest.mark.timed

# A stand-in for `python -m llama_cpp.server`: answers /v1/models, streams a completion, and
# dies by the signal named in $FAKE_CRASH_SIGNAL on request number $FAKE_CRASH_AFTER.
FAKE_SERVER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    port = int(sys.argv[sys.argv.index("--port") + 1])
    alias = sys.argv[sys.argv.index("--model_alias") + 1]
    crash_after = int(os.environ.get("FAKE_CRASH_AFTER", "1000000"))
    sig = getattr(signal, os.environ.get("FAKE_CRASH_SIGNAL", "SIGSEGV"))
    delay = float(os.environ.get("FAKE_DELAY_S", "0"))
    count = [0]
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass
        def do_GET(self):
            body = json.dumps({"data": [{"id": alias}]}).encode()
            self.send_response(200); self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            count[0] += 1
            if count[0] >= crash_after:
                print("ggml_backend_amx_mul_mat: about to crash", flush=True)
                os.kill(os.getpid(), sig)
            time.sleep(delay)
            chunk = {"choices": [{"index": 0, "text": "blue", "delta": {"content": "blue"},
                                  "finish_reason": "stop"}]}
            body = json.dumps(chunk).encode()
            self.send_response(200); self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body))); self.end_headers()
            self.wfile.write(body)
    print("fake llama server ready", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


@pytest.fixture()
def fake_llama(tmp_path, monkeypatch):
    """Every LlamaServer runs the stand-in script instead of llama.cpp."""
    script = tmp_path / "fake_llama.py"
    script.write_text(FAKE_SERVER)
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"GGUF")

    def command(self):
        return [
            sys.executable, str(script), "--port", str(self.port), "--model_alias", self.alias
        ]  # fmt: skip

    monkeypatch.setattr(LlamaServer, "command", command)
    monkeypatch.setattr(embedded, "gguf_path", lambda name: model)
    monkeypatch.setattr(embedded.importlib.util, "find_spec", lambda name: object())
    return model


def embedded_spec(name: str = "tiny", **update) -> ModelSpec:
    fields = {"backend": "llamacpp", "gguf": "fake", "max_retries": 2} | update
    return ModelSpec(name=name, **fields)


def prompts(n: int) -> list[Prompt]:
    return [
        Prompt(id=f"p{i:03d}", messages=[Message(role="user", content=f"q{i}")]) for i in range(n)
    ]


def test_crash_on_the_first_prompt_is_one_clear_error(fake_llama, monkeypatch):
    monkeypatch.setenv("FAKE_CRASH_AFTER", "1")
    server = LlamaServer(fake_llama, label="tiny")
    with pytest.raises(ServerCrashed) as caught:
        server.start(ready_timeout_s=20)
    server.stop()
    message = str(caught.value)
    assert "the llama.cpp server for tiny stopped (SIGSEGV) on its first prompt" in message
    assert str(fake_llama) in message  # the model file
    assert "ggml_backend_amx_mul_mat" in message  # the log tail
    assert "evalkit embedded install --rebuild" in message  # how to rebuild


def test_a_port_taken_by_another_server_is_not_mistaken_for_ours(fake_llama, monkeypatch):
    """free_port() hands out a port that another healthy server takes before ours binds it: the
    self-check must reach our (crashing) server on a new port, not pass on the other one."""
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        taken = int(other.stdout.readline())  # the other server is listening
        ports = iter([taken])
        real_free_port = embedded.free_port
        monkeypatch.setattr(embedded, "free_port", lambda: next(ports, None) or real_free_port())
        monkeypatch.setenv("FAKE_CRASH_AFTER", "1")
        server = LlamaServer(fake_llama, label="tiny")
        assert server.port == taken
        with pytest.raises(ServerCrashed, match="stopped \\(SIGSEGV\\) on its first prompt"):
            server.start(ready_timeout_s=20)
        server.stop()
        assert server.port != taken
    finally:
        other.kill()
        other.wait()


# a healthy OpenAI-style server that is not ours: lists another model, answers every POST
OTHER_SERVER = textwrap.dedent(
    """
    import json
    from http.server import BaseHTTPRequestHandler, HTTPServer
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass
        def reply(self, payload):
            body = json.dumps(payload).encode()
            self.send_response(200); self.send_header("content-length", str(len(body)))
            self.end_headers(); self.wfile.write(body)
        def do_GET(self):
            self.reply({"data": [{"id": "someone-else"}]})
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            self.reply({"choices": [{"index": 0, "text": "blue", "finish_reason": "stop"}]})
    server = HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """
)


def test_a_healthy_server_passes_its_self_check(fake_llama):
    server = LlamaServer(fake_llama, label="tiny")
    try:
        server.start(ready_timeout_s=20)
        assert server.failure() is None
    finally:
        server.stop()
    assert server.process is not None and server.process.poll() is not None


def test_a_server_dying_mid_run_stops_the_run_with_its_cause(fake_llama, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_CRASH_AFTER", "6")  # the self-check is request 1
    monkeypatch.setenv("FAKE_CRASH_SIGNAL", "SIGILL")
    started = time.monotonic()
    summary = run_prompts(None, prompts(40), [embedded_spec()], tmp_path, progress=False)
    elapsed = time.monotonic() - started
    assert summary.ok == 4 and summary.errors == 36
    assert "tiny" in summary.unreachable
    assert "stopped (SIGILL)" in summary.unreachable["tiny"]
    responses = load_responses(tmp_path)
    failed = [r for r in responses if not r.ok]
    assert len(failed) == 36
    assert all("stopped (SIGILL)" in (r.error or "") for r in failed)
    assert sum(r.attempts == 0 for r in failed) >= 30  # never asked: no retry storm
    assert elapsed < 60, elapsed  # generous bound: the point is no 5x retries per request


def test_a_remote_endpoint_refusing_connections_is_reported_once(tmp_path):
    import socket

    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = ModelSpec(name="gone", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1)
    summary = run_prompts(None, prompts(30), [spec], tmp_path, progress=False)
    assert summary.ok == 0 and summary.errors == 30
    assert summary.unreachable == {
        "gone": f"endpoint http://127.0.0.1:{port}/v1 refused every connection "
        "(is the server running?)"
    }
    not_asked = [r for r in load_responses(tmp_path) if r.attempts == 0]
    assert len(not_asked) >= 20  # recorded with the cause, not asked 5 times each


def test_embedded_models_are_served_one_after_another(fake_llama, monkeypatch, tmp_path):
    events: list[tuple[str, str]] = []
    real_serving = embedded.serving

    class Recording:
        def __init__(self, specs, quiet=False):
            self.inner = real_serving(specs, quiet=True)
            self.name = specs[0].name

        def __enter__(self) -> Served:
            events.append(("start", self.name))
            served = self.inner.__enter__()
            threads = {s.n_threads for s in served.servers.values()}
            assert threads == {embedded.available_cpus()}  # every core, not a share
            return served

        def __exit__(self, *exc):
            events.append(("stop", self.name))
            return self.inner.__exit__(*exc)

    monkeypatch.setattr("evalkit.runner.serving", Recording)
    specs = [embedded_spec("first"), embedded_spec("second")]
    summary = run_prompts(None, prompts(5), specs, tmp_path, progress=False)
    assert summary.ok == 10
    assert events == [
        ("start", "first"),
        ("stop", "first"),
        ("start", "second"),
        ("stop", "second"),
    ]


def test_servers_at_once_share_the_cores(fake_llama, monkeypatch, tmp_path):
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF")
    files = {"a": fake_llama, "b": other}
    monkeypatch.setattr(embedded, "gguf_path", lambda name: files[name])
    monkeypatch.setattr(embedded, "available_cpus", lambda: 4)
    specs = [embedded_spec("one", gguf="a"), embedded_spec("two", gguf="b")]
    with embedded.serving(specs, quiet=True) as served:
        assert sorted(s.n_threads for s in served.servers.values()) == [2, 2]


# ---------------------------------------------------------------- children die with the parent

PARENT = textwrap.dedent(
    """
    import sys, time
    from evalkit.processes import spawn
    child = spawn([sys.executable, "-c", "import time; time.sleep(120)"])
    print(child.pid, flush=True)
    time.sleep(120)
    """
)


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_child_does_not_outlive_its_killed_parent(how):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    watchdog = int(parent.stdout.readline())
    deadline = time.monotonic() + 10
    grandchildren: list[int] = []
    while not grandchildren and time.monotonic() < deadline:
        grandchildren = _children_of(watchdog)
        time.sleep(0.05)
    assert grandchildren, "the watchdog did not start its child"
    parent.send_signal(how)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in [watchdog, *grandchildren]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in [watchdog, *grandchildren])


def test_stop_leaves_no_child_even_when_it_ignores_sigterm():
    """A server that finishes an in-flight request before it stops (uvicorn's graceful
    shutdown) ignores SIGTERM for a while: the watchdog kills it before the parent's grace
    runs out, so `stop` never leaves it behind as an orphan."""
    ignores = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"
    process = spawn([sys.executable, "-c", ignores])
    deadline = time.monotonic() + 10
    children: list[int] = []
    while not children and time.monotonic() < deadline:
        children = _children_of(process.pid)
        time.sleep(0.05)
    assert children, "the watchdog did not start its child"
    started = time.monotonic()
    stop(process)
    assert time.monotonic() - started < STOP_GRACE_S  # the watchdog ended on its own
    deadline = time.monotonic() + 3
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in children)


def test_the_watchdog_exits_the_way_its_child_did(tmp_path):
    process = spawn(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGABRT)"]
    )
    process.wait(timeout=20)
    assert signal_name(process.returncode) == "SIGABRT"
    ok = spawn([sys.executable, "-c", "raise SystemExit(3)"])
    assert ok.wait(timeout=20) == 3
    stop(ok)  # stopping an ended process is a no-op


# ---------------------------------------------------------------- portable build flags


def test_the_portable_build_asks_for_no_native_or_amx_code(monkeypatch):
    monkeypatch.delenv("EVALKIT_LLAMA_CMAKE_ARGS", raising=False)
    monkeypatch.setattr(embedded.os, "cpu_count", lambda: 2)
    import platform

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    args = cmake_args()
    assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AVX2=ON" in args
    for flag in ("-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AVX512=OFF"):
        assert flag in args
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert "-DGGML_NATIVE=OFF" in cmake_args() and "AVX" not in cmake_args()
    monkeypatch.setenv("EVALKIT_LLAMA_CMAKE_ARGS", "-DGGML_NATIVE=ON")
    assert cmake_args() == "-DGGML_NATIVE=ON"
    assert "ldtilecfg" in FORBIDDEN_X86


def test_a_native_build_from_pip_is_replaced_by_the_portable_one_before_the_demo(monkeypatch):
    """`pip install "evalkit[embedded]"` compiles llama.cpp with -march=native; `evalkit demo`
    swaps in the portable build first (install itself is the real thing in setup.sh: here it
    is recorded, not run). A build evalkit made with the current flags is kept."""
    from evalkit.models import build

    installs: list[str] = []
    said: list[str] = []
    monkeypatch.setattr(build, "install", lambda rebuild=False: installs.append("portable"))
    monkeypatch.setattr(build, "installed_flags", lambda: None)  # pip's own build: no stamp
    assert build.ensure_portable(said.append) is True
    assert installs == ["portable"] and "-march=native" in said[0] and "AMX" in said[0]
    monkeypatch.setattr(build, "installed_flags", build.cmake_args)  # evalkit's build
    assert build.ensure_portable(said.append) is False and installs == ["portable"]
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "llama_cpp" else real(n, *a)
    )
    monkeypatch.setattr(build, "installed_flags", lambda: None)
    assert build.ensure_portable(said.append) is False  # not installed: nothing to replace
    assert installs == ["portable"]


def test_a_missing_llama_cpp_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded.importlib.util, "find_spec", lambda name: None)
    server = LlamaServer(tmp_path / "x.gguf", label="tiny")
    with pytest.raises(UserError, match="evalkit embedded install"):
        server.start()
    server.stop()


def test_served_reports_no_failure_for_remote_models():
    assert Served(specs=[]).failure("anything") is None
    asyncio.run(asyncio.sleep(0))
