"""Child processes that die with their parent, and signals that stop a command cleanly.

evalkit starts servers as children: llama.cpp for embedded models, Streamlit for the rater
app, Label Studio in the tests. None may outlive the command that started it:

- `graceful_signals()` turns SIGTERM and SIGHUP into `Stopped` (like Ctrl-C is turned into
  KeyboardInterrupt), so every `with`/`finally` that stops a server runs;
- `spawn()` starts a child through a small watchdog (`python -m evalkit.processes PID CMD...`)
  that forwards signals to it, and stops it within a second when the parent is gone, even
  after a SIGKILL that gives the parent no chance to clean up. The watchdog exits the way its
  child did, so a crash by a signal is still seen as that signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from types import FrameType
from typing import IO

POLL_S = 0.5
STOP_GRACE_S = 10.0


class Stopped(SystemExit):
    """The command was asked to stop by a signal (SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(128 + signum)

    def __str__(self) -> str:
        return f"stopped by {signal.Signals(self.signum).name}"


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def graceful_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise `Stopped` in the main thread."""
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            previous[signum] = signal.signal(signum, _raise_stopped)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def signal_name(returncode: int | None) -> str | None:
    """`SIGSEGV` for a process that a signal ended (a negative return code), else None."""
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def spawn(
    command: Sequence[str],
    *,
    stdout: IO[bytes] | int | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` under the watchdog, tied to this process's life."""
    wrapped = [sys.executable, "-m", "evalkit.processes", str(os.getpid()), *command]
    return subprocess.Popen(
        wrapped,
        stdout=stdout,
        stderr=subprocess.STDOUT if stdout is not None else None,
        stdin=subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        cwd=cwd,
    )


def stop(process: subprocess.Popen[bytes], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM, then SIGKILL after `grace_s`; waits for the process to end."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(parent: int, command: list[str]) -> int:
    child = subprocess.Popen(command, start_new_session=True)
    # a stop request: the child gets it at once, and SIGKILL if it is still there shortly
    # before the parent's own grace ends (a server finishing an in-flight request, such as
    # uvicorn's graceful shutdown, must not outlive a watchdog the parent then kills)
    deadline: list[float] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)
        if signum != signal.SIGKILL and not deadline:
            deadline.append(time.monotonic() + STOP_GRACE_S - 2.0)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    while child.poll() is None:
        if deadline and time.monotonic() > deadline[0]:
            forward(signal.SIGKILL, None)
            child.wait()
            break
        if os.getppid() != parent or not _alive(parent):
            forward(signal.SIGTERM, None)
            try:
                child.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                forward(signal.SIGKILL, None)
            return 1
        time.sleep(POLL_S)
    code = child.returncode
    if code < 0:  # end the way the child ended, so the parent sees the signal
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        time.sleep(1)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print("usage: python -m evalkit.processes PARENT_PID COMMAND...", file=sys.stderr)
        sys.exit(2)
    sys.exit(_watch(int(sys.argv[1]), sys.argv[2:]))
