"""evalkit's IFEval scores equal lm-eval's `process_results`, response by response."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from evalkit.suites.ifeval import (
    ITEM_SEED,
    ifeval_doc,
    load_ifeval_prompts,
    score_responses,
    summarize,
)
from evalkit.suites.ifeval_checker import MemoLangdetect, checker, lm_eval_as_shipped

_WORDS_300 = " ".join(["word"] * 310)
_KANNADA = "ಹೌದು, ಹ್ಯಾಂಬರ್ಗರ್ ಒಂದು ರೀತಿಯ ಸ್ಯಾಂಡ್ವಿಚ್ ಆಗಿದೆ ಏಕೆಂದರೆ ಅದರಲ್ಲಿ ಎರಡು ಬ್ರೆಡ್ ತುಂಡುಗಳ ನಡುವೆ ಮಾಂಸ ಇರುತ್ತದೆ."
_PARAS_7 = "\n\n".join(
    [f"Poppy seeds have use number {i} in cooking and baking." for i in range(1, 7)]
    + ["Summary poppy seeds are versatile and tasty."]
)

# (prompt key, hand-written response, expected prompt-level strict verdict or None)
CASES: list[tuple[int, str, bool | None]] = [
    # punctuation:no_comma
    (1001, "Day one we sail to Tokyo and marvel at the lights. Day two brings Kyoto.", True),
    (1001, "Day one, we sail to Tokyo. Day two, Kyoto.", False),
    # detectable_content:number_placeholders (12)
    (1005, " ".join(f"[field{i}]" for i in range(12)) + " resume text", True),
    (1005, "Name: [name]\nAddress: [address]", False),
    # change_case:english_lowercase (langdetect)
    (1019, "what are the two young boys with toy guns and horns doing in the park?", True),
    (1019, "What are the two boys doing?", False),
    # length_constraints:number_words (at least 400)
    (1072, " ".join(["hammock sleep is restful"] * 110), True),
    (1072, "Hammocks are nice.", False),
    # detectable_format:json_format
    (1075, '{"product": "diaper", "slogan": "Soft as a cloud"}', True),
    (1075, '```json\n{"product": "diaper"}\n```', True),
    (1075, "Product: diaper. Slogan: soft as a cloud.", False),
    # length_constraints:number_paragraphs (2, divider ***)
    (1082, "He woke up inside a game.\n***\nHe found the exit and logged off.", True),
    (1082, "One paragraph only about the game.", False),
    # combination:two_responses
    (1098, "Allah\n******\nJehovah", True),
    (1098, "Allah\n******\nAllah", False),
    # language:response_language (kn, langdetect)
    (1108, _KANNADA, True),
    (1108, "Yes, a hamburger is a sandwich because it has bread around the filling.", False),
    # startend:end_checker
    (1128, "The sentiment is negative. Is there anything else I can help with?", True),
    (1128, "The sentiment is negative.", False),
    # keywords:letter_frequency (t less than 2)
    (1130, "Quiz: is a chesterfield a sofa? Answer: yes.", None),
    # letter_frequency with letter "#": lm-eval draws a random letter (seeded per item)
    (1122, "A short reply with letters a b c d e f g h i j k.", None),
    # startend:quotation; the second passes only the loose check (first line removed)
    (122, '"The internet changed how teenagers live and learn."', True),
    (122, 'Here is the post:\n"The internet changed everything."', False),
    # detectable_content:postscript P.P.S
    (1246, "A soft cloth, a gentle light.\n\nP.P.S. Order today.", True),
    (1246, "A soft cloth, a gentle light.", False),
    # length_constraints:number_sentences (< 6; NLTK punkt)
    (1268, "Today I felt stress. I breathed slowly. It helped.", True),
    (1268, "One. Two. Three. Four. Five. Six. Seven.", False),
    # detectable_format:number_bullet_lists (6)
    (1286, "\n".join(f"* Point {i}." for i in range(6)), True),
    (1286, "\n".join(f"* Point {i}." for i in range(3)), False),
    # detectable_format:title
    (1322, "<<Kotlin vs Java>>\nKotlin is concise; Java is ubiquitous.", True),
    (1322, "Kotlin vs Java: Kotlin is concise.", False),
    # keywords:frequency (synonyms >= 3)
    (1393, "Synonyms help. synonyms confuse. Too many synonyms hurt search.", True),
    # combination:repeat_prompt
    (
        1480,
        "Write a blog post about the most interesting things you have seen or ridden on public "
        "transportation. I once rode a tram through a desert.",
        True,
    ),
    (1480, "I once rode a tram through a desert.", False),
    # keywords:existence
    (1531, "<p>The constable searched for Atlantis.</p>", True),
    # change_case:english_capital (langdetect)
    (1566, "I REGRET THE NIGHTS I LEFT YOU WAITING BY THE DOOR AND NEVER CALLED.", True),
    # keywords:forbidden_words
    (1580, "Mia learned to balance on her bike after many tries.", True),
    (1580, "Mia can ride her bike now.", False),
    # length_constraints:nth_paragraph_first_word (7th paragraph starts with "summary")
    (1954, _PARAS_7, True),
    # detectable_format:multiple_sections (4, "Section X")
    (1131, "\n".join(f"Section {i}\nPhil juggles." for i in range(1, 5)), True),
    (1131, "Section 1\nPhil juggles.", False),
    # change_case:capital_word_frequency (fewer than 20 capitalised words)
    (1996, "Truth is QUIET and often HIDDEN.", True),
    (1996, " ".join(["TRUTH"] * 25), False),
    # detectable_format:constrained_response
    (227, "My answer is no.", True),
    (227, "Maybe.", False),
    # three instructions at once: no_comma + 3 highlights + at least 300 words
    (1000, "*Early life* *Reign* *Legacy* " + _WORDS_300, True),
    (1000, "*Early life*, *Reign* " + _WORDS_300, False),
    # empty and blank responses fail every instruction
    (1001, "", False),
    (1001, "   \n ", False),
]


@pytest.fixture(scope="module")
def prompts_by_key(ifeval_data: Path):
    return {p.metadata["key"]: p for p in load_ifeval_prompts(ifeval_data)}


def lm_eval_reference(prompt, response: str) -> dict:
    """lm-eval's own `process_results` as shipped (plain langdetect, no memo), called the way
    its harness calls it; `random` seeded as evalkit seeds it."""
    from lm_eval.tasks.ifeval import instructions

    with lm_eval_as_shipped() as utils:
        assert not isinstance(instructions.langdetect, MemoLangdetect)
        random.seed(ITEM_SEED)
        return utils.process_results(ifeval_doc(prompt), [response])


def test_evalkit_scores_through_the_memoised_langdetect():
    from lm_eval.tasks.ifeval import instructions

    checker()
    assert isinstance(instructions.langdetect, MemoLangdetect)


def test_hand_written_responses_match_lm_eval(prompts_by_key):
    prompts = [prompts_by_key[key] for key, _, _ in CASES]
    responses = [text for _, text, _ in CASES]
    results = score_responses(prompts, responses, workers=1)
    for (key, text, expected), prompt, result in zip(CASES, prompts, results, strict=True):
        reference = lm_eval_reference(prompt, text)
        assert result.prompt_level_strict == reference["prompt_level_strict_acc"], key
        assert result.prompt_level_loose == reference["prompt_level_loose_acc"], key
        assert result.inst_level_strict == reference["inst_level_strict_acc"], key
        assert result.inst_level_loose == reference["inst_level_loose_acc"], key
        if expected is not None:
            assert result.prompt_level_strict is expected, (key, text[:60])
    # the cases are a real mix: passes, failures, a loose-only pass, and counted empties
    strict = [r.prompt_level_strict for r in results]
    assert 20 <= sum(strict) <= len(strict) - 15
    assert any(r.prompt_level_loose and not r.prompt_level_strict for r in results)
    assert sum(r.empty for r in results) == 2
    covered = {iid for r in results for iid in r.instruction_id_list}
    assert len(covered) == 25  # every instruction type of the official data


def test_all_541_prompts_match_lm_eval(prompts_by_key):
    """Synthetic responses (the prompt itself, upper-cased, or its last line) on every prompt."""
    prompts = list(prompts_by_key.values())
    assert len(prompts) == 541
    variants = [str, str.upper, lambda t: t.splitlines()[-1]]
    responses = [variants[i % 3](p.user_text) for i, p in enumerate(prompts)]
    results = score_responses(prompts, responses, workers=1)
    refs = [lm_eval_reference(p, r) for p, r in zip(prompts, responses, strict=True)]
    for prompt, result, reference in zip(prompts, results, refs, strict=True):
        assert result.prompt_level_strict == reference["prompt_level_strict_acc"], prompt.id
        assert result.prompt_level_loose == reference["prompt_level_loose_acc"], prompt.id
        assert result.inst_level_strict == reference["inst_level_strict_acc"], prompt.id
        assert result.inst_level_loose == reference["inst_level_loose_acc"], prompt.id
    summary = summarize(results)
    # lm-eval's own aggregation: the mean of prompt verdicts, the flattened instruction mean
    utils = checker()
    inst_strict = utils.agg_inst_level_acc([r["inst_level_strict_acc"] for r in refs])
    inst_loose = utils.agg_inst_level_acc([r["inst_level_loose_acc"] for r in refs])
    prompt_strict = sum(r["prompt_level_strict_acc"] for r in refs) / len(refs)
    assert summary.inst_level_strict.rate == pytest.approx(inst_strict)
    assert summary.inst_level_loose.rate == pytest.approx(inst_loose)
    assert summary.prompt_level_strict.rate == pytest.approx(prompt_strict)
    assert summary.inst_level_strict.n == 834 and summary.prompt_level_strict.n == 541


def test_process_pool_gives_the_same_results(prompts_by_key):
    prompts = list(prompts_by_key.values())[:120]
    responses = [p.user_text.lower() for p in prompts]
    serial = score_responses(prompts, responses, workers=1)
    pooled = score_responses(prompts, responses, workers=2)
    assert pooled == serial
