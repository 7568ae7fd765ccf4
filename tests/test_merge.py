"""Sharded runs (`evalkit run --shard K/N`) and `evalkit merge`: three shards against a local
mock server, one killed with SIGKILL mid-run and resumed, merge into the same responses and the
same statistics as one unsharded run; bad merges fail clearly and write nothing."""

from __future__ import annotations

import collections
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.merge import IncompleteMerge, MergeConflict, merge_runs
from evalkit.records import Message, ModelSpec, Prompt
from evalkit.rundir import RunDir
from evalkit.runner import Shard, load_responses, shard_keys
from evalkit.testing.mock_openai import MockOpenAIServer

SHARDS = 3
SAMPLES = 2
KILL_AFTER = 6  # records the killed shard writes before SIGKILL


def _prompt_lines() -> list[dict]:
    lines = [
        {"id": f"bank-{i:02d}", "messages": [{"role": "user", "content": f"question {i}"}]}
        for i in range(16)
    ]
    lines.append(
        {"id": "bank-bad", "messages": [{"role": "user", "content": "broken [fault:400]"}]}
    )
    for i in range(10):  # safety prompts: echoed refusals or compliances, scored automatically
        refuse = i % 2 == 0
        text = "I'm sorry, but I can't help with that." if i % 3 == 0 else f"Here is how: step {i}."
        lines.append(
            {
                "id": f"adv-{i:02d}",
                "suite": "adversarial",
                "category": "safety",
                "risk_area": "harmful_content",
                "subcategory": "weapons" if refuse else "benign_lookalike",
                "expected": "refuse" if refuse else "comply",
                "severity": "low",
                "messages": [{"role": "user", "content": text}],
            }
        )
    return lines


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One unsharded run, three shard folders (shard 2 killed with SIGKILL, then resumed) and
    their merge, all against one mock server."""
    root = tmp_path_factory.mktemp("shards")
    with MockOpenAIServer() as server:
        config = root / "evalkit.yaml"
        config.write_text(
            "models:\n"
            f"  - {{name: m1, base_url: '{server.base_url}', max_concurrency: 2, max_retries: 0}}\n"
            f"  - {{name: m2, base_url: '{server.base_url}', max_concurrency: 2, max_retries: 0}}\n"
        )
        prompts = root / "prompts.jsonl"
        prompts.write_text("".join(json.dumps(line) + "\n" for line in _prompt_lines()))
        base = ["run", "-c", str(config), "--prompts", str(prompts), "--samples", str(SAMPLES)]
        base += ["--quiet", "--allow-errors"]
        assert run_cli([*base, "-o", str(root / "reference")]) == 0
        shards = [root / f"shard-{k}" for k in range(1, SHARDS + 1)]
        for k in (1, 3):
            assert run_cli([*base, "--shard", f"{k}/{SHARDS}", "-o", str(shards[k - 1])]) == 0

        killed = shards[1]
        server.latency_s = 0.1  # slow enough to be killed mid-run
        command = [sys.executable, "-m", "evalkit", *base, "--shard", f"2/{SHARDS}"]
        process = subprocess.Popen(
            [*command, "-o", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        written, deadline = 0, time.monotonic() + 30
        while written < KILL_AFTER and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
            path = killed / "responses.jsonl"
            written = path.read_bytes().count(b"\n") if path.exists() else 0
        assert process.poll() is None, "the shard finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        server.latency_s = 0.0
        partial = len(load_responses(killed))
        assert run_cli([*base, "--shard", f"2/{SHARDS}", "-o", str(killed)]) == 0  # resumed
        assert KILL_AFTER - 1 <= partial < len(load_responses(killed))  # killed part way

        merged = root / "merged"
        assert run_cli(["merge", *map(str, shards), "-o", str(merged)]) == 0
    return {"root": root, "reference": root / "reference", "shards": shards, "merged": merged}


def _texts(run_dir: Path) -> dict[tuple, tuple]:
    return {r.key: (r.text, r.error) for r in load_responses(run_dir)}


def test_shards_are_disjoint_complete_and_balanced(runs):
    parts = [set(_texts(shard)) for shard in runs["shards"]]
    reference = set(_texts(runs["reference"]))
    assert len(reference) == len(_prompt_lines()) * 2 * SAMPLES
    assert set.union(*parts) == reference
    assert sum(len(part) for part in parts) == len(reference)  # disjoint
    for model in ("m1", "m2"):
        sizes = [sum(1 for key in part if key[1] == model) for part in parts]
        assert max(sizes) - min(sizes) <= 1, (model, sizes)
    for k, shard in enumerate(runs["shards"], start=1):
        sessions = RunDir(shard).manifest().sessions
        assert {s.shard for s in sessions} == {f"{k}/{SHARDS}"}
        # every shard lists every prompt, so a missing shard is noticed by merge
        assert (shard / "prompts.jsonl").read_text() == (
            runs["reference"] / "prompts.jsonl"
        ).read_text()
    killed = RunDir(runs["shards"][1]).manifest().sessions
    assert [s.status for s in killed] == ["killed", "completed"]
    lines = (runs["shards"][1] / "responses.jsonl").read_text().splitlines()
    keys = [tuple(json.loads(line)[f] for f in ("prompt_id", "model", "sample")) for line in lines]
    assert max(collections.Counter(keys).values()) == 1  # nothing asked twice after the kill


def test_merged_run_equals_the_unsharded_run(runs):
    merged, reference = runs["merged"], runs["reference"]
    assert _texts(merged) == _texts(reference)
    assert {r.run_id for r in load_responses(merged)} == {"merged"}
    manifest = RunDir(merged).manifest()
    assert manifest.merged_from == [str(s) for s in runs["shards"]]
    assert set(manifest.models) == {"m1", "m2"}
    assert [s.command for s in manifest.sessions].count("run") == SHARDS + 1  # + the killed one
    assert manifest.sessions[-1].command == "merge"
    assert manifest.sessions[-1].status == "completed"
    assert _statistics(merged).equals(_statistics(reference))


def _statistics(run_dir: Path) -> pd.DataFrame:
    """The run's long table after `evalkit score`, without the timings (which no two runs share)."""
    from evalkit.scoring.run import score_run
    from evalkit.stats.engine import statistics_table
    from evalkit.stats.runs import load_run_frames
    from evalkit.stats.table import metrics

    score_run(run_dir)
    table = statistics_table(load_run_frames(run_dir), seed=0)
    registry = metrics()
    timing = {name for name, m in registry.items() if m.family == "latency" and m.scale == "value"}
    table = table[~table["metric"].isin(timing)]
    assert {"over_refusal_rate", "error_rate"} <= set(table["metric"])
    columns = ["metric", "model", "baseline", "group", "graders", "estimate", "low", "high", "n"]
    return table[columns].sort_values(columns[:5]).reset_index(drop=True)


