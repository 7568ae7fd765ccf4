"""Bench: grade-write and next-item latency of the grade store with many raters at once.

Each rater loops `next_item` -> `save_grade` until its queue is empty, as the app does. The
baseline is one rater alone on the same kind of store, measured in the same run; the report is
p50/p95 of each call, grades per second, and the ratio of the concurrent figures to the baseline.

    .venv/bin/python bench/store.py                      # 20 raters (threads), SQLite
    .venv/bin/python bench/store.py --mode processes     # each rater its own process
    .venv/bin/python bench/store.py --think-ms 50        # raters who read before grading
    .venv/bin/python bench/store.py --db postgresql://u:p@127.0.0.1:5432/bench --raters 50
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evalkit.records import Grade, Item  # noqa: E402
from evalkit.store import GradeStore, safe_url  # noqa: E402


def make_items(n: int) -> list[Item]:
    text = "A response of typical length. " * 20
    return [
        Item(
            id=f"bench-{i:05d}",
            kind="sxs",
            run_id="bench",
            prompt_id=f"p{i:05d}",
            category="writing",
            prompt_text="Write a short note. " * 5,
            left_text=text,
            right_text=text[::-1],
            model_left="a",
            model_right="b",
            rubric="side_by_side",
            metadata={"model_a": "a"},
        )
        for i in range(n)
    ]


def prepare(url: str, raters: list[str], n_items: int) -> None:
    with GradeStore(url) as store:
        store.add_items(make_items(n_items))
        for rater in raters:
            store.add_rater(rater)
        store.assign_many([(f"bench-{i:05d}", r) for i in range(n_items) for r in raters])


THINK_S = 0.0  # a rater's reading time between two items (--think-ms)


def rater_loop(store: GradeStore, rater: str) -> tuple[list[float], list[float]]:
    """(next_item seconds, save_grade seconds) of one rater grading its whole queue."""
    nexts: list[float] = []
    saves: list[float] = []
    while True:
        t0 = time.perf_counter()
        item = store.next_item(rater)
        t1 = time.perf_counter()
        nexts.append(t1 - t0)
        if item is None:
            return nexts, saves
        if THINK_S:
            time.sleep(THINK_S)
        t1 = time.perf_counter()
        store.save_grade(Grade(item_id=item.id, rater_id=rater, choice=1, seconds=5.0))
        saves.append(time.perf_counter() - t1)


def _process_rater(url: str, rater: str, start, out) -> None:  # noqa: ANN001
    start.wait()
    with GradeStore(url) as store:
        out.put(rater_loop(store, rater))


def run(url: str, n_raters: int, n_items: int, mode: str) -> dict[str, float]:
    raters = [f"rater{i:02d}" for i in range(n_raters)]
    prepare(url, raters, n_items)
    nexts: list[float] = []
    saves: list[float] = []
    started = time.perf_counter()
    if mode == "threads" or n_raters == 1:
        with GradeStore(url) as store:
            barrier = threading.Barrier(n_raters)
            lock = threading.Lock()

            def body(rater: str) -> None:
                barrier.wait()
                n, s = rater_loop(store, rater)
                with lock:
                    nexts.extend(n)
                    saves.extend(s)

            threads = [threading.Thread(target=body, args=(r,)) for r in raters]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    else:
        context = multiprocessing.get_context("fork")
        start, out = context.Event(), context.Queue()
        procs = [context.Process(target=_process_rater, args=(url, r, start, out)) for r in raters]
        for proc in procs:
            proc.start()
        started = time.perf_counter()
        start.set()
        for _ in procs:
            n, s = out.get()
            nexts.extend(n)
            saves.extend(s)
        for proc in procs:
            proc.join()
    elapsed = time.perf_counter() - started
    with GradeStore(url) as store:
        grades = len(store.current_grades())
    if grades != n_raters * n_items:
        raise SystemExit(f"LOST GRADES: {grades} stored, {n_raters * n_items} expected")
    return {
        "next_p50": _pct(nexts, 50),
        "next_p95": _pct(nexts, 95),
        "save_p50": _pct(saves, 50),
        "save_p95": _pct(saves, 95),
        "grades_per_s": grades / elapsed,
        "grades": grades,
    }


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _fresh_url(base: str | None, tmp: Path, name: str) -> str:
    if base is None:
        return str(tmp / f"{name}.sqlite")
    if base.startswith("sqlite") or "://" not in base:
        return base.replace(".sqlite", f"-{name}.sqlite")
    return base  # PostgreSQL: use an empty database per run (the baseline adds its own raters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=20)
    parser.add_argument("--items", type=int, default=50, help="items in each rater's queue")
    parser.add_argument("--mode", choices=["threads", "processes"], default="threads")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause per item (reading)")
    parser.add_argument("--db", help="store URL (default: fresh SQLite files in a temp folder)")
    args = parser.parse_args()
    global THINK_S
    THINK_S = args.think_ms / 1000
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        base_url = _fresh_url(args.db, Path(tmp), "baseline")
        print(f"store: {safe_url(base_url) if '://' in base_url else 'SQLite ' + base_url}")
        baseline = run(base_url, 1, args.items * 2, "threads")
        loaded = run(_fresh_url(args.db, Path(tmp), "loaded"), args.raters, args.items, args.mode)
    print(
        f"{'':<28}{'next_item p50':>14}{'p95':>9}{'save_grade p50':>16}{'p95':>9}{'grades/s':>10}"
    )
    for name, r in (
        ("1 rater (baseline)", baseline),
        (f"{args.raters} raters ({args.mode})", loaded),
    ):
        print(
            f"{name:<28}{r['next_p50']:>11.2f} ms{r['next_p95']:>6.2f} ms"
            f"{r['save_p50']:>13.2f} ms{r['save_p95']:>6.2f} ms{r['grades_per_s']:>10.0f}"
        )
    print(
        f"ratio {args.raters} raters / 1 rater: "
        f"next_item p95 x{loaded['next_p95'] / baseline['next_p95']:.1f}, "
        f"save_grade p95 x{loaded['save_p95'] / baseline['save_p95']:.1f}, "
        f"throughput x{loaded['grades_per_s'] / baseline['grades_per_s']:.2f}; "
        f"{loaded['grades']} grades, none lost"
    )


if __name__ == "__main__":
    main()
