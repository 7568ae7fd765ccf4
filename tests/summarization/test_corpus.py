"""--source: the same sampler over a team's corpus (the public test corpora, a generic file)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.jsonio import read_records
from evalkit.records import Prompt
from evalkit.summarization.corpus import extract_key_facts
from evalkit.summarization.design import CONTENT_TYPES
from evalkit.summarization.quality import validate_set
from evalkit.summarization.text import fact_present, token_set
from tests.fixtures.data import PART
from tests.fixtures.parts import missing_part


@pytest.fixture(scope="module")
def corpora(data_dir: Path) -> Path:
    """The public summarization corpora (`summarization/` of the public data sets)."""
    folder = data_dir / "summarization"
    if not folder.is_dir():
        missing_part(PART, f"summarization/ not found in {data_dir}")
    return folder


def _build(tmp_path: Path, *args: str) -> tuple[list[Prompt], pd.DataFrame]:
    out = tmp_path / "set.jsonl"
    assert run_cli(["summarization", "build", *args, "--out", str(out)]) == 0
    return read_records(out, Prompt), pd.read_csv(tmp_path / "set.strata.csv")


def _facts_found(prompts: list[Prompt]) -> None:
    for p in prompts:
        tokens = token_set("\n".join(p.documents))
        assert all(fact_present(f, tokens) for f in p.key_facts), (p.id, p.key_facts)


def test_aeslc_emails_are_sampled_by_stratum(tmp_path: Path, corpora: Path) -> None:
    source = corpora / "aeslc" / "aeslc.dev.jsonl"
    prompts, table = _build(
        tmp_path, "--use-case", "email", "--n", "300", "--adapter", "aeslc", "--source", str(source)
    )
    assert len(prompts) == 300 and len({p.id for p in prompts}) == 300
    assert all(not p.stacked and p.n_docs == 1 for p in prompts)
    assert all(p.source.startswith(f"corpus:{source}:") for p in prompts)
    lines = [int(p.source.rsplit(":", 1)[1]) for p in prompts]
    assert len(set(lines)) == 300  # drawn without replacement
    assert (table["achieved"] <= table["available"]).all()
    assert (table["achieved"] >= table["available"].clip(upper=10)).all()
    assert table["achieved"].sum() == 300 and table["content_type"].nunique() >= 5
    assert set(table["content_type"]) <= set(CONTENT_TYPES["email"])  # the design's types
    assert sum(bool(p.key_facts) for p in prompts) >= 280
    _facts_found(prompts)
    assert [q for q in validate_set(prompts, "email") if "key facts" not in q] == []


def test_dialogsum_dialogues_become_stacked_threads(tmp_path: Path, corpora: Path) -> None:
    folder = corpora / "dialogsum"
    prompts, table = _build(
        tmp_path,
        "--use-case",
        "message",
        "--n",
        "150",
        "--adapter",
        "dialogsum",
        "--source",
        str(folder / "dialogsum.dev.jsonl"),
        "--source",
        str(folder / "dialogsum.test.jsonl"),
    )
    assert len(prompts) == 150
    assert all(p.stacked and 2 <= p.n_docs <= 10 for p in prompts)
    assert all(p.metadata["thread_id"] for p in prompts)
    assert all(doc.startswith("#Person") for p in prompts for doc in p.documents)
    assert set(table["content_type"]) <= {"planning", "logistics", "social", "family", "work"}
    _facts_found(prompts)


def test_generic_corpus_with_field_mapping(tmp_path: Path) -> None:
    corpus = tmp_path / "team.jsonl"
    rows = []
    for i in range(12):
        rows.append(
            {
                "body": f"Invoice {1000 + i} for $2{i}0.00 is due on March {i + 1}.",
                "kind": "order_receipt",
            }
        )
    for t in range(6):
        for k in range(3):
            rows.append(
                {
                    "body": f"Lena: meet at Pier {t} at {k + 5}:30 pm?",
                    "kind": "scheduling",
                    "conv": f"c{t}",
                }
            )
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    prompts, table = _build(
        tmp_path,
        "--use-case",
        "email",
        "--n",
        "12",
        "--min-per-cell",
        "2",
        "--source",
        str(corpus),
        "--map",
        "text=body,content_type=kind,thread_id=conv",
    )
    assert len(prompts) == 12
    stacked = [p for p in prompts if p.stacked]
    assert stacked and all(p.n_docs == 3 and p.metadata["thread_id"] for p in stacked)
    assert {p.content_type for p in prompts} == {"order_receipt", "scheduling"}
    _facts_found(prompts)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"content_type": "personal"}, "team.jsonl:2: text: required field is missing"),
        ({"text": 5, "content_type": "x"}, "team.jsonl:2: text: must be a string, got int"),
        ({"text": "hi", "content_type": ""}, "team.jsonl:2: content_type: must not be empty"),
    ],
)
def test_bad_corpus_lines_name_file_line_and_field(tmp_path: Path, capsys, line, expected) -> None:
    corpus = tmp_path / "team.jsonl"
    good = {"text": "Hello Ana, lunch at noon?", "content_type": "personal"}
    corpus.write_text(json.dumps(good) + "\n" + json.dumps(line) + "\n")
    code = run_cli(
        [
            "summarization",
            "build",
            "--use-case",
            "email",
            "--n",
            "1",
            "--source",
            str(corpus),
            "--out",
            str(tmp_path / "o.jsonl"),
        ]
    )
    assert code == 2
    assert expected in capsys.readouterr().err


def test_bad_map_and_adapter_are_user_errors(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "x", "content_type": "y"}\n')
    base = [
        "summarization",
        "build",
        "--use-case",
        "email",
        "--n",
        "1",
        "--source",
        str(corpus),
        "--out",
        str(tmp_path / "o.jsonl"),
    ]
    assert run_cli([*base, "--map", "body"]) == 2
    assert "expected FIELD=NAME" in capsys.readouterr().err
    assert run_cli([*base, "--adapter", "mbox"]) == 2
    assert "unknown adapter 'mbox'" in capsys.readouterr().err


def test_key_facts_rule_orders_amounts_dates_times_names_numbers() -> None:
    text = (
        "Hi team, the Harbor Lane lease costs $4,500 per month from March 3. "
        "Talk to Priya Shah at 10:30 am. Priya Shah signed 2 copies in Room 214."
    )
    assert extract_key_facts(text, 6) == [
        "$4,500",
        "March 3",
        "10:30 am",
        "Priya Shah",
        "Harbor Lane",
        "214",
    ]