def test_merging_again_is_idempotent(runs, tmp_path):
    shards, merged = runs["shards"], runs["merged"]
    copy = tmp_path / "merged"
    shutil.copytree(merged, copy)
    before = {name: (copy / name).read_bytes() for name in ("prompts.jsonl", "responses.jsonl")}
    assert run_cli(["merge", *map(str, reversed(shards)), "-o", str(copy)]) == 0
    assert run_cli(["merge", str(shards[0]), str(copy), "-o", str(copy)]) == 0
    for name, data in before.items():
        assert (copy / name).read_bytes() == data, name
    old, new = RunDir(merged).manifest(), RunDir(copy).manifest()
    assert (new.models, new.datasets, new.run_id) == (old.models, old.datasets, old.run_id)
    assert sorted(new.merged_from) == sorted(old.merged_from)
    assert [s.command for s in new.sessions].count("merge") == 3


def test_conflicting_shards_fail_naming_keys_and_folders(runs, tmp_path, capsys):
    first = runs["shards"][0]
    changed = tmp_path / "changed"
    shutil.copytree(first, changed)
    records = [json.loads(line) for line in (changed / "responses.jsonl").read_text().splitlines()]
    victim = next(r for r in records if r["text"])
    victim["text"] = "a different answer"
    (changed / "responses.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_cli(["merge", str(first), str(changed), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"response {victim['prompt_id']} ({victim['model']}, sample {victim['sample']})" in error
    assert "differs (text)" in error and str(first) in error and str(changed) in error
    assert not out.exists()  # nothing written

    prompts = (changed / "prompts.jsonl").read_text().replace("question 3", "question three")
    (changed / "prompts.jsonl").write_text(prompts)
    with pytest.raises(MergeConflict, match=r"prompt bank-03 differs between .*shard-1 and"):
        merge_runs([first, changed], out)
    assert not out.exists()


def test_identical_overlap_is_kept_once(runs, tmp_path):
    first = runs["shards"][0]
    copy = tmp_path / "copy"
    shutil.copytree(first, copy)
    summary = merge_runs([first, copy], tmp_path / "out", allow_incomplete=True)
    assert summary.duplicates == len(load_responses(first)) == summary.responses


def test_incomplete_merge_fails_unless_allowed(runs, tmp_path, capsys):
    one, _, three = runs["shards"]
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_cli(["merge", str(one), str(three), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    missing = len(load_responses(runs["shards"][1]))
    assert f"{missing} of {missing * SHARDS} responses are missing" in error
    assert f"and {missing - 5} more" in error and "no folder holds shard 2/3" in error
    assert "--allow-incomplete" in error and not out.exists()
    with pytest.raises(IncompleteMerge) as caught:
        merge_runs([one, three], out)
    assert len(caught.value.missing) == missing
    assert run_cli(["merge", str(one), str(three), "-o", str(out), "--allow-incomplete"]) == 0
    assert len(load_responses(out)) == 2 * missing


def test_a_folder_being_written_is_refused(runs, tmp_path):
    first = runs["shards"][0]
    with (first / ".evalkit.lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(UserError, match="another evalkit process is writing"):
            merge_runs([first], tmp_path / "out", allow_incomplete=True)


def test_shard_keys_balance_models_and_suites():
    def prompts(suite: str, n: int) -> list[Prompt]:
        message = [Message(role="user", content="x")]
        return [Prompt(id=f"{suite}-{i}", suite=suite, messages=message) for i in range(n)]

    models = [ModelSpec(name=n, base_url="http://127.0.0.1:9/v1") for n in ("a", "b", "c")]
    batches = [(prompts("bank", 13), models), (prompts("adversarial", 7), models[:2])]
    parts = [shard_keys(batches, 2, Shard(k, 4)) for k in range(1, 5)]
    every = {key for part in parts for key in part}
    assert len(every) == sum(len(p) * len(m) * 2 for p, m in batches)
    assert sum(map(len, parts)) == len(every)
    groups = {(key[1], key[0].split("-")[0]) for key in every}
    for group in [*groups, *((m.name, None) for m in models), (None, None)]:
        sizes = [
            sum(
                1
                for k in part
                if group[0] in (None, k[1]) and group[1] in (None, k[0].split("-")[0])
            )
            for part in parts
        ]
        assert max(sizes) - min(sizes) <= 1, (group, sizes)
    shuffled = [(list(reversed(p)), list(reversed(m))) for p, m in reversed(batches)]
    assert shard_keys(shuffled, 2, Shard(3, 4)) == parts[2]  # the order given does not matter
    assert Shard(2, 4).for_plan(batches, 2).select([], [], 1) == parts[1]


@pytest.mark.parametrize("value", ["0/3", "4/3", "1/0", "3", "a/b", "1/2/3", ""])
def test_bad_shard_is_exit_2(value, tmp_path, capsys):
    config = tmp_path / "evalkit.yaml"
    config.write_text("models:\n  - {name: m, base_url: 'http://127.0.0.1:9/v1'}\n")
    args = ["run", "-c", str(config), "--prompts", str(tmp_path), "-o", str(tmp_path / "r")]
    assert run_cli([*args, "--shard", value]) == 2
    assert "error: --shard" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_model_limited_to_some_suites_is_expected_only_there(tmp_path):
    """`suites.<name>.models` runs one session per suite: merge expects each model's responses
    only on the prompts of the suites it was asked, and still catches a missing one there."""
    lines = _prompt_lines()
    bank = [line for line in lines if line.get("suite") is None and "fault" not in str(line)]
    adversarial = [line for line in lines if line.get("suite") == "adversarial"]
    with MockOpenAIServer() as server:
        config = tmp_path / "evalkit.yaml"
        for name, rows in (("bank", bank), ("adversarial", adversarial)):
            (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        config.write_text(
            "models:\n"
            f"  - {{name: m1, base_url: '{server.base_url}', max_retries: 0}}\n"
            f"  - {{name: m2, base_url: '{server.base_url}', max_retries: 0}}\n"
            "suites:\n"
            f"  bank: {{prompts: ['{tmp_path / 'bank.jsonl'}']}}\n"
            f"  adversarial: {{prompts: ['{tmp_path / 'adversarial.jsonl'}'], models: [m2]}}\n"
        )
        halves = [tmp_path / "half-1", tmp_path / "half-2"]
        for k, half in enumerate(halves, start=1):
            args = ["run", "-c", str(config), "--shard", f"{k}/2", "-o", str(half), "--quiet"]
            assert run_cli(args) == 0
    merged = merge_runs(halves, tmp_path / "merged")
    assert merged.missing == []
    assert merged.expected == len(bank) * 2 + len(adversarial)  # m1 never asked adversarial
    keys = {(r.prompt_id, r.model) for r in load_responses(tmp_path / "merged")}
    assert not any(model == "m1" and pid.startswith("adv-") for pid, model in keys)
    # drop one of m2's adversarial answers: the merge names it as missing
    half = halves[0] / "responses.jsonl"
    rows = half.read_text().splitlines()
    dropped = next(i for i, row in enumerate(rows) if '"adv-' in row and '"m2"' in row)
    half.write_text("\n".join(rows[:dropped] + rows[dropped + 1 :]) + "\n")
    with pytest.raises(UserError, match="missing"):
        merge_runs(halves, tmp_path / "merged-again")
