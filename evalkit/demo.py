"""`evalkit demo`: the whole loop on the embedded models, as the commands a user would type.

The demo writes stratified slices of every prompt set, then runs the real commands in order
(run, raters, plan, score with the LLM judge, stats, gate, report), printing each one first, so
its output doubles as a tour of the CLI. Slice sizes are options; the defaults finish within
15 minutes on a 2-core CPU.
"""

from __future__ import annotations

import random
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from evalkit.errors import UserError
from evalkit.jsonio import write_records
from evalkit.paths import EXAMPLES_DIR, PROMPTS_DIR
from evalkit.records import CATEGORIES, Prompt
from evalkit.runner import load_prompts
from evalkit.yamlio import parse_yaml


@dataclass(frozen=True)
class DemoSizes:
    """How much of each prompt set the demo runs (per category / use case / area)."""

    bank_per_category: int = 1
    summaries_per_use_case: int = 2
    ifeval: int = 10
    adversarial_per_area: int = 3
    max_tokens: int = 128
    judge_limit: int | None = 8


# ---------------------------------------------------------------- stratified slices


def spread(
    prompts: Sequence[Prompt], n: int, key: Callable[[Prompt], str], seed: int
) -> list[Prompt]:
    """n prompts spread evenly over the values of `key` (round robin over shuffled strata)."""
    rng = random.Random(seed)
    strata: dict[str, list[Prompt]] = defaultdict(list)
    for prompt in prompts:
        strata[key(prompt)].append(prompt)
    for members in strata.values():
        rng.shuffle(members)
    order = sorted(strata)
    rng.shuffle(order)
    chosen: list[Prompt] = []
    while len(chosen) < n and any(strata.values()):
        for name in order:
            if strata[name] and len(chosen) < n:
                chosen.append(strata[name].pop())
    return chosen


# a bank prompt longer than this (about 500 tokens) is left to a full run: a CPU model takes
# half a minute or more to read a 10,000-character coding task before it writes a word
DEMO_MAX_PROMPT_CHARS = 2000


def bank_slice(n_per_category: int, seed: int) -> list[Prompt]:
    """Every category of the bank, its prompts spread over the three difficulties (prompts of
    at most `DEMO_MAX_PROMPT_CHARS`: 71 of the 1,395 are longer)."""
    bank = [
        p
        for p in load_prompts([PROMPTS_DIR / "bank"])
        if sum(len(m.content) for m in p.messages) <= DEMO_MAX_PROMPT_CHARS
    ]
    chosen: list[Prompt] = []
    for category in CATEGORIES:
        members = [p for p in bank if p.category == category]
        chosen += spread(members, n_per_category, lambda p: p.difficulty or "", seed)
    return chosen


def summarization_slice(n_per_use_case: int, seed: int) -> list[Prompt]:
    """Each use case, spread over its short and medium strata (content type x length x
    single/stacked). Long inputs (threads of 2,000+ tokens take minutes each on a CPU model)
    and the adversarial subsets (`<use_case>-adversarial.jsonl`) are left to a full run."""
    folder = PROMPTS_DIR / "summarization"
    chosen: list[Prompt] = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.stem.endswith("-adversarial"):
            continue
        samples = [p for p in load_prompts([path]) if p.length_bucket != "long"]
        chosen += spread(
            samples,
            n_per_use_case,
            lambda p: f"{p.content_type}|{p.length_bucket}|{p.stacked}",
            seed,
        )
    return chosen


def adversarial_slice(n_per_area: int, seed: int) -> list[Prompt]:
    """Each risk area, alternating prompts to refuse and benign ones (for over-refusal)."""
    prompts = load_prompts([PROMPTS_DIR / "adversarial"])
    chosen: list[Prompt] = []
    for area in sorted({p.risk_area for p in prompts if p.risk_area}):
        members = [p for p in prompts if p.risk_area == area]
        chosen += spread(members, n_per_area, lambda p: p.expected or "", seed)
    return chosen


