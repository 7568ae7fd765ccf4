"""Synthetic grades with a known truth: for coverage tests, the benchmark and report tests.

Each generator draws from explicit probabilities with an explicit seed, so a test can check
that an estimate's interval covers the value the data was drawn from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.records import CATEGORIES
from evalkit.rubrics import SUMMARY_DIMENSIONS


def synthetic_sxs(
    pairs: Sequence[tuple[str, str]] = (("cand", "base"),),
    categories: Sequence[str] = CATEGORIES,
    prompts_per_category: int = 50,
    raters_per_item: int = 1,
    n_raters: int = 5,
    p_win: float = 0.45,
    p_tie: float = 0.2,
    samples: int = 1,
    seed: int = 0,
    grader: str = "human",
) -> pd.DataFrame:
    """sxs grades where each item's true outcome is win / tie / loss with the given odds.

    Raters agree on the direction (win → +1 or +2, tie → 0, loss → −1 or −2), so the item
    outcome under the mean rule is exactly the drawn outcome and the true win rate is `p_win`.
    """
    rng = np.random.default_rng(seed)
    probs = np.array([p_win, p_tie, 1 - p_win - p_tie])
    frames = []
    for a, b in pairs:
        for category in categories:
            n_items = prompts_per_category * samples
            outcome = rng.choice([1, 0, -1], size=n_items, p=probs)
            prompt = np.repeat(np.arange(prompts_per_category), samples)
            sample = np.tile(np.arange(samples), prompts_per_category)
            item_ids = np.char.add(f"{a}|{b}|{category}|", (prompt * 1000 + sample).astype(str))
            prompt_ids = np.char.add(f"{category}-", prompt.astype(str))
            n = n_items * raters_per_item
            strength = rng.integers(1, 3, size=n)
            rater = rng.choice(n_raters, size=n) if grader == "human" else np.zeros(n, dtype=int)
            prefix = "r" if grader == "human" else "judge:m"
            frames.append(
                pd.DataFrame(
                    {
                        "item_id": np.repeat(item_ids, raters_per_item),
                        "prompt_id": np.repeat(prompt_ids, raters_per_item),
                        "category": category,
                        "rater_id": np.char.add(prefix, rater.astype(str)),
                        "model_a": a,
                        "model_b": b,
                        "score": np.repeat(outcome, raters_per_item) * strength,
                        "grader": grader,
                        "is_gold": False,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def synthetic_safety(
    models: Sequence[str] = ("cand", "base"),
    areas: Sequence[str] = ("harmful_content", "sensitive_topics", "factuality"),
    items_per_area: int = 100,
    p_violation: float | dict[str, float] = 0.1,
    p_refuse_benign: float = 0.15,
    benign_share: float = 0.2,
    raters_per_item: int = 1,
    seed: int = 0,
) -> pd.DataFrame:
    """Safety grades: `p_violation` (per model, or one value) on every area."""
    rng = np.random.default_rng(seed)
    rows = []
    for model in models:
        p = p_violation[model] if isinstance(p_violation, dict) else p_violation
        for area in areas:
            for i in range(items_per_area):
                benign = rng.random() < benign_share
                violation = bool(rng.random() < p)
                refused = bool(rng.random() < (p_refuse_benign if benign else 0.8))
                for r in range(raters_per_item):
                    rows.append(
                        {
                            "item_id": f"{model}|{area}|{i}",
                            "prompt_id": f"{area}-{i}",
                            "model": model,
                            "area": area,
                            "subcategory": "general",
                            "expected": "comply" if benign else "refuse",
                            "rater_id": f"r{r}",
                            "grader": "human",
                            "violation": violation,
                            "violation_category": f"{area}/general" if violation else None,
                            "refused": refused,
                        }
                    )
    frame = pd.DataFrame(rows)
    frame["refused"] = frame["refused"].astype("boolean")
    return frame


def synthetic_summarization(
    models: Sequence[str] = ("cand", "base"),
    use_cases: Sequence[str] = ("email", "message", "notification"),
    items_per_use_case: int = 100,
    p_poor_dimension: float = 0.04,
    p_neutral_dimension: float = 0.1,
    raters_per_item: int = 1,
    seed: int = 0,
) -> pd.DataFrame:
    """Summarization grades with independent per-dimension ratings."""
    rng = np.random.default_rng(seed)
    probs = [1 - p_poor_dimension - p_neutral_dimension, p_neutral_dimension, p_poor_dimension]
    rows = []
    for model in models:
        for use_case in use_cases:
            for i in range(items_per_use_case):
                for r in range(raters_per_item):
                    ratings = rng.choice(["good", "neutral", "poor"], size=5, p=probs)
                    rows.append(
                        {
                            "item_id": f"{model}|{use_case}|{i}",
                            "prompt_id": f"{use_case}-{i}",
                            "model": model,
                            "use_case": use_case,
                            "content_type": "thread",
                            "length_bucket": "short",
                            "stacked": bool(i % 2),
                            "rater_id": f"r{r}",
                            "grader": "human",
                            **dict(zip(SUMMARY_DIMENSIONS, ratings, strict=True)),
                        }
                    )
    return pd.DataFrame(rows)


def synthetic_ifeval(
    models: Sequence[str] = ("cand", "base"),
    n_prompts: int = 200,
    p_follow: float | dict[str, float] = 0.7,
    seed: int = 0,
) -> pd.DataFrame:
    """IFEval rows: each prompt has 1–3 instructions, each followed with `p_follow`."""
    rng = np.random.default_rng(seed)
    rows = []
    for model in models:
        p = p_follow[model] if isinstance(p_follow, dict) else p_follow
        for i in range(n_prompts):
            total = int(rng.integers(1, 4))
            strict = rng.random(total) < p
            loose = strict | (rng.random(total) < 0.3)
            rows.append(
                {
                    "run_id": "synthetic",
                    "prompt_id": f"ifeval-{i}",
                    "model": model,
                    "sample": 0,
                    "prompt_strict": bool(strict.all()),
                    "prompt_loose": bool(loose.all()),
                    "inst_strict_pass": int(strict.sum()),
                    "inst_loose_pass": int(loose.sum()),
                    "inst_total": total,
                }
            )
    return pd.DataFrame(rows)


def synthetic_responses(
    models: Sequence[str] = ("cand", "base"),
    n_prompts: int = 100,
    latency_s: dict[str, float] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Responses with log-normal latency and a tokens/s that depends on the model."""
    rng = np.random.default_rng(seed)
    rows = []
    for j, model in enumerate(models):
        median = (latency_s or {}).get(model, 1.0 + j)
        for i in range(n_prompts):
            latency = float(median * np.exp(rng.normal(0, 0.3)))
            tokens = int(rng.integers(20, 200))
            rows.append(
                {
                    "prompt_id": f"p{i}",
                    "model": model,
                    "sample": 0,
                    "ok": bool(rng.random() > 0.01),
                    "latency_s": latency,
                    "ttft_s": latency / 10,
                    "tokens_per_s": tokens / latency,
                    "completion_tokens": tokens,
                    "text": f"response {i} of {model}",
                    "prompt_text": f"prompt {i}",
                }
            )
    return pd.DataFrame(rows)


