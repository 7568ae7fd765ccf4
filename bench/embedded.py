"""The harness's cost on the embedded models: `run_prompts` on a slice of the demo's requests
against the same requests sent bare, one at a time, to each model's llama.cpp server started
alone with every core (the models' own generation time), measured in the same run.

Both sides start their servers (start-up and self-check included), use the demo's generation
settings (temperature 0, fixed seed, so both generate the same tokens), and alternate in ABBA
order so machine noise hits both alike. Prints the ratio harness / bare (target <= 1.15).

    .venv/bin/python bench/embedded.py [--per-set 2] [--max-tokens 64] [--rounds 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from evalkit.config import load_config
from evalkit.demo import adversarial_slice, bank_slice, summarization_slice
from evalkit.models.client import client_for
from evalkit.models.embedded import serving
from evalkit.records import ModelSpec, Prompt
from evalkit.runner import run_prompts

ROOT = Path(__file__).resolve().parent.parent


def demo_requests(per_set: int, seed: int = 0) -> list[Prompt]:
    """A slice of the demo's own inputs: bank, summarization and adversarial prompts."""
    bank = bank_slice(1, seed)[: 4 * per_set]
    return [*bank, *summarization_slice(per_set, seed), *adversarial_slice(per_set, seed)]


def bare(models: list[ModelSpec], prompts: list[Prompt]) -> tuple[float, float, int]:
    """(wall seconds, llama.cpp's own prompt+generation seconds, tokens generated): each model
    served alone, its requests sent one after another with no retry, cache or record."""
    started = time.perf_counter()
    own_ms, tokens = 0.0, 0
    for spec in models:
        with serving([spec], quiet=True) as served:
            client = client_for(served.specs[0])
            with httpx.Client(base_url=served.specs[0].base_url or "", timeout=600) as http:
                for prompt in prompts:
                    path, body = client.request_body(prompt.messages)
                    body = {k: v for k, v in body.items() if k != "stream_options"}
                    body["stream"] = False
                    reply = http.post(path, json=body).raise_for_status().json()
                    timings = reply.get("timings") or {}
                    own_ms += timings.get("prompt_ms", 0.0) + timings.get("predicted_ms", 0.0)
                    tokens += (reply.get("usage") or {}).get("completion_tokens", 0)
    return time.perf_counter() - started, own_ms / 1000, tokens


def harness(models: list[ModelSpec], prompts: list[Prompt], config) -> tuple[float, int]:
    """(wall seconds, tokens generated) for `run_prompts` into a fresh run folder."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        summary = run_prompts(config, prompts, models, Path(tmp) / "run", progress=False)
        wall = time.perf_counter() - started
        if summary.errors:
            sys.exit(f"bench: {summary.errors} requests failed in the harness run")
        from evalkit.runner import load_responses

        tokens = sum(r.usage.completion_tokens or 0 for r in load_responses(Path(tmp) / "run"))
    return wall, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "evalkit.yaml"))
    parser.add_argument("--per-set", type=int, default=2, help="prompts per use case / area")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1, help="ABBA rounds")
    args = parser.parse_args()
    config = load_config(args.config)
    models = [
        m.model_copy(update={"params": m.params.model_copy(update={"max_tokens": args.max_tokens})})
        for m in config.models
        if m.backend == "llamacpp" and not m.base_url
    ]
    if not models:
        sys.exit(f"bench: {args.config} has no embedded models")
    prompts = demo_requests(args.per_set)
    print(
        f"bench/embedded: {len(prompts)} prompts x {len(models)} models "
        f"({', '.join(m.name for m in models)}), max_tokens {args.max_tokens}",
        flush=True,
    )
    h_walls, b_walls, owns = [], [], []
    for _ in range(args.rounds):
        for side in ("harness", "bare", "bare", "harness"):
            if side == "harness":
                wall, h_tokens = harness(models, prompts, config)
                h_walls.append(wall)
            else:
                wall, own, b_tokens = bare(models, prompts)
                b_walls.append(wall)
                owns.append(own)
            print(f"  {side:8s} {wall:7.1f} s", flush=True)
    h, b, own = statistics.median(h_walls), statistics.median(b_walls), statistics.median(owns)
    print(f"tokens generated: harness {h_tokens}, bare {b_tokens}")
    print(f"bare wall (servers started alone, requests one by one): {b:.1f} s")
    print(f"  of which llama.cpp's own prompt + generation time:    {own:.1f} s")
    print(f"harness wall (evalkit run_prompts):                      {h:.1f} s")
    print(f"ratio harness / bare: {h / b:.3f}  (target <= 1.15)")
    print(f"ratio harness / llama.cpp own time: {h / own:.3f}  (start-up included)")


if __name__ == "__main__":
    main()
