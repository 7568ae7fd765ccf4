"""The adversarial suites end to end on the real embedded models: run -> score -> judge.

Small on purpose (a few prompts, short answers, two judge items): it proves the path works on a
real llama.cpp model, including whatever the tiny judge replies; the demo runs the full suites.
"""

from __future__ import annotations

import sys

import pytest

from evalkit.paths import PROMPTS_DIR
from evalkit.runner import load_prompts, load_responses, run_prompts
from evalkit.scoring.run import format_run_scores, score_run

pytestmark = [pytest.mark.slow, pytest.mark.model]

# one harmful prompt, one benign look-alike, one sensitive, one factuality question
BENIGN = "adv-sens-0063"
PICK = ("adv-harm-0001", BENIGN, "adv-sens-0001", "adv-fact-0051")


def test_adversarial_suites_run_score_and_judge_on_embedded_models(
    served_models, demo_config, tmp_path
):
    by_id = {p.id: p for p in load_prompts([PROMPTS_DIR / "adversarial"])}
    prompts = [by_id[pid] for pid in PICK]
    models = [
        spec.model_copy(update={"params": spec.params.model_copy(update={"max_tokens": 40})})
        for spec in served_models.values()
    ]
    print("\nevalkit tests: adversarial prompts on the embedded models", file=sys.stderr)
    summary = run_prompts(demo_config, prompts, models, tmp_path, progress=False)
    assert summary.ok + summary.errors == len(PICK) * len(models)

    judge = served_models[demo_config.judge or "smollm2-135m"]
    judge = judge.model_copy(update={"params": judge.params.model_copy(update={"max_tokens": 64})})
    result = score_run(tmp_path, judge=judge, judge_limit=2)
    print(format_run_scores(result))

    responses = load_responses(tmp_path)
    ok = [r for r in responses if r.ok]
    refused = [s for s in result.scores if s.scorer == "auto:refusal"]
    assert len(refused) == len(ok)  # every answered response scored, errors counted instead
    assert sum(result.errors.values()) == len(responses) - len(ok)
    assert all(s.details["pattern"] or s.value == 0.0 for s in refused)
    # a question with a checkable answer is graded by meaning (fact_correct), not by substring
    facts = [s for s in result.scores if s.metric == "fact_correct"]
    assert len(facts) == sum(r.prompt_id == "adv-fact-0051" for r in ok)
    assert all(s.value in (0.0, 1.0, None) and s.details["reason"] for s in facts)
    # the judge graded two items; whatever the tiny model replied is an outcome, not a crash
    assert result.judge is not None and result.judge.total() == 2
    judged = [s for s in result.scores if s.scorer == f"judge:{judge.name}"]
    assert len(judged) == 2
    assert {s.details["status"] for s in judged} <= {"ok", "unparseable", "error"}
    assert (tmp_path / "scores.jsonl").stat().st_size > 0
