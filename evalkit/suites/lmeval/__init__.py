"""Any lm-eval `generate_until` task as an evalkit suite: prompts, scoring and statistics.

The modules, in the order a task goes through them:

- `tasks`: loading a task, group or tag through lm-eval's own `TaskManager`, the refusal of
  log-likelihood tasks, the generation settings (`max_gen_toks`, `until`) and shared names;
- `prompts`: `build_suites(TASK)`, one Prompt per document exactly as lm-eval would send it
  (`multiturn`, `singleturn` or `plain`), and `write_suites` / `describe_suite`;
- `rebuild`: the task rebuilt from its definition over the documents stored in the prompts,
  so scoring does not need the task's data;
- `scoring`: `score_lmeval`, the task's own filters and `process_results` over the responses
  (cut at `until`), one Score per response, metric and filter;
- `stats`: `lmeval_rows` and `lmeval_items`, the scores as registered statistics metrics.

**Not supported:** `loglikelihood`, `loglikelihood_rolling` and `multiple_choice` tasks: they
need the log-probabilities of given continuations, not generated text, which an
OpenAI-compatible *completions* endpoint gives with `logprobs` and `echo` (vLLM, llama.cpp's
server); evalkit's runner asks for text only, so these are refused with that explanation (run
them with lm-eval's `local-completions` model). A group's aggregate over its tasks is not
computed: each task of a group is its own suite.

Everything is re-exported here: import from `evalkit.suites.lmeval`.
"""

from __future__ import annotations

# importing this package runs `register_scorer(SCORER_KEY)` on `score_lmeval` (in .scoring),
# which registers the scorer of every lmeval suite
from evalkit.suites.lmeval.prompts import (
    LmevalSuite,
    build_suites,
    chat_json,
    describe_suite,
    write_suites,
)
from evalkit.suites.lmeval.rebuild import scoring_tasks, stored_documents
from evalkit.suites.lmeval.scoring import (
    cut_at_until,
    score_lmeval,
    score_metric,
    score_suite,
    scorer_for,
)
from evalkit.suites.lmeval.stats import (
    lmeval_items,
    lmeval_rows,
    lmeval_scores,
    register_lmeval_metrics,
)
from evalkit.suites.lmeval.tasks import (
    DEFAULT_MAX_GEN_TOKS,
    FAMILY,
    FORMATS,
    GENERATE,
    NO_FILTER,
    SCORER_KEY,
    SUITE_PREFIX,
    load_tasks,
    max_gen_toks,
    quiet_lm_eval,
    refuse_output_type,
    task_manager,
    until_strings,
)

__all__ = [
    "DEFAULT_MAX_GEN_TOKS",
    "FAMILY",
    "FORMATS",
    "GENERATE",
    "NO_FILTER",
    "SCORER_KEY",
    "SUITE_PREFIX",
    "LmevalSuite",
    "build_suites",
    "chat_json",
    "cut_at_until",
    "describe_suite",
    "lmeval_items",
    "lmeval_rows",
    "lmeval_scores",
    "load_tasks",
    "max_gen_toks",
    "quiet_lm_eval",
    "refuse_output_type",
    "register_lmeval_metrics",
    "score_lmeval",
    "score_metric",
    "score_suite",
    "scorer_for",
    "scoring_tasks",
    "stored_documents",
    "task_manager",
    "until_strings",
    "write_suites",
]
