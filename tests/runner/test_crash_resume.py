"""A run killed with SIGKILL keeps every response it had received, and the next run repairs a
torn last line without losing or repeating a record (issue 20: no flush per record survived the
random-kill test, so this one kills at a known point instead of after a random sleep).

The mock server answers the first N requests and holds the rest (`hold_after`): once N records
are on disk the runner has nothing more to write until the server lets go, so the kill lands at
a known point and the file must hold exactly those N records, complete."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from evalkit.records import Response
from evalkit.testing.mock_openai import MockOpenAIServer

PROMPTS = 8
ANSWERED = 5  # the server answers these, then holds the other 3 until released
TORN = b"TORN LINE"
DEADLINE_S = 30.0  # for the N records to reach the disk (they take well under a second)


def write_project(tmp_path: Path, server: MockOpenAIServer) -> list[str]:
    """The `evalkit run` command of a one-model project; every request in flight at once."""
    config = tmp_path / "evalkit.yaml"
    config.write_text(
        "models:\n"
        f"  - {{name: m1, base_url: '{server.base_url}', max_concurrency: 16, timeout_s: 300,"
        " max_retries: 0}\n"
    )
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "messages": [{"role": "user", "content": f"q{i}"}]}) + "\n"
            for i in range(PROMPTS)
        )
    )
    run_dir = tmp_path / "run"
    return [
        sys.executable, "-m", "evalkit", "run", "-c", str(config), "--prompts", str(prompts),
        "-o", str(run_dir), "--quiet",
    ]  # fmt: skip


def complete_lines(path: Path) -> list[bytes]:
    """The newline-terminated lines of a file (a torn last line is not one)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    return data[: data.rfind(b"\n") + 1].splitlines(keepends=True)


def wait_for_records(path: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    """Poll until `count` complete records are on disk (fails past the deadline)."""
    deadline = time.monotonic() + DEADLINE_S
    while len(complete_lines(path)) < count:
        if process.poll() is not None:
            raise AssertionError(f"the run ended early (exit {process.returncode})")
        if time.monotonic() > deadline:
            found = len(complete_lines(path))
            raise AssertionError(
                f"{found} of {count} received responses on disk after {DEADLINE_S:.0f} s: "
                "records are not flushed as they are written"
            )
        time.sleep(0.02)


def keys(lines: list[bytes]) -> list[tuple[str, str, int]]:
    records = [Response.model_validate_json(line) for line in lines]
    return [record.key for record in records]


def test_sigkill_keeps_every_received_record_and_resume_repairs_a_torn_line(
    tmp_path: Path,
) -> None:
    with MockOpenAIServer(hold_after=ANSWERED) as server:
        command = write_project(tmp_path, server)
        responses = tmp_path / "run" / "responses.jsonl"
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_records(responses, ANSWERED, process)
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
        assert process.returncode == -signal.SIGKILL

        # exactly the N answered records, each complete and valid, nothing torn
        before = responses.read_bytes()
        kept = complete_lines(responses)
        assert before.endswith(b"\n") and len(kept) == ANSWERED
        assert len(set(keys(kept))) == ANSWERED
        assert all(Response.model_validate_json(line).ok for line in kept)

        # a crash mid-write: half of a real record, no newline
        missing = sorted({f"p{i}" for i in range(PROMPTS)} - {k[0] for k in keys(kept)})
        torn = json.dumps(
            {"run_id": "run", "prompt_id": missing[0], "model": "m1", "sample": 0,
             "text": "TORN LINE: a response cut short by the crash", "finish_reason": "stop"}
        ).encode()[:110]  # fmt: skip
        assert TORN in torn and not torn.endswith(b"}")
        with responses.open("ab") as handle:
            handle.write(torn)

        server.release()
        resumed = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr

    after = responses.read_bytes()
    assert after.startswith(before)  # the torn line is cut: no record lost, none rewritten
    assert TORN not in after and after.endswith(b"\n")
    lines = after.splitlines(keepends=True)
    counts = collections.Counter(keys(lines))  # every line parses
    assert sorted(counts) == [(f"p{i}", "m1", 0) for i in range(PROMPTS)]
    assert set(counts.values()) == {1}, counts.most_common(2)  # no duplicate
    assert all(Response.model_validate_json(line).ok for line in lines)
