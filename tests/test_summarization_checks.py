"""Automatic checks on summaries written here: faithful, an omission, an invented number."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.cli import run_cli
from evalkit.jsonio import read_records, write_records
from evalkit.paths import PROMPTS_DIR
from evalkit.records import Prompt, Response
from evalkit.scoring import SCORERS, ScoringContext
from evalkit.summarization.checks import (
    check_prompt,
    check_summary,
    checks_frame,
    tabulate_checks,
)
from evalkit.summarization.prompts import build_messages

DOCS = [
    "From: Maria Lopez <maria.lopez@northwind.com>\nTo: Tom Becker\nSubject: Vendor review\n\n"
    "Hi Tom,\n\nThe vendor review with Northwind Logistics is on Tuesday, March 11 at 2:00 PM.",
    "From: Maria Lopez <maria.lopez@northwind.com>\nTo: Tom Becker\nSubject: Re: Vendor review\n\n"
    "Change of plan: we're moving it to Thursday, March 13 at 3:30 PM in Room 4B. Please bring "
    "the $1,200 quote from Priya Shah.\n\nThanks,\nMaria",
]
KEY_FACTS = ["Northwind Logistics", "Thursday, March 13", "3:30 PM", "Room 4B", "$1,200"]

FAITHFUL = (
    "Maria moved the Northwind Logistics vendor review to Thursday, March 13 at 3:30 PM in "
    "Room 4B. Tom should bring Priya's $1,200 quote."
)
OMISSION = (
    "Maria moved the Northwind Logistics vendor review to Thursday, March 13 in Room 4B, "
    "and Tom should bring Priya's $1,200 quote."
)
INVENTED_NUMBER = (
    "Maria moved the Northwind Logistics review to Thursday, March 13 at 3:30 PM in Room 4B. "
    "Tom should bring the $1,500 quote."
)


def test_a_faithful_summary_passes_every_check() -> None:
    result = check_summary(FAITHFUL, DOCS, KEY_FACTS, max_sentences=2)
    assert result.coverage == 1.0 and result.all_key_facts and not result.missing
    assert result.ungrounded == [] and result.grounded
    assert result.n_sentences == 2 and result.length_ok


def test_an_omission_lowers_coverage_and_names_the_missing_fact() -> None:
    result = check_summary(OMISSION, DOCS, KEY_FACTS, max_sentences=2)
    assert result.missing == ["3:30 PM"]
    assert result.coverage == pytest.approx(4 / 5)
    assert result.grounded and result.length_ok


def test_an_invented_number_is_ungrounded_and_misses_the_true_amount() -> None:
    result = check_summary(INVENTED_NUMBER, DOCS, KEY_FACTS, max_sentences=2)
    assert result.ungrounded_numbers == ["$1,500"]
    assert result.ungrounded_count == 1 and not result.grounded
    assert result.missing == ["$1,200"]


def test_an_invented_name_is_ungrounded() -> None:
    summary = "Jonas Weber moved the review to Thursday, March 13 at 3:30 PM with Priya and Olga."
    result = check_summary(summary, DOCS, KEY_FACTS)
    assert result.ungrounded_names == ["Jonas", "Weber", "Olga"]
    assert result.ungrounded_numbers == []


def test_sentence_starts_and_common_words_are_not_names() -> None:
    summary = "Overall, the review moved. Reminder: bring the PDF quote. Tomorrow Maria confirms."
    assert check_summary(summary, DOCS, []).ungrounded_names == []


def test_numbers_and_times_are_normalized() -> None:
    summary = "Thu Mar 13, 15:30, room 4b, 1200 dollars, Northwind."
    assert check_summary(summary, DOCS, KEY_FACTS).missing == []
    stale = check_summary("Tuesday, March 11 at 2 PM.", DOCS, KEY_FACTS)
    assert "Thursday, March 13" in stale.missing and stale.grounded  # stale but not invented
    counted = check_summary("Maria sent 2 emails about the review.", DOCS, [])
    assert counted.grounded  # the number of documents is grounded


def test_length_compliance_counts_sentences() -> None:
    long = "Maria moved the review. It is in Room 4B. It is at 3:30 PM. Bring the quote."
    assert check_summary(long, DOCS, KEY_FACTS, max_sentences=2).n_sentences == 4
    assert not check_summary(long, DOCS, KEY_FACTS, max_sentences=2).length_ok
    assert check_summary(long, DOCS, KEY_FACTS, max_sentences=4).length_ok
    assert not check_summary("", DOCS, KEY_FACTS, max_sentences=2).length_ok


@pytest.mark.parametrize("use_case", ["email", "message", "notification"])
def test_a_summary_made_of_the_key_facts_passes_on_committed_samples(use_case: str) -> None:
    prompts = read_records(PROMPTS_DIR / "summarization" / f"{use_case}.jsonl", Prompt)[:60]
    for p in prompts:
        result = check_prompt(p, "; ".join(p.key_facts) + ".")
        assert result.all_key_facts, p.id
        assert result.ungrounded_numbers == [], (p.id, result.ungrounded_numbers)


def _prompt() -> Prompt:
    return Prompt(
        id="sum-email-9001",
        suite="summarization",
        category="summarization",
        messages=build_messages("email", DOCS, 2),
        use_case="email",
        content_type="scheduling",
        length_bucket="short",
        stacked=True,
        n_docs=2,
        key_facts=KEY_FACTS,
        documents=DOCS,
        max_sentences=2,
    )


def _responses() -> list[Response]:
    return [
        Response(run_id="r1", prompt_id="sum-email-9001", model="good", text=FAITHFUL),
        Response(run_id="r1", prompt_id="sum-email-9001", model="bad", text=OMISSION),
        Response(
            run_id="r1", prompt_id="sum-email-9001", model="bad", sample=1, text=INVENTED_NUMBER
        ),
        Response(run_id="r1", prompt_id="sum-email-9001", model="bad", sample=2, error="timeout"),
    ]


def test_the_registered_scorer_writes_score_records(tmp_path: Path) -> None:
    import evalkit.summarization.checks  # noqa: F401  (registers the scorer)

    context = ScoringContext(tmp_path, "r1", {"sum-email-9001": _prompt()}, _responses())
    scores = SCORERS["summarization"](context)
    assert {s.scorer for s in scores} == {"summarization:checks"}
    assert len(scores) == 3 * 6  # the errored response gets none
    by = {(s.model, s.sample, s.metric): s for s in scores}
    assert by[("good", 0, "key_fact_coverage")].value == 1.0
    assert by[("bad", 0, "key_fact_coverage")].details["missing"] == ["3:30 PM"]
    assert by[("bad", 1, "ungrounded_count")].value == 1.0
    assert by[("bad", 1, "ungrounded_count")].details["numbers"] == ["$1,500"]
    assert by[("good", 0, "length_ok")].details["length_bucket"] == "short"


def test_tabulation_gives_n_and_wilson_intervals() -> None:
    frame = checks_frame({"sum-email-9001": _prompt()}, _responses())
    assert len(frame) == 3
    table = tabulate_checks(frame, ["model", "use_case"]).set_index("model")
    assert table.loc["bad", "n"] == 2 and table.loc["bad", "all_key_facts_k"] == 0
    assert table.loc["good", "all_key_facts_rate"] == 1.0
    low, high = table.loc["bad", "grounded_low"], table.loc["bad", "grounded_high"]
    assert 0 < low < 0.5 < high < 1  # 1 of 2 grounded: a wide Wilson interval


def test_checks_command_tabulates_a_run(tmp_path: Path, capsys) -> None:
    write_records(tmp_path / "prompts.jsonl", [_prompt()])
    write_records(tmp_path / "responses.jsonl", _responses())
    assert (
        run_cli(["summarization", "checks", str(tmp_path), "--csv", str(tmp_path / "checks.csv")])
        == 0
    )
    out = capsys.readouterr().out
    assert "3 summaries checked" in out and "1 errored responses excluded" in out
    assert "== by model, use_case, length_bucket" in out
    assert "0.0% [0.0, 65.8] n=2" in out  # bad: no summary kept every key fact
    assert (tmp_path / "checks.csv").exists()
    assert (
        run_cli(["summarization", "checks", str(tmp_path), "--by", "model,use_case,stratum"]) == 0
    )
    assert "content_type" in capsys.readouterr().out
    assert run_cli(["summarization", "checks", str(tmp_path), "--by", "model,colour"]) == 2
    assert "unknown column 'colour'" in capsys.readouterr().err
    assert run_cli(["summarization", "checks", str(tmp_path / "missing")]) == 2
