"""One client for every OpenAI-compatible endpoint (vLLM, llama.cpp's server, TGI, Ollama, hosted
APIs): streamed chat or text completions, a concurrency limit per model, timeouts and bounded
retries. The sampler interface is one method: `await client.complete(messages)`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from evalkit.errors import UserError
from evalkit.models.retry import BackoffPolicy, is_retryable_status, parse_retry_after
from evalkit.records import Message, ModelSpec, Usage
from evalkit.redact import redact

# "connect": nothing listening or unreachable; "timeout"; "transport": a dropped connection;
# "http": an error status; "malformed": a reply that is not what the API promises
ErrorKind = str


class ModelCallError(Exception):
    """A request that still failed after its retries (or failed in a way not worth retrying).
    The message never holds a credential (see `evalkit.redact`)."""

    def __init__(
        self, message: str, attempts: int, retryable: bool, kind: ErrorKind = "http"
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.retryable = retryable
        self.kind = kind


class _RetryableError(Exception):
    def __init__(
        self, message: str, retry_after_s: float | None = None, kind: ErrorKind = "http"
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.kind = kind


@dataclass
class ChatResult:
    text: str
    finish_reason: str | None
    usage: Usage
    latency_s: float
    ttft_s: float | None
    tokens_per_s: float | None
    attempts: int = 1


@dataclass
class _Stream:
    started: float
    pieces: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    finish_reason: str | None = None
    usage: dict | None = None
    chunks_with_text: int = 0


COMPLETION_PREAMBLE = (
    "The following is a conversation between a user and a helpful, accurate assistant.\n"
)


def completion_prompt(messages: list[Message]) -> str:
    """evalkit's plain prompt format for base models that have no chat template."""
    lines: list[str] = [] if any(m.role == "system" for m in messages) else [COMPLETION_PREAMBLE]
    for message in messages:
        if message.role == "system":
            lines.append(message.content.strip() + "\n")
        else:
            speaker = "User" if message.role == "user" else "Assistant"
            lines.append(f"{speaker}: {message.content.strip()}")
    lines.append("Assistant:")
    return "\n".join(lines)


COMPLETION_STOP = ["\nUser:", "\nAssistant:"]


