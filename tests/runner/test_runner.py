"""The runner against a fault-injecting local OpenAI-compatible server: every failure is retried
or recorded, a rerun resumes, and a run killed with SIGKILL loses nothing."""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.models.client import ModelClient
from evalkit.models.retry import BackoffPolicy, parse_retry_after
from evalkit.records import Message, ModelSpec, Prompt
from evalkit.runner import load_responses, run_prompts
from evalkit.testing.mock_openai import MockOpenAIServer

FAULTS = {
    "clean": "",
    "rate_limited": "[fault:429x2]",
    "server_error": "[fault:500x1]",
    "unavailable": "[fault:503x2]",
    "timeout": "[fault:timeoutx1]",
    "malformed_json": "[fault:badjsonx1]",
    "dropped": "[fault:dropx2]",
    "empty": "[fault:empty]",
    "client_error": "[fault:400]",
    "always_failing": "[fault:always500]",
}


@pytest.fixture()
def server():
    with MockOpenAIServer(timeout_sleep_s=2.0) as srv:
        yield srv


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(ModelClient, "__init__", _fast_init(ModelClient.__init__))


def _fast_init(original):
    def init(self, spec, policy=None, transport=None, rng=None):
        original(self, spec, BackoffPolicy(base_s=0.01, cap_s=0.05), transport, rng)

    return init


def prompts_for(faults: dict[str, str]) -> list[Prompt]:
    return [
        Prompt(id=name, messages=[Message(role="user", content=f"question {name} {fault}")])
        for name, fault in faults.items()
    ]


def spec_for(server: MockOpenAIServer, **update) -> ModelSpec:
    return ModelSpec(name="mock", base_url=server.base_url, timeout_s=0.5, max_retries=3, **update)


def test_every_fault_is_retried_or_recorded(server, tmp_path):
    summary = run_prompts(
        None, prompts_for(FAULTS), [spec_for(server)], tmp_path, samples=2, progress=False
    )
    responses = {(r.prompt_id, r.sample): r for r in load_responses(tmp_path)}
    assert len(responses) == 2 * len(FAULTS)  # nothing silently missing
    for name in (
        "clean",
        "rate_limited",
        "server_error",
        "unavailable",
        "timeout",
        "malformed_json",
        "dropped",
    ):
        for sample in (0, 1):
            response = responses[(name, sample)]
            assert response.ok, (name, response.error)
            assert response.text.startswith(f"echo: question {name}")
            assert response.latency_s > 0 and response.ttft_s is not None
            assert response.usage.completion_tokens > 0
            assert response.finish_reason == "stop"
    assert responses[("rate_limited", 0)].attempts + responses[("rate_limited", 1)].attempts >= 3
    assert responses[("empty", 0)].ok and responses[("empty", 0)].text == ""
    client_error = responses[("client_error", 0)]
    assert client_error.error.startswith("HTTP 400") and client_error.attempts == 1  # never retried
    failing = responses[("always_failing", 0)]
    assert "gave up after 4 attempts" in failing.error and failing.attempts == 4
    assert summary.errors == 4 and summary.ok == 16
    assert summary.error_kinds == collections.Counter({"HTTP 400": 2, "HTTP 500": 2})


def test_rerun_resumes_and_retries_only_errors(server, tmp_path):
    prompts = prompts_for({"a": "", "b": "", "c": "[fault:500x6]"})
    spec = spec_for(server)
    first = run_prompts(None, prompts, [spec], tmp_path, progress=False)
    assert (first.ok, first.errors) == (2, 1)
    asked_before = server.requests
    second = run_prompts(None, prompts, [spec], tmp_path, progress=False)
    assert second.cached == 2 and second.asked == 1 and second.ok == 1  # the 500s ran out
    assert server.requests - asked_before == 3  # attempts 5 and 6 fail, attempt 7 succeeds
    third = run_prompts(None, prompts, [spec], tmp_path, progress=False)
    assert third.asked == 0 and third.cached == 3
    lines = (tmp_path / "responses.jsonl").read_text().splitlines()
    assert len(lines) == 4  # 2 ok + 1 error + 1 ok retry: append-only
    latest = load_responses(tmp_path)
    assert sorted(r.prompt_id for r in latest) == ["a", "b", "c"] and all(r.ok for r in latest)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 3 and manifest["datasets"]["prompts.jsonl"]