def ifeval_slice(n: int, seed: int, data_dir: str | None) -> list[Prompt]:
    from evalkit.suites import load_public_suite

    prompts = load_public_suite("ifeval", data_dir)
    return random.Random(seed).sample(prompts, min(n, len(prompts)))


def write_slices(
    out: Path, sizes: DemoSizes, seed: int, data_dir: str | None
) -> dict[str, tuple[Path, int]]:
    """The demo's inputs, one JSONL per prompt set under RUN_DIR/inputs/: (path, prompts)."""
    slices = {
        "bank": bank_slice(sizes.bank_per_category, seed),
        "summarization": summarization_slice(sizes.summaries_per_use_case, seed),
        "ifeval": ifeval_slice(sizes.ifeval, seed, data_dir),
        "adversarial": adversarial_slice(sizes.adversarial_per_area, seed),
    }
    paths = {}
    for name, prompts in slices.items():
        if not prompts:
            raise UserError(f"demo: the {name} slice is empty (is prompts/{name} there?)")
        path = out / "inputs" / f"{name}.jsonl"
        paths[name] = (path, write_records(path, prompts))
    return paths


def demo_config(config_path: Path, out: Path, max_tokens: int) -> Path:
    """The project config with the demo's generation length (kept beside the run)."""
    raw = parse_yaml(config_path.read_text(encoding="utf-8"))
    for model in raw.get("models", []):
        model.setdefault("params", {})["max_tokens"] = max_tokens
    raw["root"] = str(config_path.resolve().parent)
    path = out / "evalkit.demo.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the loop


NO_DATA_OK = (0, 2)  # a statistic with no grades yet says so and the demo goes on


@dataclass
class Step:
    title: str
    args: list[str]
    ok_codes: tuple[int, ...] = (0,)
    rater: str | None = None  # a `raters add` step: kept as it is when a rerun finds the rater


def already_done(step: Step, out: Path) -> str | None:
    """Why a step is skipped on a rerun (the demo resumes), else None: a rater the store
    already has keeps its token (a new one: `evalkit raters reset-token`)."""
    if step.rater is None:
        return None
    from evalkit.store import open_run_store

    try:
        with open_run_store(out) as store:
            exists = store.rater(step.rater) is not None
    except UserError:  # no store yet
        return None
    if not exists:
        return None
    return (
        f"rater {step.rater} exists (from an earlier run): kept; a new token: "
        f"evalkit raters reset-token {step.rater} --run {out}"
    )


def demo_steps(
    out: Path,
    config: Path,
    inputs: dict[str, Path],
    candidate: str,
    baseline: str,
    judge: str,
    gates: Path,
    report: Path,
    sizes: DemoSizes,
) -> list[Step]:
    run = str(out)
    prompts_args = [arg for path in inputs.values() for arg in ("--prompts", str(path))]
    judge_limit = ["--judge-limit", str(sizes.judge_limit)] if sizes.judge_limit else []
    sxs = ["--candidate", candidate, "--baselines", baseline, "--raters", "2", "--gold", "1"]
    junit, markdown = str(report / "gates.junit.xml"), str(report / "gates.md")
    return [
        Step("Responses from both embedded models (resumable)",
             ["run", "-c", str(config), "-o", run, *prompts_args]),
        Step("A grade store, and raters for the grading app",
             ["store", "init", run]),
        Step("", ["raters", "add", "admin", "--role", "admin", "--token", "--run", run],
             rater="admin"),
        Step("", ["raters", "add", "rater1", "--token", "--run", run], rater="rater1"),
        Step("", ["raters", "add", "rater2", "--token", "--run", run], rater="rater2"),
        Step("Plan side-by-side grading (sides randomized, gold items for attention)",
             ["plan", "sxs", run, *sxs]),
        Step("Plan summarization grading", ["plan", "summarization", run, "--raters", "2"]),
        Step("Plan safety grading", ["plan", "safety", run, "--raters", "2"]),
        Step("Automatic grades: IFEval, refusals, summarization checks, LLM judge",
             ["score", run, "-c", str(config), "--judge", judge, *judge_limit]),
        Step("Statistics (so far the judge's grades, marked automatic)",
             ["stats", "sxs", run, "--candidate", candidate], ok_codes=NO_DATA_OK),
        Step("", ["stats", "violations", run], ok_codes=NO_DATA_OK),
        Step("", ["stats", "summarization", run], ok_codes=NO_DATA_OK),
        Step("", ["stats", "ifeval", run], ok_codes=NO_DATA_OK),
        Step("Release gates",
             ["gate", "--gates", str(gates), run, "--junit", junit, "--markdown", markdown],
             ok_codes=(0, 1, 2)),
        Step("Leadership report", ["report", run, "--out", str(report), "--gates", str(gates)]),
    ]  # fmt: skip


