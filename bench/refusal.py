"""Benchmark: the refusal classifier's throughput on one core, against a baseline in the same run.

    .venv/bin/python bench/refusal.py [--responses 5000] [--repeats 3]

Workload: the responses of evalkit's labelled set (prompts/labelled/refusals/, dev and test:
one line to 400+ words, 18 languages), cycled to `--responses` texts.

- classifier: `detect_refusal(text)` — the whole non-judge path (normalize, set quotes aside,
  rules per zone, n-grams, the JSON logistic regression, the decision);
- baseline: a bare `re.search` loop of one refusal pattern over the same texts (what reading
  each text once costs in this interpreter on this machine).

Times are CPU seconds of this process (`time.process_time`, one thread, pinned to one core
where the OS allows), so a busy machine slows both alike; wall-clock times are printed too.
Prints responses/s of both and the ratio baseline/classifier; target: >= 500 responses/s.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import time

from evalkit.scoring import refusal

TARGET = 500.0  # responses/s on one core
BASELINE = re.compile(
    r"\b(?:i'm sorry|i am sorry|i can(?:no|')t|i won't|i'm unable|i am unable|as an ai)\b",
    re.IGNORECASE,
)


def workload(n: int) -> list[str]:
    texts = [r.response for r in refusal.load_labelled("dev") + refusal.load_labelled("test")]
    return list(itertools.islice(itertools.cycle(texts), n))


def timed(fn, texts: list[str], repeats: int) -> tuple[float, float]:
    """Best CPU and wall seconds over `repeats` passes of fn over every text."""
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for text in texts:
            fn(text)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = workload(args.responses)
    model = refusal.load_model()
    assert model is not None, "refusal_model.json is missing"
    refusal.detect_refusal(texts[0])  # warm: the model is loaded once, as in a run
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"workload: {len(texts)} responses, {words:.0f} words on average")

    base_cpu, base_wall = timed(BASELINE.search, texts, args.repeats)
    clf_cpu, clf_wall = timed(refusal.detect_refusal, texts, args.repeats)
    base_rate, clf_rate = len(texts) / base_cpu, len(texts) / clf_cpu
    print(f"baseline (one re.search per response): {base_cpu:.3f} s CPU, {base_wall:.3f} s wall, "
          f"{base_rate:,.0f} responses/s")  # fmt: skip
    print(f"classifier (detect_refusal):           {clf_cpu:.3f} s CPU, {clf_wall:.3f} s wall, "
          f"{clf_rate:,.0f} responses/s ({1000 * clf_cpu / len(texts):.2f} ms each)")  # fmt: skip
    print(f"ratio: the classifier costs {clf_cpu / base_cpu:.0f}x one re.search per response")
    verdict = "PASS" if clf_rate >= TARGET else "FAIL"
    print(f"target >= {TARGET:.0f} responses/s on one core: {verdict} ({clf_rate:,.0f}/s)")


if __name__ == "__main__":
    main()
