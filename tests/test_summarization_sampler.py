"""Stratified allocation (largest remainder with a minimum per cell) and the build command."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.summarization.design import design_weights
from evalkit.summarization.sampler import allocate


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


def test_build_command_writes_the_set_and_its_strata_table(tmp_path, capsys) -> None:
    out = tmp_path / "notif.jsonl"
    code = run_cli(
        [
            "summarization",
            "build",
            "--use-case",
            "notification",
            "--n",
            "84",
            "--min-per-cell",
            "2",
            "--seed",
            "7",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 84
    assert json.loads(lines[0])["id"] == "sum-notification-0001"
    table = pd.read_csv(tmp_path / "notif.strata.csv")
    assert len(table) == 42 and table["achieved"].sum() == 84
    assert (table["achieved"] >= 2).all()
    printed = capsys.readouterr().out
    assert "sentence repetition across samples" in printed


def test_stats_command_reads_a_set(tmp_path, capsys) -> None:
    out = tmp_path / "m.jsonl"
    assert (
        run_cli(
            [
                "summarization",
                "build",
                "--use-case",
                "message",
                "--n",
                "30",
                "--min-per-cell",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert run_cli(["summarization", "stats", str(out), "--min-per-cell", "1"]) == 0
    printed = capsys.readouterr().out
    assert "30 samples, use case message" in printed and "validation: ok" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--use-case", "fax"], "unknown use case 'fax'"),
        (["--use-case", "email", "--n", "20"], "too small for a minimum of 10"),
        (["--use-case", "email", "--source", "x.jsonl"], "--out is required with --source"),
        (["--use-case", "email", "--adapter", "aeslc"], "apply to --source only"),
    ],
)
def test_build_command_rejects_bad_options(args, message, capsys) -> None:
    assert run_cli(["summarization", "build", *args]) == 2
    assert message in capsys.readouterr().err


def test_stats_command_names_the_bad_line(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "messages": [{"role": "user", "content": "x"}], "use_case": "email"}\n'
        '{"messages": [{"role": "user", "content": "x"}]}\n'
    )
    assert run_cli(["summarization", "stats", str(bad)]) == 2
    assert f"{bad}:2: id: required field is missing" in capsys.readouterr().err