def test_changed_prompt_is_asked_again(server, tmp_path):
    spec = spec_for(server)
    run_prompts(None, prompts_for({"a": ""}), [spec], tmp_path, progress=False)
    changed = [Prompt(id="a", messages=[Message(role="user", content="a different question")])]
    summary = run_prompts(None, changed, [spec], tmp_path, progress=False)
    assert summary.asked == 1
    (response,) = load_responses(tmp_path)
    assert response.text == "echo: a different question"


def test_completion_api_and_system_prompt(server, tmp_path):
    spec = spec_for(server, api="completion", system_prompt="Be brief.")
    run_prompts(None, prompts_for({"a": ""}), [spec], tmp_path, progress=False)
    (response,) = load_responses(tmp_path)
    assert response.ok and response.text.startswith("echo: Be brief.")
    assert response.text.rstrip().endswith("Assistant:")


def test_api_key_comes_from_environment_and_is_never_written(server, tmp_path, monkeypatch):
    secret = "sk-test-" + "x" * 20
    monkeypatch.setenv("MOCK_KEY", secret)
    spec = spec_for(server, api_key_env="MOCK_KEY")
    run_prompts(None, prompts_for({"a": ""}), [spec], tmp_path, progress=False)
    for path in tmp_path.iterdir():
        assert secret not in path.read_text()
    monkeypatch.delenv("MOCK_KEY")
    from evalkit.errors import UserError

    with pytest.raises(UserError, match="environment variable MOCK_KEY is not set"):
        run_prompts(None, prompts_for({"b": ""}), [spec], tmp_path, progress=False)


def test_retry_after_parsing_and_backoff_bounds():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    policy = BackoffPolicy(base_s=1, cap_s=8)
    rng = random.Random(0)
    delays = [policy.delay(attempt, None, rng) for attempt in range(1, 8)]
    assert all(
        0.5 * min(8, 2 ** (a - 1)) <= d <= min(8, 2 ** (a - 1))
        for a, d in zip(range(1, 8), delays, strict=True)
    )
    assert policy.delay(1, 5.0, rng) >= 5.0  # Retry-After is honoured


def _write_project(tmp_path: Path, server: MockOpenAIServer, n_prompts: int) -> tuple[Path, Path]:
    config = tmp_path / "evalkit.yaml"
    config.write_text(
        "models:\n"
        f"  - {{name: m1, backend: openai, base_url: '{server.base_url}', max_concurrency: 4}}\n"
        f"  - {{name: m2, backend: openai, base_url: '{server.base_url}', max_concurrency: 4}}\n"
    )
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        "".join(
            json.dumps({"id": f"p{i:03d}", "messages": [{"role": "user", "content": f"q{i}"}]})
            + "\n"
            for i in range(n_prompts)
        )
    )
    return config, prompts


def _keys(run_dir: Path) -> list[tuple[str, str, int]]:
    keys = []
    for line in (run_dir / "responses.jsonl").read_text().splitlines():
        record = json.loads(line)
        keys.append((record["prompt_id"], record["model"], record["sample"]))
    return keys


