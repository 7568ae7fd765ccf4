"""Stratified allocation (largest remainder with a minimum per cell) and the build command on
individually written samples."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.jsonio import read_records
from evalkit.records import Prompt
from evalkit.summarization.authored import read_authored
from evalkit.summarization.design import design_weights
from evalkit.summarization.quality import validate_set
from evalkit.summarization.sampler import allocate, build_authored


def test_allocation_sums_to_n_and_gives_every_cell_the_minimum() -> None:
    weights = design_weights("email")
    counts = allocate(weights, 750, minimum=10)
    assert sum(counts.values()) == 750
    assert set(counts) == set(weights)
    assert min(counts.values()) == 10


def test_cells_above_the_minimum_get_their_proportional_share_of_the_rest() -> None:
    weights = design_weights("notification")
    counts = allocate(weights, 750, minimum=10)
    free = {cell for cell, k in counts.items() if k > 10}
    rest = 750 - sum(k for cell, k in counts.items() if cell not in free)
    total = sum(weights[c] for c in free)
    for cell in free:
        exact = rest * weights[cell] / total
        assert math.floor(exact) <= counts[cell] <= math.ceil(exact)
    # a bigger population share never gets fewer samples
    ordered = sorted(counts, key=lambda c: weights[c])
    assert all(counts[a] <= counts[b] for a, b in zip(ordered, ordered[1:], strict=False))


def test_largest_remainder_rounding() -> None:
    assert allocate({"a": 0.5, "b": 0.3, "c": 0.2}, 7, minimum=0) == {"a": 4, "b": 2, "c": 1}
    assert allocate({"a": 1.0, "b": 1.0, "c": 1.0}, 10, minimum=0) in (
        {"a": 4, "b": 3, "c": 3},
        {"a": 3, "b": 4, "c": 3},
        {"a": 3, "b": 3, "c": 4},
    )
    assert allocate({"a": 0.9, "b": 0.1}, 10, minimum=3) == {"a": 7, "b": 3}


def test_capacity_limits_a_cell_and_the_rest_is_shared() -> None:
    counts = allocate(
        {"a": 10, "b": 10, "c": 80}, 50, minimum=5, capacity={"a": 3, "b": 40, "c": 40}
    )
    assert counts["a"] == 3  # all it has, below the minimum
    assert counts["c"] == 40  # capped
    assert sum(counts.values()) == 50


def test_allocation_errors_are_user_errors() -> None:
    with pytest.raises(UserError, match="too small for a minimum"):
        allocate(design_weights("email"), 100, minimum=10)
    with pytest.raises(UserError, match="more than the 6 samples available"):
        allocate({"a": 1, "b": 1}, 7, minimum=0, capacity={"a": 3, "b": 3})


# ------------------------------------------------------------------------------------------
def _build(*args: str) -> int:
    return run_cli(["summarization", "build", *args])


def test_build_authored_writes_every_sample_with_its_anchors(
    tmp_path: Path, authored_email: Path, capsys
) -> None:
    out = tmp_path / "email.jsonl"
    assert _build("--use-case", "email", "--authored", str(authored_email), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "8 samples from 8 authored samples in 1 file)" in printed
    prompts = read_records(out, Prompt)
    assert [p.id for p in prompts] == [f"sum-email-{i:04d}" for i in range(1, 9)]
    assert {p.source for p in prompts} == {"evalkit:authored"}
    refs = {p.metadata["ref"]: p for p in prompts}
    stack = refs["fx-email-002"]
    assert stack.key_facts[0] == "The demo moved to Thursday 13 March at 14:00"
    assert stack.metadata["key_fact_anchors"][0] == ["13 March", "14:00"]
    assert stack.metadata["key_fact_docs"] == [3, 1]
    assert stack.metadata["subset"] == "main" and stack.reference.startswith("Wiremu moved")
    assert (
        stack.n_docs == 3
        and stack.stacked
        and stack.metadata["stratum"] == ("scheduling|short|stacked")
    )
    assert all(doc in stack.user_text for doc in stack.documents)
    assert validate_set(prompts, "email") == []
    table = pd.read_csv(tmp_path / "email.strata.csv")
    assert table["achieved"].sum() == 8 and (table["achieved"] == table["target"]).all()
    assert len(table) == 60  # every cell of the email design is listed


def test_build_authored_is_deterministic_and_draws_a_stratified_n(
    tmp_path: Path, authored_email: Path
) -> None:
    args = ["--use-case", "email", "--authored", str(authored_email), "--seed", "3"]
    assert _build(*args, "--n", "5", "--min-per-cell", "0", "--out", str(tmp_path / "a.jsonl")) == 0
    assert _build(*args, "--n", "5", "--min-per-cell", "0", "--out", str(tmp_path / "b.jsonl")) == 0
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    assert len(read_records(tmp_path / "a.jsonl", Prompt)) == 5
    table = pd.read_csv(tmp_path / "a.strata.csv")
    assert table["target"].sum() == 5 and (table["achieved"] <= table["available"]).all()


def test_a_folder_of_authored_files_is_read_whole(tmp_path: Path, authored_email: Path) -> None:
    folder = tmp_path / "written"
    folder.mkdir()
    lines = authored_email.read_text().splitlines(keepends=True)
    (folder / "a.jsonl").write_text("".join(lines[:4]))
    (folder / "b.jsonl").write_text("".join(lines[4:]))
    (folder / "notes.txt").write_text("not a sample file")
    out = tmp_path / "set.jsonl"
    assert _build("--use-case", "email", "--authored", str(folder), "--out", str(out)) == 0
    assert len(read_records(out, Prompt)) == 8


def test_the_adversarial_subset_is_built_apart(
    tmp_path: Path, authored_email: Path, adversarial_email: Path, capsys
) -> None:
    out = tmp_path / "email-adversarial.jsonl"
    args = ["--use-case", "email", "--out", str(out)]
    assert _build(*args, "--adversarial", "--authored", str(adversarial_email)) == 0
    prompts = read_records(out, Prompt)
    assert [p.id for p in prompts] == ["sumadv-email-0001", "sumadv-email-0002"]
    assert {p.metadata["subset"] for p in prompts} == {"adversarial"}
    injected = [p for p in prompts if p.metadata.get("injected_instruction")]
    assert len(injected) == 1 and injected[0].metadata["attack"] == ["injection"]
    assert validate_set(prompts, "email") == []
    capsys.readouterr()
    # neither subset slips into the other's set
    assert _build(*args, "--authored", str(adversarial_email)) == 2
    assert "belongs to the adversarial subset" in capsys.readouterr().err
    assert _build(*args, "--adversarial", "--authored", str(authored_email)) == 2
    assert "belongs to the main subset" in capsys.readouterr().err


def test_every_problem_of_the_authored_files_is_reported_with_file_and_line(
    tmp_path: Path, authored_email: Path, capsys
) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = authored_email.read_text().splitlines()
    wrong_anchor = json.loads(lines[0])
    wrong_anchor["key_facts"][0]["anchors"] = ["Manchester"]
    korean = json.loads(lines[2])
    korean["key_facts"][1]["anchors"] = ["민준"]  # not in the input: found now, not vacuous
    bad.write_text(
        "\n".join([json.dumps(wrong_anchor), "{not json", json.dumps(korean), lines[1]]) + "\n"
    )
    out = tmp_path / "set.jsonl"
    assert _build("--use-case", "email", "--authored", str(bad), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: fx-email-001: key fact" in err and "['Manchester'] not in the input" in err
    assert f"{bad}:2: not JSON" in err
    assert f"{bad}:3: fx-email-003: key fact 'Subin is coming too': anchors ['민준']" in err
    assert "error: 3 problems in the authored files" in err
    assert not out.exists()


def test_build_authored_library_rejects_another_use_case(authored_email: Path) -> None:
    samples, problems = read_authored([authored_email])
    assert problems == []
    with pytest.raises(UserError, match="use case email, not message"):
        build_authored("message", samples)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--use-case", "fax", "--authored", "x.jsonl", "--out", "o.jsonl"], "unknown use case"),
        (["--use-case", "email", "--out", "o.jsonl"], "build needs --authored"),
        (["--use-case", "email", "--n", "750"], "the sentence-template generator was removed"),
        (["--use-case", "email", "--source", "x.jsonl"], "--out is required"),
        (["--use-case", "email", "--authored", "x.jsonl"], "--out is required"),
        (
            ["--use-case", "email", "--authored", "a.jsonl", "--source", "b.jsonl"],
            "give one",
        ),
        (
            ["--use-case", "email", "--authored", "a", "--adapter", "aeslc", "--out", "o.jsonl"],
            "apply to --source only",
        ),
        (
            ["--use-case", "email", "--source", "a", "--adversarial", "--out", "o.jsonl"],
            "from --authored files",
        ),
        (
            ["--use-case", "email", "--authored", "missing.jsonl", "--out", "o.jsonl"],
            "missing.jsonl: no such file or folder",
        ),
    ],
)
def test_build_command_rejects_bad_options(args, message, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _build(*args) == 2
    assert message in capsys.readouterr().err


def test_an_empty_folder_is_an_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    code = _build(
        "--use-case", "email", "--authored", str(tmp_path / "empty"), "--out", str(tmp_path / "o")
    )
    assert code == 2 and "no *.jsonl files" in capsys.readouterr().err


def test_stats_command_reads_an_authored_set(tmp_path: Path, authored_email: Path, capsys) -> None:
    out = tmp_path / "email.jsonl"
    assert _build("--use-case", "email", "--authored", str(authored_email), "--out", str(out)) == 0
    capsys.readouterr()
    assert run_cli(["summarization", "stats", str(out), "--min-per-cell", "0"]) == 0
    printed = capsys.readouterr().out
    assert "8 samples, use case email" in printed and "validation: ok" in printed


def test_stats_command_names_the_bad_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "messages": [{"role": "user", "content": "x"}], "use_case": "email"}\n'
        '{"messages": [{"role": "user", "content": "x"}]}\n'
    )
    assert run_cli(["summarization", "stats", str(bad)]) == 2
    assert f"{bad}:2: id: required field is missing" in capsys.readouterr().err
