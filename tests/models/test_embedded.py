"""The real embedded models answer through the runner: llama.cpp, GGUF files from PyPI, offline."""

from __future__ import annotations

import pytest

from evalkit.models import gguf_path
from evalkit.records import Message, Prompt
from evalkit.runner import load_responses, run_prompts

# the llama.cpp server package and the GGUF files: a missing one fails in CI, skips loudly here
pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.usefixtures("embedded_models")]


def test_packaged_gguf_files_are_found():
    assert gguf_path("smollm2").suffix == ".gguf"
    gemma = gguf_path("gemma3-270m")
    assert gemma.stat().st_size > 100_000_000


def test_embedded_models_answer_through_the_runner(demo_config, tmp_path):
    questions = ["What is the capital of France?", "Name three colours.", "Say hello to Ana."]
    prompts = [
        Prompt(id=f"q{i}", messages=[Message(role="user", content=text)])
        for i, text in enumerate(questions)
    ]
    models = [
        spec.model_copy(update={"params": spec.params.model_copy(update={"max_tokens": 32})})
        for spec in demo_config.models
    ]
    summary = run_prompts(demo_config, prompts, models, tmp_path, progress=False)
    assert summary.errors == 0 and summary.ok == 6
    responses = load_responses(tmp_path)
    assert {r.model for r in responses} == {"smollm2-135m", "gemma3-270m"}
    assert len({r.text for r in responses}) == 6  # real answers, not an echo of one canned text
    for response in responses:
        assert response.text.strip(), response
        assert response.ttft_s is not None and response.ttft_s > 0
        assert response.latency_s >= response.ttft_s
        assert response.usage.completion_tokens and response.usage.completion_tokens > 0
        assert response.finish_reason in {"stop", "length"}
    # a second run is served from the run folder, without starting a server
    again = run_prompts(demo_config, prompts, models, tmp_path, progress=False)
    assert again.asked == 0 and again.cached == 6


def test_served_models_fixture_serves_both(served_models):
    import asyncio

    from evalkit.models import client_for

    async def ask(spec):
        async with client_for(spec) as client:
            return await client.complete([Message(role="user", content="Count to three.")])

    for spec in served_models.values():
        result = asyncio.run(ask(spec))
        assert result.text.strip()
