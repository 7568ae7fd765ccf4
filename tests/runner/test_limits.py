"""The runner keeps to what the server and the config ask: a model's `max_concurrency` bounds
the requests in flight at the server, and a 429/503's `Retry-After` is waited out before the
retry (issue 20: both were ignored and the fast suite still passed)."""

from __future__ import annotations

import pytest

from evalkit.models import client as client_module
from evalkit.models.retry import BackoffPolicy
from evalkit.records import Message, ModelSpec, Prompt
from evalkit.runner import load_responses, run_prompts
from evalkit.testing.mock_openai import MockOpenAIServer


def prompts(texts: list[str]) -> list[Prompt]:
    return [
        Prompt(id=f"p{i:02d}", messages=[Message(role="user", content=text)])
        for i, text in enumerate(texts)
    ]


@pytest.mark.parametrize("limit", [1, 3])
def test_max_concurrency_bounds_the_requests_in_flight_at_the_server(tmp_path, limit) -> None:
    # each answer takes 0.3 s and every request is queued at once: without the limit all 12
    # would be in flight together; with it, exactly `limit` are
    with MockOpenAIServer(latency_s=0.3) as server:
        spec = ModelSpec(name="m", base_url=server.base_url, max_concurrency=limit)
        summary = run_prompts(
            None, prompts([f"q{i}" for i in range(12)]), [spec], tmp_path, progress=False
        )
        peak = server.peak_in_flight
    assert summary.ok == 12
    assert peak == limit, f"{peak} requests in flight at once with max_concurrency={limit}"


@pytest.mark.parametrize("status", ["429", "503"])
def test_retry_after_is_waited_out_before_the_retry(tmp_path, monkeypatch, status) -> None:
    # the client's own backoff is a few milliseconds here, so only Retry-After explains a
    # wait of a second between the refused attempt and the retry
    monkeypatch.setattr(
        client_module, "BackoffPolicy", lambda: BackoffPolicy(base_s=0.01, cap_s=0.02)
    )
    text = f"slow down [fault:{status}x1]"
    with MockOpenAIServer(retry_after="1") as server:
        spec = ModelSpec(name="m", base_url=server.base_url, max_retries=2)
        run_prompts(None, prompts([text]), [spec], tmp_path, progress=False)
        first, second = server.arrivals[text]
    (response,) = load_responses(tmp_path)
    assert response.ok and response.attempts == 2
    waited = second - first
    assert waited >= 0.95, f"retried {waited:.3f} s after a {status} with Retry-After: 1"
    assert waited < 10
