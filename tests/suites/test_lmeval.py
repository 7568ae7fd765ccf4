"""lm-eval `generate_until` tasks as evalkit suites: `evalkit suites lm-eval` -> `run` -> `score`.

The task is tests/suites/data/evalkit_arith.yaml, a GSM8K-style task (lm-eval's gsm8k prompt,
regex filters and exact_match) over 20 word problems written for evalkit, read by lm-eval from
local JSONL (`dataset_path: json`, relative `data_files`, so the tests work in that folder).
The parity tests give lm-eval's own `simple_evaluate` a fake LM that answers from the same table
as the local server evalkit's runner asks, and compare the numbers (and the prompts).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.records import Response, Score
from evalkit.scoring import ScoringContext
from evalkit.suites import lmeval
from evalkit.testing.mock_openai import MockOpenAIServer

DATA = Path(__file__).resolve().parent / "data"
TASK = "evalkit_arith"
ROWS = [json.loads(line) for line in (DATA / "arith_test.jsonl").read_text().splitlines()]
STRICT = f"lmeval:{TASK}:exact_match:strict-match"
FLEXIBLE = f"lmeval:{TASK}:exact_match:flexible-extract"


def answer_for(index: int, row: dict) -> str:
    """A model's answer to test document `index`: right and wrong in several shapes, some of
    them running on past a stop string (which lm-eval's models cut, and evalkit must too)."""
    number = row["answer"].rsplit("#### ", 1)[-1]
    reasoning = row["answer"].rsplit("\n#### ", 1)[0]
    match index % 6:
        case 0:  # right, in the format the strict filter wants
            return f"{reasoning}\n#### {number}"
        case 1:  # right, but not in the #### format: only the flexible filter finds it
            return f"Let me think. {reasoning} So the answer is {number}."
        case 2:  # wrong
            return f"I think it is {int(number) + 1}.\n#### {int(number) + 1}"
        case 3:  # right, then runs on into a made-up question with another answer
            return f"{reasoning}\n#### {number}\n\nQuestion: What is 999 plus 0?\nAnswer: 999"
        case 4:  # right, then a chat end marker and more text
            return f"#### {number}<|im_end|> and then 12345"
        case _:  # nothing
            return ""


def question_of(messages: list[dict]) -> str:
    """The question of the last user turn (the document's, whatever turns came before)."""
    return question_in(messages[-1]["content"])


def question_in(text: str) -> str:
    return "Question: " + text.rsplit("Question: ", 1)[-1]


TABLE = {f"Question: {row['question']}\nAnswer:": answer_for(i, row) for i, row in enumerate(ROWS)}


class TableServer(MockOpenAIServer):
    """The local OpenAI-compatible server, answering each question from TABLE."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[dict] = []

    async def _answer(self, request):  # type: ignore[override]
        body = await request.json()
        self.bodies.append(body)
        return await self._stream(request, body, TABLE[question_of(body["messages"])])


@pytest.fixture
def in_data(tmp_path, monkeypatch):
    """Work in the task folder (lm-eval reads data_files from the working folder) and keep
    `datasets`' cache in tmp_path."""
    import datasets

    monkeypatch.chdir(DATA)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets")
    return tmp_path


def fake_lm(chat: bool):
    """An lm-eval LM that answers from TABLE and honours `until` as lm-eval's models do; it
    records every context lm-eval sends it."""
    from lm_eval.api.model import LM
    from lm_eval.models.utils import postprocess_generated_text

    class TableLM(LM):
        def __init__(self) -> None:
            super().__init__()
            self.contexts: list[object] = []

        @property
        def tokenizer_name(self) -> str:
            return ""  # as lm-eval's API models without a tokenizer

        def apply_chat_template(self, chat_history, add_generation_prompt=True):
            return json.dumps(chat_history, ensure_ascii=False)  # as lm-eval's API chat models

        def generate_until(self, requests, disable_tqdm: bool = False):
            out = []
            for request in requests:
                context, kwargs = request.args[0], request.args[1]
                self.contexts.append(json.loads(context) if chat else context)
                question = question_of(json.loads(context)) if chat else question_in(context)
                out.append(postprocess_generated_text(TABLE[question], kwargs["until"], None))
            return out

        def loglikelihood(self, requests):
            raise NotImplementedError

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

    return TableLM()


def lm_eval_results(fmt: str, limit: int | None = None) -> tuple[dict, list[object]]:
    """lm-eval's own evaluation of TASK on TABLE's answers: (results of the task, contexts)."""
    import lm_eval
    from lm_eval.tasks import TaskManager

    lm = fake_lm(chat=fmt != "plain")
    results = lm_eval.simple_evaluate(
        model=lm,
        tasks=[TASK],
        task_manager=TaskManager(include_path=str(DATA), include_defaults=False),
        apply_chat_template=fmt != "plain",
        fewshot_as_multiturn=fmt == "multiturn",
        limit=limit,
        bootstrap_iters=0,
        log_samples=False,
    )
    return results["results"][TASK], lm.contexts


# --------------------------------------------------------------------------- the whole path


def test_task_through_suites_run_and_score_equals_lm_eval(in_data, capsys):
    tmp_path = in_data
    prompts = tmp_path / "arith.prompts.jsonl"
    assert run_cli(["suites", "lm-eval", TASK, "--include-path", ".", "--out", str(prompts)]) == 0
    out = capsys.readouterr().out
    assert f"lmeval:{TASK}: 20 prompts (2-shot)" in out
    assert "params.max_tokens: 128" in out and '"Question:"' in out

    with TableServer() as server:
        config = tmp_path / "evalkit.yaml"
        models = [
            {"name": "table", "base_url": server.base_url, "max_retries": 0,
             "params": {"max_tokens": 128, "temperature": 0.0}},
            {"name": "table-long", "base_url": server.base_url, "max_retries": 0},
        ]  # fmt: skip
        config.write_text(yaml.safe_dump({"models": models}))
        run = tmp_path / "run"
        args = ["run", "-c", str(config), "-o", str(run), "--prompts", str(prompts), "--quiet"]
        assert run_cli(args) == 0
        asked = server.bodies
    capsys.readouterr()
    assert len(asked) == 40
    written = {p["id"]: p for p in map(json.loads, prompts.read_text().splitlines())}
    first = written[f"lmeval-{TASK}-0"]
    sent = next(b for b in asked if question_of(b["messages"]) == first["messages"][-1]["content"])
    assert sent["messages"] == first["messages"]  # the chat turns as built, nothing added

    assert run_cli(["score", str(run)]) == 0
    captured = capsys.readouterr()
    # the default model asks for 256 tokens where the task generates at most 128: said, once
    assert "lmeval:evalkit_arith: model table-long: max_tokens 256" in captured.err
    assert "model table:" not in captured.err
    assert f"lmeval:{TASK} exact_match:strict-match table:" in captured.out

    scores = [Score.model_validate_json(line) for line in (run / "scores.jsonl").open()]
    mine = [s for s in scores if s.scorer == f"lmeval:{TASK}"]
    assert len(mine) == 20 * 2 * 2  # documents x filters x models
    assert {s.metric for s in mine} == {"exact_match:strict-match", "exact_match:flexible-extract"}
    by_key = {(s.prompt_id, s.model, s.metric): s for s in mine}
    runs_on = by_key[(f"lmeval-{TASK}-3", "table", "exact_match:flexible-extract")]
    assert runs_on.value == 1.0 and runs_on.details["filtered"] == "103"
    assert runs_on.details["cut_at_until"] is True  # "999" came after the stop string
    assert by_key[(f"lmeval-{TASK}-1", "table", "exact_match:strict-match")].value == 0.0
    long = by_key[(f"lmeval-{TASK}-0", "table-long", "exact_match:strict-match")]
    assert "max_tokens 256" in long.details["settings_mismatch"]

    rows = lmeval.lmeval_rows(run)
    reference, _ = lm_eval_results("multiturn")
    pairs = ((STRICT, "exact_match,strict-match"), (FLEXIBLE, "exact_match,flexible-extract"))
    for name, key in pairs:
        for model in ("table", "table-long"):
            (row,) = rows[(rows["metric"] == name) & (rows["model"] == model)].to_dict("records")
            assert row["estimate"] == pytest.approx(reference[key], abs=1e-12), (name, model)
            assert row["low"] < row["estimate"] < row["high"]
            assert row["n"] == 20 and row["n_items"] == 20 and row["graders"] == "program"
            assert row["method"].startswith("Wilson")
    # right in the #### format: documents 0, 3, 4 of every 6 -> 10 of 20
    assert reference["exact_match,strict-match"] == pytest.approx(10 / 20)
    assert reference["exact_match,flexible-extract"] == pytest.approx(14 / 20)

    from evalkit.stats.table import format_row, metric

    assert metric(STRICT).family == "lmeval" and metric(STRICT).scale == "rate"
    assert metric(STRICT).higher_is_better is True and not metric(STRICT).graded
    assert format_row(rows.iloc[0]).endswith("n=20 prompts")


@pytest.mark.parametrize("fmt", ["multiturn", "singleturn", "plain"])
def test_prompts_are_what_lm_eval_sends(in_data, fmt):
    """Every format: evalkit's messages are the contexts lm-eval's evaluate gives the model."""
    (suite,) = lmeval.build_suites(TASK, include_path=["."], limit=6, fmt=fmt, register=False)
    _, contexts = lm_eval_results(fmt, limit=6)
    assert len(suite.prompts) == len(contexts) == 6
    for prompt, context in zip(suite.prompts, contexts, strict=True):
        messages = [m.model_dump() for m in prompt.messages]
        if fmt == "plain":
            assert messages == [{"role": "user", "content": context}]
        else:
            assert messages == context
    roles = [m.role for m in suite.prompts[0].messages]
    expected = {"multiturn": ["user", "assistant"] * 2 + ["user"], "singleturn": ["user"]}
    assert roles == expected.get(fmt, ["user"])
    first = suite.prompts[0]
    assert first.id == f"lmeval-{TASK}-0" and first.suite == f"lmeval:{TASK}"
    assert first.metadata["doc"] == ROWS[0] and first.metadata["doc_id"] == 0
    assert first.metadata["target"] == ROWS[0]["answer"]
    kwargs = first.metadata["generation_kwargs"]
    assert kwargs["until"] == ["Question:", "</s>", "<|im_end|>"] and kwargs["max_gen_toks"] == 128


def test_num_fewshot_and_system_instruction(in_data):
    (suite,) = lmeval.build_suites(
        TASK, include_path=["."], limit=2, num_fewshot=0, system_instruction="Be brief.",
        register=False,
    )  # fmt: skip
    messages = suite.prompts[0].messages
    assert [m.role for m in messages] == ["system", "user"] and suite.num_fewshot == 0
    assert messages[0].content == "Be brief." and messages[1].content in TABLE


def test_a_yaml_file_is_a_task(in_data, tmp_path):
    (suite,) = lmeval.build_suites(str(DATA / f"{TASK}.yaml"), limit=1, register=False)
    assert suite.task == TASK and len(suite.prompts) == 1
    assert suite.prompts[0].metadata["lmeval"]["yaml_path"] == str(DATA / f"{TASK}.yaml")


# --------------------------------------------------------------------------- scoring alone


def _context(tmp_path, prompts, responses) -> ScoringContext:
    return ScoringContext(tmp_path, "r1", {p.id: p for p in prompts}, responses)


def test_scoring_needs_the_definition_not_the_data(in_data, tmp_path, monkeypatch):
    """Scored elsewhere (no data files in reach): the task is rebuilt over the stored docs."""
    (suite,) = lmeval.build_suites(TASK, include_path=["."], limit=4, register=False)
    monkeypatch.chdir(tmp_path)  # arith_*.jsonl are no longer where the YAML says
    responses = [
        Response(run_id="r1", prompt_id=p.id, model="m", text=answer_for(i, ROWS[i]))
        for i, p in enumerate(suite.prompts)
    ]
    responses[2] = Response(run_id="r1", prompt_id=suite.prompts[2].id, model="m", error="boom")
    scores = lmeval.score_lmeval(_context(tmp_path, suite.prompts, responses))
    strict = {s.prompt_id: s for s in scores if s.metric == "exact_match:strict-match"}
    assert [strict[p.id].value for p in suite.prompts] == [1.0, 0.0, 0.0, 1.0]
    errored = strict[suite.prompts[2].id]
    assert errored.details["response_error"] == "boom"
    assert errored.details["filtered"] == "[invalid]"  # scored as an empty answer
    assert errored.details["lmeval_key"] == "exact_match,strict-match"
    assert errored.details["aggregation"] == "mean" and errored.details["higher_is_better"] is True


def test_repeats_take_the_first_samples(in_data, tmp_path):
    (suite,) = lmeval.build_suites(TASK, include_path=["."], limit=1, register=False)
    prompt = suite.prompts[0]
    prompt.metadata["lmeval"]["yaml_path"] = None  # rebuilt from the task name: same task
    responses = [
        Response(run_id="r1", prompt_id=prompt.id, model="m", sample=s, text=text)
        for s, text in enumerate(["#### 72", "#### 71"])
    ]
    scores = lmeval.score_lmeval(_context(tmp_path, [prompt], responses))
    assert [(s.sample, s.value) for s in scores if s.metric == "exact_match:strict-match"] == [
        (0, 1.0),
        (1, 0.0),
    ]  # repeats 1: each sample is an answer of its own


def test_a_group_builds_and_scores_its_tasks_through_the_group(in_data, tmp_path, monkeypatch):
    """A group may override its tasks' settings (here num_fewshot: 0): prompts and scoring
    both go through the group."""
    (suite,) = lmeval.build_suites("evalkit_arith_group", include_path=["."], limit=3,
                                   register=False)  # fmt: skip
    assert suite.task == TASK and suite.num_fewshot == 0
    assert [m.role for m in suite.prompts[0].messages] == ["user"]
    settings = suite.prompts[0].metadata["lmeval"]
    assert settings["standalone"] is False and settings["spec"] == "evalkit_arith_group"
    monkeypatch.chdir(tmp_path)
    responses = [
        Response(run_id="r1", prompt_id=p.id, model="m", text=answer_for(i, ROWS[i]))
        for i, p in enumerate(suite.prompts)
    ]
    scores = lmeval.score_lmeval(_context(tmp_path, suite.prompts, responses))
    strict = [s.value for s in scores if s.metric == "exact_match:strict-match"]
    assert strict == [1.0, 0.0, 0.0]


def test_evalkit_score_with_the_family_lookup(in_data, tmp_path, monkeypatch):
    """`evalkit score` in a process that never built the prompts finds the scorer once its
    lookup falls back to "lmeval:*" (the hook `scorer_for` describes); simulated here."""
    from evalkit.jsonio import write_records
    from evalkit.scoring import run as scoring_run
    from evalkit.stats.runs import load_run_frames

    (suite,) = lmeval.build_suites(TASK, include_path=["."], limit=6, register=False)
    run = tmp_path / "run"
    run.mkdir()
    write_records(run / "prompts.jsonl", suite.prompts)
    write_records(
        run / "responses.jsonl",
        [
            Response(run_id="run", prompt_id=p.id, model="m", text=answer_for(i, ROWS[i]))
            for i, p in enumerate(suite.prompts)
        ],
    )

    class FamilyLookup(dict):
        def get(self, suite, default=None):
            return lmeval.scorer_for(suite) or default

    scorers = {k: v for k, v in scoring_run.load_scorers().items() if k != suite.suite}
    monkeypatch.setattr(scoring_run, "load_scorers", lambda: FamilyLookup(scorers))
    result = scoring_run.score_run(run)
    assert result.scored_suites == {suite.suite: 6} and not result.unscored_suites
    assert len(result.scores) == 6 * 2
    rows = lmeval.lmeval_rows(load_run_frames(run))  # from RunFrames as from the folder
    assert rows.equals(lmeval.lmeval_rows(run))
    strict = rows[rows["metric"] == STRICT].iloc[0]
    assert strict["estimate"] == pytest.approx(3 / 6) and strict["n"] == 6
    items = lmeval.lmeval_items(run, STRICT, "m")
    assert list(items["value"]) == [1.0, 0.0, 0.0, 1.0, 1.0, 0.0]


def test_scorer_lookup_falls_back_to_the_family():
    assert lmeval.scorer_for("lmeval:anything") is lmeval.score_lmeval
    assert lmeval.scorer_for("nothing-like-it") is None


# --------------------------------------------------------------------------- statistics


def _write_scores(run, rows):
    run.mkdir(parents=True, exist_ok=True)
    with (run / "scores.jsonl").open("w") as handle:
        for prompt, value, item, aggregation in rows:
            details = {"task": "t", "metric": "m", "filter": "none", "aggregation": aggregation,
                       "higher_is_better": True}  # fmt: skip
            if item is not None:
                details["item"] = item
            score = Score(run_id="r", prompt_id=prompt, model="x", scorer="lmeval:t",
                          metric="m", value=value, details=details)  # fmt: skip
            handle.write(score.model_dump_json() + "\n")


def test_value_metrics_get_a_bootstrap_over_prompts(tmp_path):
    run = tmp_path / "run"
    values = [0.2, 0.5, 0.9, 0.4, 0.7, 0.1, 0.6, 0.3]
    _write_scores(run, [(f"p{i}", v, None, "mean") for i, v in enumerate(values)])
    (row,) = lmeval.lmeval_rows(run, seed=1).to_dict("records")
    assert row["metric"] == "lmeval:t:m" and row["estimate"] == pytest.approx(sum(values) / 8)
    assert row["low"] < row["estimate"] < row["high"] and row["n"] == 8
    assert "bootstrap" in row["method"]
    from evalkit.stats.table import metric

    assert metric("lmeval:t:m").scale == "value"


def test_corpus_aggregations_are_lm_evals_own(tmp_path):
    """bleu-like metrics: items kept, aggregated by lm-eval's function, bootstrapped."""
    from lm_eval.api.registry import get_aggregation

    run = tmp_path / "run"
    pairs = [(f"the cat sat on mat {i}", f"the cat sat on the mat {i}") for i in range(6)]
    _write_scores(run, [(f"p{i}", None, list(pair), "bleu") for i, pair in enumerate(pairs)])
    (row,) = lmeval.lmeval_rows(run, resamples=50, seed=1).to_dict("records")
    assert row["estimate"] == pytest.approx(get_aggregation("bleu")(pairs))
    assert not math.isnan(row["low"]) and row["low"] <= row["high"] and row["n"] == 6


# --------------------------------------------------------------------------- refusals


def test_multiple_choice_tasks_are_refused_in_one_line(in_data, capsys):
    args = ["suites", "lm-eval", "evalkit_arith_choice", "--include-path", "."]
    assert run_cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("error: ")
    assert "`multiple_choice` task" in err and "logprobs" in err and "echo" in err
    assert "vLLM" in err and "llama.cpp" in err


def test_an_unknown_task_says_what_is_close(in_data, capsys, monkeypatch):
    from lm_eval.tasks import TaskManager

    def local_only(spec, include_path):  # lm-eval's own ~15,000 task files take ~15 s to index
        return TaskManager(include_path=list(include_path), include_defaults=False)

    monkeypatch.setattr(lmeval.tasks, "task_manager", local_only)  # load_tasks reads it
    args = ["suites", "lm-eval", "evalkit_arth", "--include-path", "."]
    assert run_cli(args) == 2
    err = capsys.readouterr().err
    assert "unknown lm-eval task 'evalkit_arth'" in err and "evalkit_arith" in err


def test_an_assistant_prefix_needs_the_plain_format(in_data, tmp_path):
    task = yaml.safe_load((DATA / f"{TASK}.yaml").read_text())
    task |= {"task": "arith_prefixed", "gen_prefix": "The answer is"}
    data = {k: str(DATA / v) for k, v in task["dataset_kwargs"]["data_files"].items()}
    task["dataset_kwargs"]["data_files"] = data
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "prefixed.yaml").write_text(yaml.safe_dump(task))
    with pytest.raises(UserError, match="--format plain"):
        lmeval.build_suites("arith_prefixed", include_path=[folder], limit=1, register=False)
    (suite,) = lmeval.build_suites(
        "arith_prefixed", include_path=[folder], limit=1, fmt="plain", register=False
    )
    assert suite.prompts[0].messages[0].content.endswith("Answer: The answer is")
