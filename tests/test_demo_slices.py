"""The demo's slices (evalkit/demo.py): small, spread over the strata, quick on a CPU model."""

from __future__ import annotations

from evalkit.demo import (
    DEMO_MAX_PROMPT_CHARS,
    adversarial_slice,
    bank_slice,
    summarization_slice,
)
from evalkit.records import CATEGORIES


def test_the_summarization_slice_skips_long_inputs_and_the_adversarial_subsets() -> None:
    chosen = summarization_slice(3, seed=0)
    assert sorted({p.use_case for p in chosen}) == ["email", "message", "notification"]
    assert len(chosen) == 9
    assert all(p.length_bucket in ("short", "medium") for p in chosen)
    assert not any(p.id.startswith("sumadv-") for p in chosen)
    assert summarization_slice(3, seed=0) == chosen  # deterministic for a seed


def test_the_bank_and_adversarial_slices_cover_every_category_and_area() -> None:
    bank = bank_slice(1, seed=0)
    assert sorted({p.category for p in bank}) == sorted(CATEGORIES)
    for seed in range(5):  # no long reading task (half a minute each on a CPU model)
        for prompt in bank_slice(3, seed=seed):
            assert sum(len(m.content) for m in prompt.messages) <= DEMO_MAX_PROMPT_CHARS
    adversarial = adversarial_slice(2, seed=0)
    assert {p.risk_area for p in adversarial} == {
        "harmful_content",
        "sensitive_topics",
        "factuality",
    }
    assert {p.expected for p in adversarial} >= {"refuse", "comply"}


def test_a_rerun_keeps_the_raters_it_made(tmp_path) -> None:
    """The demo resumes: its `raters add` steps are skipped for raters the store already has
    (their tokens stay valid), and run for the others."""
    from pathlib import Path

    from evalkit.demo import DemoSizes, already_done, demo_steps
    from evalkit.store import GradeStore

    out = tmp_path / "run"
    out.mkdir()
    steps = demo_steps(out, Path("c.yaml"), {}, "cand", "base", "cand", Path("g"), out, DemoSizes())
    adds = [s for s in steps if s.args[:2] == ["raters", "add"]]
    assert [s.rater for s in adds] == ["admin", "rater1", "rater2"]
    assert [already_done(s, out) for s in adds] == [None, None, None]  # no store yet
    with GradeStore(out / "grades.sqlite") as store:
        store.add_rater("rater1")
    said = [already_done(s, out) for s in adds]
    assert said[0] is None and said[2] is None
    assert said[1] is not None and "reset-token rater1" in said[1]
    assert all(already_done(s, out) is None for s in steps if s.rater is None)
