"""A local OpenAI-compatible server for fault injection and benchmarks (never for real grading).

Faults are asked for inside the prompt text, so one run can mix them: `[fault:429x2]` answers
429 with Retry-After to the first two attempts of that prompt, then succeeds. Kinds: 429, 500,
503, timeout, badjson, drop (connection closed mid-stream), with an attempt count; `[fault:empty]`
(empty content), `[fault:400]` (a client error, never retried), `[fault:always500]`,
`[fault:authecho]` (401 whose body echoes the Authorization header, as some APIs do).

What the server saw, for tests: `requests` and `attempts` (per prompt text), `arrivals` (the
monotonic time of each attempt, per prompt text), `in_flight` and `peak_in_flight` (requests
being answered at once: what a client's concurrency limit must bound). `hold_after=N` answers
the first N requests and holds every later one until `release()` (or `stop()`), so a test can
stop a client at a known point without sleeping.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter, defaultdict

from aiohttp import web

FAULT = re.compile(r"\[fault:(?P<kind>[a-z0-9]+?)(?:x(?P<times>\d+))?\]")


class MockOpenAIServer:
    def __init__(
        self,
        latency_s: float = 0.0,
        timeout_sleep_s: float = 5.0,
        retry_after: str = "0.2",
        hold_after: int | None = None,
    ) -> None:
        self.latency_s = latency_s
        self.timeout_sleep_s = timeout_sleep_s
        self.retry_after = retry_after  # the Retry-After header of a [fault:429] / [fault:503]
        self.hold_after = hold_after
        self.attempts: Counter[str] = Counter()
        self.arrivals: defaultdict[str, list[float]] = defaultdict(list)
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._released: asyncio.Event | None = None
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> MockOpenAIServer:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("mock server did not start")
        return self

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._released = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/v1/completions", self._handle)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]  # the one site: (host, port)
        self._ready.set()
        self._loop.run_forever()

    def release(self) -> None:
        """Answer the held requests (and every later one)."""
        if self._loop is not None and self._released is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    def stop(self) -> None:
        if self._loop is None:
            return
        self.release()
        if self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> MockOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ handlers
    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"data": [{"id": "mock"}]})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await self._answer(request)
        except (ConnectionResetError, asyncio.CancelledError):
            return web.Response(status=499)  # the client went away (a timeout test)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        text = _prompt_text(body)
        self.requests += 1
        self.attempts[text] += 1
        self.arrivals[text].append(time.monotonic())
        attempt = self.attempts[text]
        if self.hold_after is not None and self.requests > self.hold_after:
            assert self._released is not None
            await self._released.wait()
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        fault = FAULT.search(text)
        if fault:
            kind, times = fault["kind"], int(fault["times"] or 1)
            failing = kind.startswith("always") or attempt <= times
            if kind == "400":
                return web.json_response({"error": {"message": "bad request"}}, status=400)
            if kind == "authecho":
                said = request.headers.get("Authorization", "")
                message = f"Incorrect API key provided: {said}. Retry at {request.url}"
                return web.json_response({"error": {"message": message}}, status=401)
            if failing and kind in ("429", "503"):
                return web.json_response(
                    {"error": "slow down"},
                    status=int(kind),
                    headers={"Retry-After": self.retry_after},
                )
            if failing and kind in ("500", "always500"):
                return web.json_response({"error": "internal"}, status=500)
            if failing and kind == "timeout":
                await asyncio.sleep(self.timeout_sleep_s)
            if failing and kind == "badjson":
                return web.Response(text="data: {not json\n\n", content_type="text/event-stream")
            if failing and kind == "drop":
                return await self._drop(request)
            if kind == "empty":
                return await self._stream(request, body, "")
        return await self._stream(request, body, f"echo: {text}")

    async def _stream(self, request: web.Request, body: dict, answer: str) -> web.StreamResponse:
        chat = "messages" in body
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        pieces = [answer[i : i + 8] for i in range(0, len(answer), 8)] if answer else []
        for piece in pieces:
            choice = (
                {"index": 0, "delta": {"content": piece}} if chat else {"index": 0, "text": piece}
            )
            await response.write(_sse({"choices": [choice]}))
        final: dict[str, object] = {"index": 0, "finish_reason": "stop"}
        if chat:
            final["delta"] = {}
        else:
            final["text"] = ""
        await response.write(_sse({"choices": [final]}))
        usage = {
            "prompt_tokens": 5,
            "completion_tokens": len(pieces),
            "total_tokens": 5 + len(pieces),
        }
        await response.write(_sse({"choices": [], "usage": usage}))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _drop(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(_sse({"choices": [{"index": 0, "delta": {"content": "partial"}}]}))
        if request.transport is not None:
            request.transport.close()
        return response


def _sse(obj: dict) -> bytes:
    return f"data: {json.dumps(obj)}\n\n".encode()


def _prompt_text(body: dict) -> str:
    if "messages" in body:
        return str(body["messages"][-1].get("content", ""))
    return str(body.get("prompt", ""))