XSS_PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2">'


def write_synthetic_run(
    run_dir: str | os.PathLike[str],
    candidate: str = "smollm2-135m",
    baseline: str = "gemma3-270m",
    categories: Sequence[str] = ("coding", "writing", "open_qa"),
    prompts_per_category: int = 40,
    p_win: float = 0.5,
    p_tie: float = 0.2,
    p_violation: dict[str, float] | None = None,
    p_follow: dict[str, float] | None = None,
    judge: bool = True,
    payload: str | None = None,
    seed: int = 0,
) -> Path:
    """A complete run folder with a grade store, for tests of stats, gates and the report.

    Writes manifest.json, prompts.jsonl, responses.jsonl (latency, tokens/s; `payload` inside
    some response texts), scores.jsonl (IFEval and auto:refusal) and grades.sqlite (side-by-side
    grades by two humans and, with `judge`, an automatic judge; gold items; safety and
    summarization grades), through the real record types and the real grade store.
    """
    from evalkit.jsonio import write_records
    from evalkit.records import Grade, Item, Message, Prompt, Response, Score, Usage
    from evalkit.store import GradeStore

    rng = np.random.default_rng(seed)
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    run_id = run.name
    models = (candidate, baseline)
    p_violation = p_violation or {candidate: 0.06, baseline: 0.12}
    p_follow = p_follow or {candidate: 0.75, baseline: 0.6}
    manifest = {
        "run_id": run_id,
        "models": {
            candidate: {"name": candidate, "role": "candidate", "tier": "device"},
            baseline: {"name": baseline, "role": "baseline", "tier": "device"},
        },
    }
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2))

    prompts: list[Prompt] = []
    responses: list[Response] = []
    scores: list[Score] = []
    items: list[Item] = []
    grades: list[Grade] = []

    def respond(prompt: Prompt, text: str) -> dict[str, str]:
        texts = {}
        for j, model in enumerate(models):
            latency = float((0.6 + 0.5 * j) * np.exp(rng.normal(0, 0.25)))
            tokens = int(rng.integers(30, 160))
            body = f"{text} — answer of model {j}"
            if payload and len(responses) % 7 == 0:
                body += " " + payload
            texts[model] = body
            responses.append(
                Response(
                    run_id=run_id,
                    prompt_id=prompt.id,
                    model=model,
                    text=body,
                    finish_reason="stop",
                    usage=Usage(
                        prompt_tokens=20, completion_tokens=tokens, total_tokens=tokens + 20
                    ),
                    latency_s=latency,
                    ttft_s=latency / 8,
                    tokens_per_s=tokens / latency,
                )
            )
        return texts

    # side by side
    outcomes = [1, 0, -1]
    for category in categories:
        for i in range(prompts_per_category):
            prompt = Prompt(
                id=f"{category}-{i:03d}",
                messages=[Message(role="user", content=f"Please help with {category} task {i}.")],
                category=category,
                difficulty="medium",
            )
            prompts.append(prompt)
            texts = respond(prompt, f"Reply to {category} {i}")
            a_left = bool(rng.random() < 0.5)
            left, right = (candidate, baseline) if a_left else (baseline, candidate)
            item = Item(
                id=f"sxs-{prompt.id}",
                kind="sxs",
                run_id=run_id,
                prompt_id=prompt.id,
                category=category,
                prompt_text=prompt.user_text,
                left_text=texts[left],
                right_text=texts[right],
                model_left=left,
                model_right=right,
                rubric="side_by_side",
                metadata={"model_a": candidate},
            )
            items.append(item)
            truth = int(rng.choice(outcomes, p=[p_win, p_tie, 1 - p_win - p_tie]))
            raters = ["alice", "bob"] + (["judge:gemma3-270m"] if judge else [])
            for rater in raters:
                noisy = truth if rng.random() < 0.85 else int(rng.choice(outcomes))
                score = noisy * int(rng.integers(1, 3))  # model terms: + = candidate better
                choice = -score if a_left else score  # display terms: − = left better
                auto = rater.startswith("judge:")
                grades.append(
                    Grade(
                        item_id=item.id,
                        rater_id=rater,
                        grader="auto" if auto else "human",
                        choice=choice,
                        seconds=None if auto else float(rng.integers(20, 90)),
                    )
                )
    # gold items: the better response is the candidate's by construction (model_a)
    for i in range(6):
        item = Item(
            id=f"gold-{i}",
            kind="sxs",
            run_id=run_id,
            prompt_id=f"gold-prompt-{i}",
            category="writing",
            prompt_text="Write one sentence about the sea.",
            left_text="The sea is wide and calm at dawn.",
            right_text="sea sea sea",
            model_left=candidate,
            model_right=baseline,
            rubric="side_by_side",
            is_gold=True,
            gold_answer={"choice": -2},
            metadata={"model_a": candidate},
        )
        items.append(item)
        grades.append(Grade(item_id=item.id, rater_id="alice", choice=-2))
        grades.append(Grade(item_id=item.id, rater_id="bob", choice=-1 if i else 1))

    # safety: adversarial and benign prompts, one human and the judge
    areas = ("harmful_content", "sensitive_topics", "factuality")
    for area in areas:
        for i in range(30):
            benign = i % 5 == 0
            prompt = Prompt(
                id=f"safety-{area}-{i:03d}",
                suite="safety",
                messages=[Message(role="user", content=f"Adversarial request {i} about {area}.")],
                category="safety",
                risk_area=area,
                expected="comply" if benign else "refuse",
            )
            prompts.append(prompt)
            texts = respond(prompt, f"Safety reply {area} {i}")
            for model in models:
                violation = bool(rng.random() < p_violation[model]) and not benign
                refused = bool(rng.random() < (0.2 if benign else 0.8))
                item = Item(
                    id=f"safety-{model}-{prompt.id}",
                    kind="safety",
                    run_id=run_id,
                    prompt_id=prompt.id,
                    category="safety",
                    prompt_text=prompt.user_text,
                    response_text=texts[model],
                    model=model,
                    rubric="safety",
                    metadata={"area": area, "subcategory": "general", "expected": prompt.expected},
                )
                items.append(item)
                grades.append(
                    Grade(item_id=item.id, rater_id="carol", violation=violation, refused=refused)
                )
                scores.append(
                    Score(
                        run_id=run_id,
                        prompt_id=prompt.id,
                        model=model,
                        scorer="auto:refusal",
                        metric="refused",
                        value=float(refused),
                        details={
                            "risk_area": area,
                            "subcategory": "general",
                            "expected": prompt.expected,
                        },
                    )
                )

    # summarization: per model and use case, one human
    for use_case in ("email", "message", "notification"):
        for i in range(30):
            prompt = Prompt(
                id=f"summ-{use_case}-{i:03d}",
                suite="summarization",
                messages=[Message(role="user", content=f"Summarize this {use_case} {i}.")],
                category="summarization",
                use_case=use_case,
            )
            prompts.append(prompt)
            texts = respond(prompt, f"Summary of {use_case} {i}")
            for model in models:
                p_poor = 0.03 if model == candidate else 0.06
                ratings = rng.choice(
                    ["good", "neutral", "poor"], size=5, p=[0.9 - p_poor, 0.1, p_poor]
                )
                item = Item(
                    id=f"summ-{model}-{prompt.id}",
                    kind="summarization",
                    run_id=run_id,
                    prompt_id=prompt.id,
                    category="summarization",
                    prompt_text=prompt.user_text,
                    response_text=texts[model],
                    model=model,
                    source_text="A source document.",
                    rubric="summarization",
                    metadata={
                        "use_case": use_case,
                        "content_type": "thread",
                        "length_bucket": "short",
                        "stacked": False,
                    },
                )
                items.append(item)
                grades.append(
                    Grade(
                        item_id=item.id,
                        rater_id="dave",
                        dimensions=dict(
                            zip(SUMMARY_DIMENSIONS, (str(r) for r in ratings), strict=True)
                        ),
                    )
                )

    # IFEval scores
    for i in range(60):
        prompt = Prompt(
            id=f"ifeval-{i:03d}",
            suite="ifeval",
            messages=[Message(role="user", content=f"Write {i} words, no commas.")],
            instruction_id_list=["punctuation:no_comma"],
            kwargs=[{}],
        )
        prompts.append(prompt)
        respond(prompt, f"IFEval reply {i}")
        for model in models:
            total = int(rng.integers(1, 4))
            strict = [bool(rng.random() < p_follow[model]) for _ in range(total)]
            loose = [s or bool(rng.random() < 0.3) for s in strict]
            scores.append(
                Score(
                    run_id=run_id,
                    prompt_id=prompt.id,
                    model=model,
                    scorer="ifeval",
                    metric="ifeval",
                    value=float(all(strict)),
                    details={
                        "prompt_level_strict": all(strict),
                        "prompt_level_loose": all(loose),
                        "inst_level_strict": strict,
                        "inst_level_loose": loose,
                        "instruction_id_list": ["punctuation:no_comma"] * total,
                    },
                )
            )

    write_records(run / "prompts.jsonl", prompts)
    write_records(run / "responses.jsonl", responses)
    write_records(run / "scores.jsonl", scores)
    store = GradeStore(str(run / "grades.sqlite"))
    try:
        store.add_items(items)
        for grade in grades:
            store.save_grade(grade)
    finally:
        store.close()
    return run
