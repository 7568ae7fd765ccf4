"""Credentials never reach a run file: a server that echoes the key in its error body, a
password in base_url, and credential-shaped text are all redacted before anything is stored."""

from __future__ import annotations

import pytest

from evalkit.records import Message, ModelSpec, Prompt
from evalkit.redact import MASK, redact
from evalkit.runner import run_prompts
from evalkit.testing.mock_openai import MockOpenAIServer

KEY = "sk-proj-Zq81nTq0cXyY5v2LmB3kD9"


@pytest.fixture()
def server():
    with MockOpenAIServer() as srv:
        yield srv


def test_an_echoed_key_and_a_url_password_never_reach_the_run_folder(server, tmp_path, monkeypatch):
    monkeypatch.setenv("LEAKY_KEY", KEY)
    url = server.base_url.replace("http://", "http://deploy:hunter2pw@")
    spec = ModelSpec(name="leaky", base_url=url, api_key_env="LEAKY_KEY", max_retries=0)
    prompts = [Prompt(id="p1", messages=[Message(role="user", content="hi [fault:authecho]")])]
    summary = run_prompts(None, prompts, [spec], tmp_path, progress=False)
    assert summary.errors == 1
    stored = "".join(path.read_text() for path in tmp_path.rglob("*") if path.is_file())
    assert "Incorrect API key provided" in stored  # the error is kept, minus its secrets
    assert KEY not in stored and "hunter2pw" not in stored
    assert MASK in stored


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Authorization: Bearer abcdef123456", "abcdef123456"),
        ("Authorization: Basic ZGVwbG95Omh1bnRlcjI=", "ZGVwbG95Omh1bnRlcjI="),
        ("GET https://bob:s3cretpw@api.example.com/v1 failed", "s3cretpw"),
        ('{"api_key": "abcd-efgh-ijkl"}', "abcd-efgh-ijkl"),
        ("token hf_AbCdEfGhIjKlMnOp leaked", "hf_AbCdEfGhIjKlMnOp"),
        ("bad key sk-abc123def456ghi", "sk-abc123def456ghi"),
    ],
)
def test_credential_shapes_are_redacted(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned and MASK in cleaned


def test_a_configured_secret_of_any_shape_is_redacted():
    assert redact("the key was plainword99 all along", ["plainword99"]) == (
        f"the key was {MASK} all along"
    )
    assert redact("nothing secret here") == "nothing secret here"