def run_demo(
    out: Path,
    config_path: Path,
    report: Path,
    gates: Path,
    sizes: DemoSizes,
    seed: int = 0,
    data_dir: str | None = None,
) -> int:
    """Run the whole loop; returns the gate's exit code (0 pass, 1 fail) for the caller."""
    from evalkit.cli import run_cli
    from evalkit.config import load_config

    started = time.perf_counter()
    config = load_config(config_path)
    candidate = next(
        (m.name for m in config.models if m.role == "candidate"), config.models[0].name
    )
    baseline = next((m.name for m in config.models if m.role == "baseline"), None)
    if baseline is None:
        raise UserError(f"{config_path}: the demo needs one candidate and one baseline model")
    judge = config.judge or candidate
    out.mkdir(parents=True, exist_ok=True)
    report.mkdir(parents=True, exist_ok=True)
    _say(f"evalkit demo: {candidate} (candidate) vs {baseline} (baseline), judge {judge}")
    slices = write_slices(out, sizes, seed, data_dir)
    counts = ", ".join(f"{name} {n}" for name, (_, n) in slices.items())
    _say(f"slices written to {out / 'inputs'}: {counts} prompts")
    inputs = {name: path for name, (path, _) in slices.items()}
    config_file = demo_config(config_path, out, sizes.max_tokens)
    gate_code = 0
    for step in demo_steps(
        out, config_file, inputs, candidate, baseline, judge, gates, report, sizes
    ):
        if step.title:
            _say(f"\n== {step.title}")
        _say("$ evalkit " + " ".join(shlex.quote(a) for a in step.args))
        skipped = already_done(step, out)
        if skipped:
            _say(skipped)
            continue
        code = run_cli(step.args)
        if code not in step.ok_codes:
            raise UserError(f"demo step failed (exit {code}): evalkit {' '.join(step.args)}")
        if step.args[0] == "gate":
            gate_code = code
    minutes = (time.perf_counter() - started) / 60
    _say(_closing(out, report, minutes, gate_code))
    return gate_code


def _closing(out: Path, report: Path, minutes: float, gate_code: int) -> str:
    verdict = "all gates passed" if gate_code == 0 else "some gates failed (see the verdicts above)"
    return (
        f"\n== Done in {minutes:.1f} min: {verdict}.\n"
        f"Report: {report / 'index.html'}  (also report.md, report.pdf)\n"
        f"Grades so far are the LLM judge's (marked automatic). Add human grades:\n"
        f"  evalkit app {out}        # then open http://127.0.0.1:8501 and sign in as rater1\n"
        f"  with the token printed above (new one: evalkit raters reset rater1 --run {out})\n"
        f"Then: evalkit stats sxs {out} --candidate NAME; evalkit report {out} --out {report}"
    )


def _say(text: str) -> None:
    print(text, file=sys.stdout, flush=True)


def default_gates() -> Path:
    """The project's gates file in the current folder (`gates.yaml`, as `evalkit init` writes
    it, or the repository's `examples/gates.yaml`), else the example evalkit ships."""
    for relative in (Path("gates.yaml"), Path("examples/gates.yaml")):
        if relative.is_file():
            return relative
    return EXAMPLES_DIR / "gates.yaml"
