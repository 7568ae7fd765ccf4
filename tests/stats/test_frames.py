"""Input frames: column checks, grade files (CSV / JSONL, bad line → path:line: field), and a
run's frames gathered from a real grade store, scores.jsonl and responses.jsonl."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.errors import InputError, UserError
from evalkit.stats.frames import load_grades_file, normalize
from evalkit.stats.runs import load_run_frames, load_runs
from evalkit.testing.synthetic import write_synthetic_run

SXS_HEADER = "item_id,prompt_id,category,rater_id,model_a,model_b,score\n"


def test_missing_columns_are_named_with_the_source() -> None:
    frame = pd.DataFrame({"item_id": ["a"], "prompt_id": ["p"]})
    with pytest.raises(UserError, match=r"grades\.csv: missing column\(s\) .*rater_id"):
        normalize(frame, "sxs", "grades.csv")


def test_csv_and_jsonl_exports_load_the_same(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "item_id": [f"i{n // 2}" for n in range(10)],
            "prompt_id": [f"p{n // 2}" for n in range(10)],
            "category": "coding",
            "rater_id": ["alice", "bob"] * 5,
            "model_a": "m1",
            "model_b": "m2",
            "score": [-2, -1, 0, 1, 2, 2, 1, 0, -1, -2],
        }
    )
    frame.to_csv(tmp_path / "g.csv", index=False)
    frame.to_json(tmp_path / "g.jsonl", orient="records", lines=True)
    from_csv = load_grades_file(tmp_path / "g.csv", "sxs")
    from_jsonl = load_grades_file(tmp_path / "g.jsonl", "sxs")
    pd.testing.assert_frame_equal(from_csv, from_jsonl)
    assert len(from_csv) == 10
    assert set(from_csv["grader"]) == {"human"}


def test_automatic_raters_are_marked_automatic_even_without_a_grader_column(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text(
        SXS_HEADER
        + "i1,p1,coding,judge:gpt,a,b,1\ni1,p1,coding,alice,a,b,2\ni2,p2,coding,auto:x,a,b,0\n"
    )
    frame = load_grades_file(path, "sxs")
    assert list(frame["grader"]) == ["auto", "human", "auto"]


@pytest.mark.parametrize(
    "body,line,field",
    [
        ("i1,p1,coding,alice,a,b,3\n", 2, "score"),
        ("i1,p1,coding,alice,a,b,1\ni2,p2,coding,bob,a,a,1\n", 3, "model_b"),
        ("i1,p1,coding,alice,a,b,1\n,p2,coding,bob,a,b,1\n", 3, "item_id"),
        ("i1,p1,coding,alice,a,b,one\n", 2, "score"),
    ],
)
def test_a_bad_csv_row_names_path_line_and_field(
    tmp_path: Path, body: str, line: int, field: str
) -> None:
    path = tmp_path / "g.csv"
    path.write_text(SXS_HEADER + body)
    with pytest.raises(InputError) as info:
        load_grades_file(path, "sxs")
    assert str(info.value).startswith(f"{path}:{line}: {field}: ")


def test_a_missing_csv_column_and_a_bad_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("item_id,prompt_id,category,rater_id,model_a,model_b\ni1,p1,c,r,a,b\n")
    with pytest.raises(InputError, match=r"g\.csv:1: header: missing column\(s\) score"):
        load_grades_file(path, "sxs")
    jsonl = tmp_path / "s.jsonl"
    row = '{"item_id": "i%d", "prompt_id": "p", "model": "m", "area": "a", "rater_id": "r", '
    jsonl.write_text(row % 1 + '"violation": true}\n' + row % 2 + '"violation": "maybe"}\n')
    with pytest.raises(InputError, match=r"s\.jsonl:2: violation: "):
        load_grades_file(jsonl, "safety")
    with pytest.raises(InputError, match="file not found"):
        load_grades_file(tmp_path / "nope.csv", "sxs")
    with pytest.raises(InputError, match="expected a .csv, .jsonl or .parquet"):
        load_grades_file(
            path.with_suffix(".txt").write_text("x") and path.with_suffix(".txt"), "sxs"
        )


def test_a_run_folder_gives_every_frame(tmp_path: Path) -> None:
    run = write_synthetic_run(tmp_path / "run-a", prompts_per_category=8)
    frames = load_run_frames(run)
    assert frames.run_ids == ["run-a"]
    assert frames.candidates() == ["smollm2-135m"]
    sxs = frames.kind("sxs")
    assert set(sxs["grader"]) == {"human", "auto"}
    assert set(sxs.loc[sxs["rater_id"].str.startswith("judge:"), "grader"]) == {"auto"}
    assert len(sxs[~sxs["is_gold"]]) == 3 * 8 * 3  # 3 categories x 8 prompts x (2 humans + judge)
    gold = sxs[sxs["is_gold"]]
    assert len(gold) > 0 and set(gold["grader"]) == {"human"}
    safety = frames.kind("safety")
    assert len(safety) == 3 * 30 * 2 and safety["refused"].notna().all()
    assert len(frames.kind("summarization")) == 3 * 30 * 2
    assert len(frames.ifeval) == 60 * 2 and frames.ifeval["inst_total"].between(1, 3).all()
    assert len(frames.refusals) == 3 * 30 * 2
    assert set(frames.refusals["expected"]) == {"comply", "refuse"}
    assert (
        frames.responses["latency_s"].gt(0).all() and frames.responses["prompt_text"].notna().all()
    )


def test_runs_combine_and_a_run_without_a_store_has_no_grades(tmp_path: Path) -> None:
    run = write_synthetic_run(tmp_path / "run-a", prompts_per_category=4)
    bare = tmp_path / "run-b"
    bare.mkdir()
    (bare / "responses.jsonl").write_text((run / "responses.jsonl").read_text())
    frames = load_runs([run, bare])
    assert frames.run_ids == ["run-a", "run-b"]
    assert len(frames.responses) == 2 * len(load_run_frames(run).responses)
    assert any("no grade store" in note for note in frames.notes)
    with pytest.raises(UserError, match="run folder not found"):
        load_run_frames(tmp_path / "missing")


def test_store_exports_in_every_format_load_back(tmp_path: Path) -> None:
    """`evalkit grades export` (the store engineer's command) writes what `stats` reads."""
    from evalkit.cli import run_cli

    run = write_synthetic_run(tmp_path / "run", prompts_per_category=5)
    expected = load_run_frames(run).kind("sxs")
    expected = expected[(expected["grader"] == "human") & ~expected["is_gold"]]
    for suffix in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"sxs.{suffix}"
        assert run_cli(["grades", "export", str(run), "--kind", "sxs", "--out", str(out)]) == 0
        frame = load_grades_file(out, "sxs")
        assert len(frame) == len(expected)
        assert sorted(frame["score"]) == sorted(expected["score"])
    for kind in ("safety", "summarization"):
        out = tmp_path / f"{kind}.csv"
        assert run_cli(["grades", "export", str(run), "--kind", kind, "--out", str(out)]) == 0
        assert len(load_grades_file(out, kind)) == len(load_run_frames(run).kind(kind))