def test_kill_9_at_random_points_then_resume_loses_nothing(tmp_path):
    with MockOpenAIServer(latency_s=0.05) as server:
        config, prompts = _write_project(tmp_path, server, n_prompts=150)
        command = [
            sys.executable,
            "-m",
            "evalkit",
            "run",
            "-c",
            str(config),
            "--prompts",
            str(prompts),
            "--samples",
            "2",
            "--quiet",
        ]
        reference_dir = tmp_path / "uninterrupted"
        subprocess.run([*command, "-o", str(reference_dir)], check=True, capture_output=True)
        run_dir = tmp_path / "killed"
        rng = random.Random(1234)
        kills = 0
        for _ in range(6):
            process = subprocess.Popen(
                [*command, "-o", str(run_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.7, 1.8))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                kills += 1
            process.wait()
        assert kills >= 2, "the run finished before it could be killed; make it longer"
        final = subprocess.run([*command, "-o", str(run_dir)], capture_output=True, text=True)
        assert final.returncode == 0, final.stderr
    keys = _keys(run_dir)
    counts = collections.Counter(keys)
    assert all(count == 1 for count in counts.values()), counts.most_common(3)
    assert set(keys) == set(_keys(reference_dir))
    assert len(keys) == 150 * 2 * 2


def test_cli_exit_codes(server, tmp_path):
    config, prompts = _write_project(tmp_path, server, n_prompts=2)
    assert (
        run_cli(
            [
                "run",
                "-c",
                str(config),
                "--prompts",
                str(prompts),
                "-o",
                str(tmp_path / "r"),
                "--quiet",
            ]
        )
        == 0
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert (
        run_cli(["run", "-c", str(config), "--prompts", str(bad), "-o", str(tmp_path / "r2")]) == 2
    )
    assert (
        run_cli(
            [
                "run",
                "-c",
                str(config),
                "--prompts",
                str(prompts),
                "-o",
                str(tmp_path / "r3"),
                "--models",
                "nope",
            ]
        )
        == 2
    )
    failing = tmp_path / "failing.jsonl"
    failing.write_text('{"id": "f", "messages": [{"role": "user", "content": "[fault:400]"}]}\n')
    args = ["run", "-c", str(config), "--prompts", str(failing), "--quiet"]
    assert run_cli([*args, "-o", str(tmp_path / "r4")]) == 1
    assert run_cli([*args, "-o", str(tmp_path / "r5"), "--allow-errors"]) == 0


def test_cli_bad_input_is_one_line_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x", "messages": [{"role": "user", "content": "hi"}], "difficulty": "extreme"}\n'
    )
    config = tmp_path / "evalkit.yaml"
    config.write_text("models:\n  - {name: m, base_url: 'http://127.0.0.1:9/v1'}\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalkit",
            "run",
            "-c",
            str(config),
            "--prompts",
            str(bad),
            "-o",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"error: {bad}:1: difficulty: Input should be 'easy', 'medium' or 'hard'" in result.stderr
    )


def test_structured_output_dialects():
    schema = {"type": "object", "properties": {"verdict": {"type": "integer"}}}
    messages = [Message(role="user", content="x")]
    llama = ModelClient(ModelSpec(name="a", backend="llamacpp", base_url="http://127.0.0.1:9/v1"))
    _, body = llama.request_body(messages, json_schema=schema)
    assert body["response_format"] == {"type": "json_object", "schema": schema}
    hosted = ModelClient(ModelSpec(name="b", base_url="http://127.0.0.1:9/v1"))
    _, body = hosted.request_body(messages, json_schema=schema)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema
    plain = ModelClient(
        ModelSpec(name="c", base_url="http://127.0.0.1:9/v1", structured_output="none")
    )
    _, body = plain.request_body(messages, json_schema=schema)
    assert "response_format" not in body
    _, body = hosted.request_body(messages)
    assert "response_format" not in body


def test_runner_works_inside_a_running_event_loop(server, tmp_path):
    """As in a notebook: `run_prompts` called from code running inside an event loop."""
    import asyncio

    async def inside_a_loop():
        return run_prompts(
            None, prompts_for({"a": ""}), [spec_for(server)], tmp_path, progress=False
        )

    summary = asyncio.run(inside_a_loop())
    assert summary.ok == 1