class ModelClient:
    """Async client of one configured model. Use as `async with client_for(spec) as client`."""

    def __init__(
        self,
        spec: ModelSpec,
        policy: BackoffPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not spec.base_url:
            raise UserError(
                f"model {spec.name!r}: no base_url (an embedded llamacpp model must be started "
                "with evalkit.models.serving)"
            )
        self.spec = spec
        self.policy = policy or BackoffPolicy()
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(spec.max_concurrency)
        limits = httpx.Limits(max_connections=spec.max_concurrency, max_keepalive_connections=None)
        timeout = httpx.Timeout(spec.timeout_s, connect=min(10.0, spec.timeout_s))
        self._http = httpx.AsyncClient(
            base_url=spec.base_url.rstrip("/"),
            headers=self._headers(spec),
            timeout=timeout,
            limits=limits,
            transport=transport,
        )

    @staticmethod
    def _headers(spec: ModelSpec) -> dict[str, str]:
        if not spec.api_key_env:
            return {}
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise UserError(
                f"model {spec.name!r}: environment variable {spec.api_key_env} is not set "
                "(it holds the API key)"
            )
        return {"Authorization": f"Bearer {key}"}

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _messages(self, messages: list[Message]) -> list[Message]:
        if self.spec.system_prompt and not any(m.role == "system" for m in messages):
            return [Message(role="system", content=self.spec.system_prompt), *messages]
        return messages

    def request_body(
        self, messages: list[Message], sample: int = 0, json_schema: dict | None = None
    ) -> tuple[str, dict]:
        """The endpoint path and JSON body for one request."""
        params = self.spec.params
        body: dict = {
            "model": self.spec.adapter or self.spec.model or self.spec.name,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if params.seed is not None:
            body["seed"] = params.seed + sample
        messages = self._messages(messages)
        if self.spec.api == "completion":
            body["prompt"] = completion_prompt(messages)
            body["stop"] = [*(params.stop or []), *COMPLETION_STOP]
            return "/completions", body
        if params.stop:
            body["stop"] = params.stop
        body["messages"] = [m.model_dump() for m in messages]
        if json_schema is not None:
            body |= self._response_format(json_schema)
        return "/chat/completions", body

    def _response_format(self, schema: dict) -> dict:
        """Ask for JSON following `schema` in the dialect the server speaks."""
        mode = self.spec.structured_output
        if mode == "auto":
            mode = "json_object" if self.spec.backend == "llamacpp" else "json_schema"
        if mode == "json_object":  # llama.cpp's server turns the schema into a grammar
            return {"response_format": {"type": "json_object", "schema": schema}}
        if mode == "json_schema":
            named = {"name": "answer", "schema": schema}
            return {"response_format": {"type": "json_schema", "json_schema": named}}
        return {}

    async def complete(
        self, messages: list[Message], sample: int = 0, json_schema: dict | None = None
    ) -> ChatResult:
        """One completion, retried on 429/5xx/408/timeouts/dropped connections. With
        `json_schema`, the server is asked to constrain the reply to that schema."""
        path, body = self.request_body(messages, sample, json_schema)
        attempt = 0
        async with self._semaphore:
            while True:
                attempt += 1
                try:
                    result = await self._once(path, body)
                    result.attempts = attempt
                    return result
                except _RetryableError as exc:
                    if attempt > self.spec.max_retries:
                        message = self._redact(f"{exc} (gave up after {attempt} attempts)")
                        raise ModelCallError(message, attempt, True, exc.kind) from None
                    await asyncio.sleep(self.policy.delay(attempt, exc.retry_after_s, self._rng))

    async def _once(self, path: str, body: dict) -> ChatResult:
        stream = _Stream(started=time.perf_counter())
        try:
            async with self._http.stream("POST", path, json=body) as response:
                if response.status_code != 200:
                    await self._raise_for_status(response)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" in content_type:
                    async for line in response.aiter_lines():
                        self._consume_sse_line(line, stream)
                else:  # a server that ignores stream=true answers with one JSON body
                    self._consume_chunk(json.loads(await response.aread()), stream)
        except httpx.ConnectError as exc:
            message = f"ConnectError: {exc or 'connection refused'}"
            raise _RetryableError(message, kind="connect") from None
        except httpx.TimeoutException as exc:
            message = f"{type(exc).__name__}: {exc or 'timed out'}"
            raise _RetryableError(message, kind="timeout") from None
        except httpx.TransportError as exc:
            message = f"{type(exc).__name__}: {exc or 'connection problem'}"
            raise _RetryableError(message, kind="transport") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _RetryableError(
                f"malformed response from server: {exc}", kind="malformed"
            ) from None
        return self._result(stream)

    async def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        detail = (await response.aread())[:300].decode("utf-8", "replace")
        message = f"HTTP {status}: {detail.strip()}"
        if is_retryable_status(status):
            raise _RetryableError(message, parse_retry_after(response.headers.get("retry-after")))
        raise ModelCallError(self._redact(message), 1, False)

    def _redact(self, message: str) -> str:
        """The message without the configured key, URL passwords or credential-shaped text."""
        key = os.environ.get(self.spec.api_key_env) if self.spec.api_key_env else None
        return redact(message, [key]) or message

    def _consume_sse_line(self, line: str, stream: _Stream) -> None:
        if not line.startswith("data:"):
            return
        data = line[5:].strip()
        if not data or data == "[DONE]":
            return
        self._consume_chunk(json.loads(data), stream)

    def _consume_chunk(self, chunk: dict, stream: _Stream) -> None:
        if not isinstance(chunk, dict):
            raise json.JSONDecodeError("expected a JSON object", str(chunk), 0)
        if chunk.get("error"):
            raise _RetryableError(f"server error in stream: {chunk['error']}")
        if chunk.get("usage"):
            stream.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            piece = _choice_text(choice)
            if piece:
                if stream.first_token_at is None:
                    stream.first_token_at = time.perf_counter()
                stream.pieces.append(piece)
                stream.chunks_with_text += 1
            if choice.get("finish_reason"):
                stream.finish_reason = choice["finish_reason"]

    def _result(self, stream: _Stream) -> ChatResult:
        ended = time.perf_counter()
        latency = ended - stream.started
        ttft = None if stream.first_token_at is None else stream.first_token_at - stream.started
        usage = (
            Usage(**{k: stream.usage.get(k) for k in Usage.model_fields})
            if stream.usage
            else (Usage(completion_tokens=stream.chunks_with_text))
        )
        # decode speed after the first token, the figure device-model reports quote
        tokens_per_s = None
        decode_s = ended - stream.first_token_at if stream.first_token_at is not None else 0.0
        if usage.completion_tokens and usage.completion_tokens > 1 and decode_s > 0:
            tokens_per_s = (usage.completion_tokens - 1) / decode_s
        return ChatResult(
            text="".join(stream.pieces),
            finish_reason=stream.finish_reason,
            usage=usage,
            latency_s=latency,
            ttft_s=ttft,
            tokens_per_s=tokens_per_s,
        )


def _choice_text(choice: dict) -> str:
    """Text of one streamed (or whole) choice, for chat and text completions alike."""
    if "delta" in choice:
        return (choice.get("delta") or {}).get("content") or ""
    if "message" in choice:
        return (choice.get("message") or {}).get("content") or ""
    return choice.get("text") or ""


def client_for(spec: ModelSpec, **kwargs: Any) -> ModelClient:
    return ModelClient(spec, **kwargs)
