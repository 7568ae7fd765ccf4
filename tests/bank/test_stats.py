"""`evalkit bank stats`: counts per category × difficulty, prompt lengths per difficulty (the
long hard tail) and per category, conversations, and the adversarial suites per area; as
tables or JSON."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from evalkit.bank import (
    adversarial_stats,
    bank_frame,
    bank_stats,
    count_table,
    difficulty_length_table,
    length_table,
    load_bank,
    turns_table,
)
from evalkit.cli import run_cli
from evalkit.paths import PROMPTS_DIR
from evalkit.records import CATEGORIES, DIFFICULTIES, Prompt
from tests.bank.support import adversarial_pair, fact_prompt, prompt, small_suites, write_jsonl


def _rows() -> list[dict]:
    words = lambda n: " ".join(["word"] * n)  # noqa: E731
    return [
        prompt("c1", "coding", "easy", words(10)),
        prompt("c2", "coding", "easy", words(20)),
        prompt("c3", "coding", "hard", words(30)),
        prompt("c4", "coding", "medium", words(40)),
        prompt("w1", "writing", "hard", words(1600)),
        prompt("b1", "chatbot", "hard", words(5)),  # two user turns of 6 words + "a reply"
    ]


def _prompts() -> list[Prompt]:
    return [Prompt.model_validate(r) for r in _rows()]


def test_tables_count_and_measure() -> None:
    frame = bank_frame(_prompts())
    counts = count_table(frame)
    assert list(counts.columns) == ["easy", "medium", "hard", "total"]
    assert list(counts.index) == ["chatbot", "coding", "writing"]  # the categories' order
    assert counts.loc["coding"].tolist() == [2, 1, 1, 4]
    assert counts.loc["writing"].tolist() == [0, 0, 1, 1]
    lengths = length_table(frame)
    coding = lengths.loc["coding"]
    assert (coding["n"], coding["min"], coding["median"], coding["max"]) == (4, 10, 25.0, 40)
    assert coding["p90"] == 37.0  # numpy's linear interpolation: 30 + 0.7 * 10
    assert lengths.loc["writing", "median"] == 1600
    assert lengths.loc["chatbot", "median"] == 14  # every turn counts: 6 + 2 + 6


def test_lengths_per_difficulty_show_the_long_tail() -> None:
    table = difficulty_length_table(bank_frame(_prompts()))
    assert list(table.index) == list(DIFFICULTIES)
    hard = table.loc["hard"]
    assert (hard["n"], hard["min"], hard["median"], hard["max"]) == (3, 14, 30.0, 1600)
    assert hard["over_long"] == 1 and hard["share_over_long"] == pytest.approx(1 / 3)
    assert table.loc["easy", "over_long"] == 0 and table.loc["easy", "median"] == 15.0
    # the threshold is a parameter
    assert difficulty_length_table(bank_frame(_prompts()), long=25).loc["easy", "over_long"] == 0
    assert difficulty_length_table(bank_frame(_prompts()), long=15).loc["easy", "over_long"] == 1


def test_turns_count_conversations_and_system_prompts() -> None:
    rows = _rows()
    rows[-1]["messages"].insert(0, {"role": "system", "content": "Answer in Welsh."})
    table = turns_table(bank_frame([Prompt.model_validate(r) for r in rows]))
    assert table.loc["chatbot"].tolist() == [1, 1, 1]
    assert table.loc["coding"].tolist() == [4, 0, 0]


def test_adversarial_stats_per_area() -> None:
    rng = random.Random(0)
    rows = adversarial_pair(1, "harmful_content", "cyber_misuse", rng)
    rows += adversarial_pair(3, "harmful_content", "hate_harassment", rng)
    rows[2]["metadata"] = {"tactic": "obfuscation", "language": "de"}
    rows[3]["messages"] = [
        {"role": "user", "content": "a harmless start"},
        {"role": "assistant", "content": "sure"},
        {"role": "user", "content": "and then"},
    ]
    rows.append(fact_prompt(1, rng))
    data = adversarial_stats([Prompt.model_validate(r) for r in rows])
    assert data["n"] == 5
    harm = data["areas"]["harmful_content"]
    assert harm["n"] == 4
    assert harm["expected"] == {"comply": 2, "refuse": 2}
    assert harm["severity"] == {"high": 2, "low": 2}
    assert harm["subcategory"] == {"cyber_misuse": 2, "hate_harassment": 2}
    assert harm["tactic"] == {"direct": 3, "obfuscation": 1}
    assert harm["language"] == {"de": 1, "en": 3}
    assert (harm["with_twin"], harm["twin_pairs"], harm["multi_turn"]) == (4, 2, 1)
    fact = data["areas"]["factuality"]
    assert fact["expected"] == {"comply": 1} and fact["with_twin"] == 0


def test_stats_json_from_the_cli(tmp_path: Path, capsys) -> None:
    path = write_jsonl(tmp_path / "bank.jsonl", _rows())
    assert run_cli(["bank", "stats", str(path), "--json", "--no-adversarial"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == bank_stats(_prompts())
    assert data["n"] == 6 and "adversarial" not in data
    assert data["counts"]["coding"] == {"easy": 2, "medium": 1, "hard": 1, "total": 4}
    assert data["lengths"]["writing"] == {
        "n": 1,
        "min": 1600,
        "median": 1600.0,
        "p90": 1600.0,
        "max": 1600,
    }
    hard = data["lengths_by_difficulty"]["hard"]
    assert hard["over_long"] == 1 and hard["share_over_long"] == pytest.approx(1 / 3)
    assert data["turns"]["chatbot"] == {"prompts": 1, "multi_turn": 1, "system": 0}
    assert data["long_words"] == 1500

    suites = small_suites(tmp_path / "adversarial")
    assert run_cli(["bank", "stats", str(path), "--json", "--adversarial", str(suites)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["adversarial"]["n"] == 15
    assert data["adversarial"]["areas"]["sensitive_topics"]["twin_pairs"] == 3


def test_stats_tables_and_a_bad_line(tmp_path: Path, capsys) -> None:
    path = write_jsonl(tmp_path / "bank.jsonl", _rows())
    suites = small_suites(tmp_path / "adversarial")
    assert run_cli(["bank", "stats", str(path), "--adversarial", str(suites)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: 6 prompts" in out and "by category × difficulty" in out
    assert "per difficulty" in out and "share > 1,500" in out and "33.3%" in out
    assert "coding" in out and "median" in out and "p90" in out
    assert "multi-turn prompts (2+ user turns): 1; with a system message: 0" in out
    assert f"{suites}: 15 adversarial prompts" in out
    assert "by subcategory" in out and "by tactic" in out and "by language" in out

    write_jsonl(path, [*_rows(), '{"id": "x", "messages": "hello"}'])
    assert run_cli(["bank", "stats", str(path), "--no-adversarial"]) == 2
    assert f"{path}:7: messages:" in capsys.readouterr().err


# ---------------------------------------------------------------------------- shipped bank


@pytest.fixture(scope="module")
def shipped() -> dict:
    data = bank_stats(load_bank(PROMPTS_DIR / "bank"))
    data["adversarial"] = adversarial_stats(load_bank(PROMPTS_DIR / "adversarial"))
    return data


def test_the_shipped_bank_has_fourteen_full_categories(shipped: dict) -> None:
    assert list(shipped["counts"]) == list(CATEGORIES)
    for category, row in shipped["counts"].items():
        assert all(row[d] >= 30 for d in DIFFICULTIES), (category, row)


def test_the_shipped_hard_tail_is_long(shipped: dict) -> None:
    lengths = shipped["lengths_by_difficulty"]
    print("\nwords per difficulty:", json.dumps(lengths, indent=1))
    easy, medium, hard = (lengths[d] for d in DIFFICULTIES)
    assert easy["median"] < medium["median"] < hard["median"]
    assert easy["over_long"] == 0 and medium["over_long"] == 0
    assert hard["share_over_long"] >= 0.10  # at least 10% of hard prompts over 1,500 words
    assert hard["max"] > 1500 and hard["p90"] > 1000


def test_the_shipped_bank_has_conversations_with_system_prompts(shipped: dict) -> None:
    chatbot = shipped["turns"]["chatbot"]
    assert chatbot["multi_turn"] == chatbot["prompts"]
    assert chatbot["system"] >= 0.25 * chatbot["prompts"]


def test_the_cli_prints_the_shipped_per_difficulty_lengths(capsys) -> None:
    assert run_cli(["bank", "stats"]) == 0
    out = capsys.readouterr().out
    assert "prompt length in words per difficulty" in out and "share > 1,500" in out
    assert "adversarial prompts per area" in out
    hard = next(line for line in out.splitlines() if "│ hard " in line and "%" in line)
    share = float(hard.rstrip(" │").split()[-1].rstrip("%"))
    assert share >= 10.0, hard
