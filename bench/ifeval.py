"""IFEval scoring throughput: evalkit's scorer against a plain loop over lm-eval's
`process_results`, both on the same 541 prompts x N synthetic responses, in the same run.

The responses are built from each prompt's text (different per sample, so no pair repeats and
evalkit's de-duplication gains nothing); both sides check exactly the same responses with the
same lm-eval code. evalkit's serial gain comes from remembering seeded langdetect answers per
text (lm-eval asks about the same text up to nine times per instruction), cleared before every
timed evalkit run; the pool's gain depends on free cores. Rounds are interleaved, alternating
order, so machine noise hits all alike. Prints responses/s and the ratio (target >= 1.0).

    .venv/bin/python bench/ifeval.py [--samples 4] [--rounds 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from evalkit.records import Prompt
from evalkit.suites.ifeval import ifeval_doc, load_ifeval, score_responses
from evalkit.suites.ifeval_checker import _detect, checker, lm_eval_as_shipped


def synthetic(prompt: Prompt, sample: int) -> str:
    """A response made from the prompt: varied case, line and length so many checks run."""
    text = prompt.user_text
    forms = [
        text,
        text.lower(),
        text.upper(),
        "\n\n".join(text.split(". ")),
        f'"{text}"',
        "* " + "\n* ".join(text.split(", ")),
    ]
    return f"{forms[sample % len(forms)]} ({sample})"


def baseline(docs: list[dict], responses: list[str]) -> list[dict]:
    """What a team would write: lm-eval's process_results as shipped, one response at a time."""
    with lm_eval_as_shipped() as utils:
        return [
            utils.process_results(doc, [text]) for doc, text in zip(docs, responses, strict=True)
        ]


def cold(run):
    """evalkit from a cold langdetect memo, so no round profits from an earlier one."""

    def wrapped():
        _detect.cache_clear()
        return run()

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="IFEval input_data.jsonl")
    parser.add_argument("--samples", type=int, default=4, help="responses per prompt")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    prompts = load_ifeval(args.data)
    items = [(p, synthetic(p, s)) for s in range(args.samples) for p in prompts]
    item_prompts = [p for p, _ in items]
    responses = [r for _, r in items]
    docs = [ifeval_doc(p) for p in item_prompts]
    checker()  # import lm-eval (and warm langdetect) outside the timed part
    baseline(docs[:20], responses[:20])
    n = len(items)
    print(f"IFEval scoring: {len(prompts)} prompts x {args.samples} = {n} responses,")
    print(f"{args.rounds} interleaved rounds (order alternating), {os.cpu_count()} CPUs visible")

    timings: dict[str, list[float]] = {"baseline": [], "evalkit": [], "evalkit_pool": []}
    runs = {
        "baseline": lambda: baseline(docs, responses),
        "evalkit": cold(lambda: score_responses(item_prompts, responses, workers=1)),
        "evalkit_pool": cold(
            lambda: score_responses(item_prompts, responses, workers=args.workers)
        ),
    }
    outputs: dict[str, list] = {}
    for round_number in range(args.rounds):
        order = list(runs) if round_number % 2 == 0 else list(reversed(runs))
        for name in order:
            start = time.perf_counter()
            outputs[name] = runs[name]()
            timings[name].append(time.perf_counter() - start)
    assert outputs["evalkit_pool"] == outputs["evalkit"]
    # the same verdicts as lm-eval's loop, except where lm-eval draws a random letter (evalkit
    # seeds that draw; the plain loop does not)
    differ = {
        prompt.id
        for prompt, r, ref in zip(
            item_prompts, outputs["evalkit"], outputs["baseline"], strict=True
        )
        if r.inst_level_loose != ref["inst_level_loose_acc"]
        or r.inst_level_strict != ref["inst_level_strict_acc"]
    }
    assert differ <= {"ifeval-1122", "ifeval-1129"}, differ

    base = statistics.median(timings["baseline"])
    print(f"  verdicts differ only on lm-eval's random-letter prompts: {sorted(differ)}")
    print(f"  baseline (process_results loop): {n / base:8.0f} responses/s")
    for name, label in (("evalkit", "evalkit, 1 process"), ("evalkit_pool", "evalkit, pool")):
        median = statistics.median(timings[name])
        workers = 1 if name == "evalkit" else args.workers
        print(
            f"  {label:<31}  {n / median:8.0f} responses/s  ratio {base / median:.2f}x"
            f"  ({workers} worker{'s' if workers > 1 else ''})"
        )


if __name__ == "__main__":
    main()
