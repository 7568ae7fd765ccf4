"""Runner throughput against a bare asyncio + httpx loop, and the cost of a fully cached rerun.

Both clients hit the same local mock server (a separate process, fixed 20 ms latency), in
interleaved rounds so machine noise hits both alike. Prints the ratio (target >= 0.9).

    .venv/bin/python bench/runner.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from evalkit.records import Message, ModelSpec, Prompt, Response
from evalkit.runner import run_prompts

SERVER = """
import sys, time
from evalkit.testing.mock_openai import MockOpenAIServer
server = MockOpenAIServer(latency_s=float(sys.argv[1])).start()
print(server.port, flush=True)
time.sleep(3600)
"""


def start_server(latency_s: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(latency_s)], stdout=subprocess.PIPE, text=True
    )
    port = int(process.stdout.readline())  # type: ignore[union-attr]
    return process, f"http://127.0.0.1:{port}/v1"


def make_prompts(n: int, tag: str) -> list[Prompt]:
    return [
        Prompt(id=f"{tag}-{i}", messages=[Message(role="user", content=f"{tag} question {i}")])
        for i in range(n)
    ]


async def bare_loop(base_url: str, prompts: list[Prompt], concurrency: int) -> int:
    """The least a client can do: stream each completion and keep its text."""
    semaphore = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def one(prompt: Prompt) -> str:
            messages = [m.model_dump() for m in prompt.messages]
            body = {"model": "m", "messages": messages, "stream": True}
            async with semaphore, client.stream("POST", "/chat/completions", json=body) as response:
                pieces = []
                async for line in response.aiter_lines():
                    if line.startswith("data:") and "[DONE]" not in line:
                        for choice in json.loads(line[5:]).get("choices", []):
                            pieces.append((choice.get("delta") or {}).get("content") or "")
                return "".join(pieces)

        texts = await asyncio.gather(*(one(p) for p in prompts))
    return len(texts)


def time_bare(base_url: str, prompts: list[Prompt], concurrency: int) -> float:
    started = time.perf_counter()
    asyncio.run(bare_loop(base_url, prompts, concurrency))
    return len(prompts) / (time.perf_counter() - started)


def time_runner(base_url: str, prompts: list[Prompt], concurrency: int, folder: Path) -> float:
    spec = ModelSpec(name="mock", base_url=base_url, max_concurrency=concurrency)
    run_dir = folder / f"run-{time.perf_counter_ns()}"
    started = time.perf_counter()
    summary = run_prompts(None, prompts, [spec], run_dir, progress=False)
    elapsed = time.perf_counter() - started
    assert summary.ok == len(prompts), summary
    return len(prompts) / elapsed


def cached_rerun(folder: Path, n: int = 10_000) -> tuple[float, int]:
    """A 10,000-response run already on disk: the rerun must ask nothing."""
    spec = ModelSpec(name="mock", base_url="http://127.0.0.1:9/v1")  # nothing listens there
    prompts = make_prompts(n, "cached")
    run_dir = folder / "cached"
    run_prompts(None, prompts[:1], [spec], run_dir, progress=False, allow_errors=True)
    from evalkit.jsonio import write_records
    from evalkit.records import request_hash

    write_records(
        run_dir / "responses.jsonl",
        (
            Response(
                run_id="cached", prompt_id=p.id, model="mock", text="x",
                request_hash=request_hash(spec, p.messages),
            )
            for p in prompts
        ),
    )  # fmt: skip
    started = time.perf_counter()
    summary = run_prompts(None, prompts, [spec], run_dir, progress=False)
    return time.perf_counter() - started, summary.asked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.020)
    args = parser.parse_args()
    process, base_url = start_server(args.latency)
    folder = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    try:
        for concurrency, n in ((4, 400), (64, 3000)):
            bare, runner = [], []
            for round_number in range(args.rounds):
                prompts = make_prompts(n, f"c{concurrency}r{round_number}")
                bare.append(time_bare(base_url, prompts, concurrency))
                runner.append(time_runner(base_url, prompts, concurrency, folder))
            ratio = statistics.median(runner) / statistics.median(bare)
            print(
                f"concurrency {concurrency:>2}: bare httpx {statistics.median(bare):7.1f} req/s, "
                f"evalkit runner {statistics.median(runner):7.1f} req/s, ratio {ratio:.2f} "
                f"(target >= 0.9; {args.rounds} interleaved rounds, medians)"
            )
        seconds, asked = cached_rerun(folder)
        print(f"cached rerun of 10,000 responses: {seconds:.2f}s, {asked} requests")
        print("  (target: 0 requests, under 3 s)")
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
