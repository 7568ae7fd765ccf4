"""A complete synthetic run folder (prompts, responses, scores, a real grade store with
human, judge and gold grades) for tests of the statistics, gates and the report, drawn with
explicit probabilities and an explicit seed. Statistical coverage simulations live in
`evalkit.testing.simulate`."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

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
    from evalkit.rubrics import RATINGS, load_rubric
    from evalkit.store import GradeStore

    dimensions = [d.id for d in load_rubric("summarization").dimensions]
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
            gold_answer={"better": "left", "correct": [-2, -1]},
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
                # by index into RATINGS: the same draws as choosing from the names themselves
                ratings = [
                    RATINGS[k]
                    for k in rng.choice(
                        len(RATINGS), size=len(dimensions), p=[0.9 - p_poor, 0.1, p_poor]
                    )
                ]
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
                        dimensions=dict(zip(dimensions, ratings, strict=True)),
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
