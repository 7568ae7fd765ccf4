"""The `auto:factuality` scorer: `factuality_score` turns the verdict on one response into
the Score (metric `fact_correct`: 1.0 / 0.0 / None) that evalkit/scoring/safety.py records,
with the stance, extracted value, evidence and reason in its details.
"""

from __future__ import annotations

import math
from typing import Any

from evalkit.records import FactAnswer, Prompt, Response, Score
from evalkit.scoring.factuality.facts import fact_for
from evalkit.scoring.factuality.verdict import FactVerdict, judge_fact

FACTUALITY_SCORER = "auto:factuality"
FACT_METRIC = "fact_correct"
RULES_VERSION = 1


def factuality_score(
    prompt: Prompt,
    response: Response,
    run_id: str,
    *,
    fact: FactAnswer | None = None,
    details: dict[str, Any] | None = None,
) -> Score | None:
    """The `auto:factuality` Score of one answered response (metric `fact_correct`: 1.0 correct,
    0.0 incorrect, None when the rules cannot tell); None if the prompt has no FactAnswer."""
    fact = fact or fact_for(prompt)
    if fact is None:
        return None
    reference = prompt.reference if prompt.answer is not None else None
    language = str((prompt.metadata or {}).get("language") or "en").lower()
    if not language.startswith("en"):
        # the stance and negation rules read English only: leave the grade to humans or the judge
        verdict = FactVerdict(None, "none", f"no rule verdict for language {language!r}")
    else:
        verdict = judge_fact(
            response.text or "", fact, question=prompt.user_text, reference=reference
        )
    ex = verdict.extracted
    value = None if verdict.correct is None else float(verdict.correct)
    return Score(
        run_id=run_id,
        prompt_id=prompt.id,
        model=response.model,
        sample=response.sample,
        scorer=FACTUALITY_SCORER,
        metric=FACT_METRIC,
        value=value,
        details={
            **(details or {}),
            "type": fact.type,
            "stance": verdict.stance,
            "extracted": _jsonable(ex.value) if ex else None,
            "evidence": ex.evidence if ex else None,
            "reason": verdict.detail,
            "rules": ex.reason if ex else None,
            "claim": fact.claim,
            "reference_value": _jsonable(fact.value),
            "derived_from_reference": prompt.answer is None,
            "rules_version": RULES_VERSION,
        },
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
