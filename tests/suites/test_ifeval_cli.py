"""`evalkit ifeval score|run`, the ifeval scorer, and IFEval data loading and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from evalkit.cli import run_cli
from evalkit.errors import InputError, UserError
from evalkit.records import Message, Prompt, Response
from evalkit.scoring import SCORERS, ScoringContext
from evalkit.suites import ifeval as ifeval_module
from evalkit.suites.ifeval import load_ifeval, load_ifeval_prompts, resolve_ifeval_data


@pytest.fixture(scope="module")
def ifeval_rows(ifeval_data: Path) -> list[dict]:
    return [json.loads(line) for line in ifeval_data.read_text().splitlines()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture
def small_data(tmp_path, ifeval_rows) -> Path:
    """Five official prompts (keys 1000, 1001, 1005, 1012, 1019)."""
    return write_jsonl(tmp_path / "input.jsonl", ifeval_rows[:5])


@pytest.fixture
def responses(tmp_path, ifeval_rows) -> Path:
    """Responses to 3 of the 5 prompts, one empty, plus a stray and a duplicate."""
    return write_jsonl(
        tmp_path / "responses.jsonl",
        [
            {"prompt": ifeval_rows[1]["prompt"], "response": "We sail to Tokyo and then to Kyoto."},
            {"prompt": ifeval_rows[2]["prompt"], "response": "My resume [name] [address]."},
            {"prompt": "A prompt that is not in IFEval", "response": "anything"},
            {"prompt": ifeval_rows[4]["prompt"], "response": ""},
            {"prompt": ifeval_rows[1]["prompt"], "response": "a second answer, with a comma"},
        ],
    )


def test_score_json_shape_and_what_did_not_match(small_data, responses, capsys):
    code = run_cli(["ifeval", "score", str(responses), "--data", str(small_data), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_data_prompts"] == 5 and report["n_responses"] == 5
    assert report["n_scored"] == 3 and report["n_prompts"] == 3 and report["n_empty"] == 1
    for metric in ("prompt_level_strict", "prompt_level_loose"):
        rate = report[metric]
        assert set(rate) == {"k", "n", "rate", "ci_low", "ci_high"} and rate["n"] == 3
        assert rate["ci_low"] <= rate["rate"] <= rate["ci_high"]
    # 1 instruction (1001) + 1 (1005) + 1 (1019)
    assert report["inst_level_strict"]["n"] == 3 and report["inst_level_loose"]["n"] == 3
    assert report["prompt_level_strict"]["k"] == 1  # only the no-comma answer follows
    assert report["by_instruction"]["punctuation:no_comma"]["strict"]["k"] == 1
    assert report["unmatched_responses"] == [
        {"line": 3, "prompt": "A prompt that is not in IFEval"}
    ]
    assert [d["line"] for d in report["duplicate_responses"]] == [5]
    assert [m["id"] for m in report["missing_responses"]] == ["ifeval-1000", "ifeval-1012"]
    assert report["missing_responses"][0]["key"] == 1000


def test_score_text_lists_everything_not_scored(small_data, responses, tmp_path, capsys):
    items = tmp_path / "items.jsonl"
    args = ["ifeval", "score", str(responses), "--data", str(small_data), "--by-type"]
    assert run_cli([*args, "--items", str(items)]) == 0
    out = capsys.readouterr().out
    assert "3 of 5 prompts scored (1 empty responses scored as failing)" in out
    assert "prompt-level strict" in out and "n=3" in out and "instruction-level loose" in out
    assert "responses with no matching prompt (not scored): 1" in out
    assert "line 3:" in out
    assert "prompts with no response (not scored): 2" in out and "ifeval-1012" in out
    assert "second responses to an answered prompt (not scored): 1" in out
    assert "punctuation:no_comma" in out  # --by-type
    lines = [json.loads(line) for line in items.read_text().splitlines()]
    assert [item["prompt_id"] for item in lines] == ["ifeval-1001", "ifeval-1005", "ifeval-1019"]
    assert lines[2]["empty"] is True and lines[2]["prompt_level_loose"] is False


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"response": "x"}, "responses.jsonl:2: prompt: required field is missing"),
        ({"prompt": "p"}, "responses.jsonl:2: response: required field is missing"),
        ({"prompt": "p", "response": 3}, "responses.jsonl:2: response: expected a string"),
    ],
)
def test_bad_response_file_names_line_and_field(small_data, tmp_path, capsys, line, message):
    path = write_jsonl(tmp_path / "responses.jsonl", [{"prompt": "p", "response": "r"}, line])
    assert run_cli(["ifeval", "score", str(path), "--data", str(small_data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"instruction_id_list": ["punctuation:no_comas"]}, "instruction_id_list.0", "unknown"),
        ({"kwargs": [{}, {}]}, "kwargs", "2 entries for 1 instructions"),
        ({"key": "1001"}, "key", "expected an integer"),
        ({"prompt": ""}, "prompt", "non-empty"),
        ({"key": 1000}, "key", "already used on line 1"),
    ],
)
def test_bad_ifeval_data_names_line_and_field(tmp_path, change, field, problem, ifeval_rows):
    bad = {**ifeval_rows[1], **change}
    path = write_jsonl(tmp_path / "input.jsonl", [ifeval_rows[0], bad])
    with pytest.raises(InputError) as caught:
        load_ifeval_prompts(path)
    assert caught.value.line == 2 and caught.value.field == field
    assert problem in caught.value.problem


def test_loaded_prompts_carry_the_ifeval_fields(ifeval_data, ifeval_rows):
    prompts = load_ifeval_prompts(ifeval_data)
    assert len(prompts) == 541 and len({p.id for p in prompts}) == 541
    first = prompts[0]
    assert first.id == "ifeval-1000" and first.suite == "ifeval"
    assert first.instruction_id_list == ifeval_rows[0]["instruction_id_list"]
    assert first.kwargs == ifeval_rows[0]["kwargs"] and first.user_text == ifeval_rows[0]["prompt"]
    assert first.source == "ifeval:input_data.jsonl:1" and first.metadata == {"key": 1000}


def test_data_resolution_order(tmp_path, monkeypatch, ifeval_data, ifeval_rows):
    folder = tmp_path / "data" / "ifeval"
    folder.mkdir(parents=True)
    write_jsonl(folder / "input_data.jsonl", ifeval_rows[:2])
    monkeypatch.setenv("EVALKIT_DATA_DIR", str(tmp_path / "data"))
    assert resolve_ifeval_data() == folder / "input_data.jsonl"
    assert resolve_ifeval_data(ifeval_data) == ifeval_data  # --data wins
    assert len(load_ifeval()) == 2
    with pytest.raises(UserError, match="IFEval data file not found"):
        resolve_ifeval_data(tmp_path / "nope.jsonl")


def test_no_local_data_and_hub_offline_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("EVALKIT_DATA_DIR", raising=False)
    monkeypatch.setattr(ifeval_module, "data_dir", lambda explicit=None: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    responses = write_jsonl(tmp_path / "r.jsonl", [{"prompt": "p", "response": "r"}])
    assert run_cli(["ifeval", "score", str(responses)]) == 2
    err = capsys.readouterr().err
    assert "no IFEval data" in err and "HF_HUB_OFFLINE" in err and "--data" in err


def test_hub_rows_are_validated_and_nulls_dropped(monkeypatch, ifeval_rows):
    """The hub's copy (google/IFEval) fills every kwarg name with null; a fake stands in."""
    import datasets

    monkeypatch.delenv("EVALKIT_DATA_DIR", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr(ifeval_module, "data_dir", lambda explicit=None: None)
    hub_row = {**ifeval_rows[1], "kwargs": [{"num_words": None, "relation": None}]}
    calls = []

    def fake_load_dataset(name, split):
        calls.append((name, split))
        return [hub_row]

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    (prompt,) = load_ifeval()
    assert calls == [("google/IFEval", "train")]
    assert prompt.kwargs == [{}] and prompt.source == "ifeval:google/IFEval:1"

    def offline(name, split):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(UserError, match="ConnectionError: no network"):
        load_ifeval()


def test_registered_scorer_writes_contract_scores(small_data):
    prompts = {p.id: p for p in load_ifeval_prompts(small_data)}
    responses = [
        Response(run_id="r1", prompt_id="ifeval-1001", model="m", text="No commas here."),
        Response(run_id="r1", prompt_id="ifeval-1001", model="m", sample=1, text="A, B"),
        Response(run_id="r1", prompt_id="ifeval-1000", model="m", text=None, error="timeout"),
    ]
    context = ScoringContext(run_dir=Path("."), run_id="r1", prompts=prompts, responses=responses)
    scores = SCORERS["ifeval"](context)
    assert [(s.prompt_id, s.sample, s.value) for s in scores] == [
        ("ifeval-1001", 0, 1.0),
        ("ifeval-1001", 1, 0.0),
        ("ifeval-1000", 0, 0.0),
    ]
    assert all(s.scorer == "ifeval" and s.metric == "ifeval" for s in scores)
    details = scores[0].details
    assert details["prompt_level_strict"] is True and details["prompt_level_loose"] is True
    assert details["inst_level_strict"] == [True] and details["inst_level_loose"] == [True]
    assert details["instruction_id_list"] == ["punctuation:no_comma"]
    errored = scores[2].details
    assert errored["empty"] is True and errored["response_error"] == "timeout"
    assert errored["inst_level_loose"] == [False, False, False]


def test_checker_exception_fails_and_is_counted(monkeypatch):
    prompt = Prompt(
        id="p",
        messages=[Message(role="user", content="Say hi without commas.")],
        instruction_id_list=["punctuation:no_comma"],
        kwargs=[{}],
    )

    def broken(doc, results):
        raise ValueError("checker bug")

    checker = ifeval_module.checker()
    monkeypatch.setattr(checker, "process_results", broken)
    (result,) = ifeval_module.score_responses([prompt], ["hi"], workers=1)
    assert result.error == "ValueError: checker bug" and result.prompt_level_loose is False
    assert ifeval_module.summarize([result]).n_checker_errors == 1


def test_ifeval_run_through_the_runner_is_cached_and_scored(
    tmp_path, capsys, ifeval_data, ifeval_rows
):
    """`ifeval run` against a local OpenAI-compatible server; the rerun asks nothing new."""
    from evalkit.testing.mock_openai import MockOpenAIServer

    with MockOpenAIServer() as server:
        config = tmp_path / "evalkit.yaml"
        models = [
            {"name": "echo-a", "base_url": server.base_url, "max_retries": 0},
            {"name": "echo-b", "base_url": server.base_url, "max_retries": 0},
        ]
        config.write_text(yaml.safe_dump({"models": models}))
        out = tmp_path / "run"
        args = ["ifeval", "run", "-c", str(config), "-o", str(out), "--data", str(ifeval_data)]
        assert run_cli([*args, "--limit", "4", "--json", "--quiet"]) == 0
        first = json.loads(capsys.readouterr().out)
        asked = server.requests
        assert asked == 8
        assert run_cli([*args, "--limit", "4", "--json", "--quiet"]) == 0
        second = json.loads(capsys.readouterr().out)
        assert server.requests == asked  # cached: nothing asked again
    assert first == second and set(first) == {"echo-a", "echo-b"}
    for model in ("echo-a", "echo-b"):
        report = first[model]
        assert report["n_prompts"] == 4 and report["n_errors"] == 0 and report["n_missing"] == 0
        assert report["inst_level_strict"]["n"] == sum(
            len(r["instruction_id_list"]) for r in ifeval_rows[:4]
        )
    lines = (out / "responses.jsonl").read_text().splitlines()
    assert len(lines) == 8


def test_ifeval_run_counts_failed_requests_as_failing(tmp_path, capsys, ifeval_data):
    config = tmp_path / "evalkit.yaml"
    dead = {"name": "dead", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0}
    config.write_text(yaml.safe_dump({"models": [dead]}))
    out = tmp_path / "run"
    args = ["ifeval", "run", "-c", str(config), "-o", str(out), "--data", str(ifeval_data)]
    assert run_cli([*args, "--limit", "2", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "dead: 2 responses scored (2 errored and 0 empty, scored as failing" in captured.out
    assert "prompt-level strict         0.0%" in captured.out and "n=2" in captured.out
    assert "2 requests failed" in captured.err
    assert run_cli([*args, "--limit", "2", "--quiet", "--allow-errors", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dead"]["n_errors"] == 2 and report["dead"]["n_empty"] == 2


@pytest.mark.slow
@pytest.mark.model
def test_ifeval_run_on_the_real_embedded_models(served_models, tmp_path, capsys, ifeval_data):
    """Both demo models (llama.cpp) answer an IFEval prompt through the runner; scored."""
    models = []
    for spec in served_models.values():
        short = spec.model_copy(
            update={"params": spec.params.model_copy(update={"max_tokens": 32})}
        )
        models.append(short.model_dump(mode="json", exclude_none=True))
    config = tmp_path / "evalkit.yaml"
    config.write_text(yaml.safe_dump({"models": models}))
    out = tmp_path / "run"
    args = ["ifeval", "run", "-c", str(config), "-o", str(out), "--data", str(ifeval_data)]
    assert run_cli([*args, "--limit", "1", "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == set(served_models)
    for name, scores in report.items():
        assert scores["n_prompts"] == 1 and scores["n_missing"] == 0, name
        assert scores["n_errors"] == 0 and scores["n_empty"] == 0, name
        assert scores["inst_level_loose"]["n"] == 3  # key 1000 has 3 instructions


def test_summary_intervals_are_the_ones_stats_ifeval_prints(tmp_path, capsys):
    """`ifeval score|run` and `stats ifeval` agree; instruction level: a bootstrap over prompts."""
    from evalkit.jsonio import write_records
    from evalkit.records import Score
    from evalkit.stats.proportions import wilson_interval

    ids = ["punctuation:no_comma", "change_case:english_lowercase", "startend:quotation"]
    results = [
        ifeval_module.IFEvalResult(f"p{i}", ids, i < 20, i < 24, [i < 20] * 3, [i < 24] * 3)
        for i in range(40)
    ]
    scores = [
        Score(
            run_id="r",
            prompt_id=r.prompt_id,
            model="m",
            scorer="ifeval",
            metric="ifeval",
            value=float(r.prompt_level_strict),
            details=ifeval_module.score_details(r),
        )
        for r in results
    ]
    write_records(tmp_path / "scores.jsonl", scores)
    assert run_cli(["stats", "ifeval", str(tmp_path), "--json"]) == 0
    rows = {row["metric"]: row for row in json.loads(capsys.readouterr().out)}
    summary = ifeval_module.summarize(results, model="m")
    for metric, name in ifeval_module.TABLE_METRICS.items():
        rate, row = getattr(summary, metric), rows[name]
        assert (rate.k, rate.n) == (row["k"], row["n_items"])
        assert row["n"] == 40  # the independent unit: prompts
        assert (rate.ci_low, rate.ci_high) == pytest.approx((row["low"], row["high"]), abs=1e-6)
    # 3 instructions per prompt that pass or fail together: wider than Wilson over 120 draws
    inst = summary.inst_level_strict
    assert (inst.k, inst.n) == (60, 120)
    assert inst.ci_high - inst.ci_low > 1.3 * (
        wilson_interval(60, 120)[1] - wilson_interval(60, 120)[0]
    )
