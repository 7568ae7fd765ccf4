"""The records each step of the data flow hands to the next (see DESIGN.md, "Records").

Every record is a pydantic model validated at every boundary; unknown fields are rejected so a
typo in a file is an error, not a silently ignored column.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Difficulty = Literal["easy", "medium", "hard"]
Role = Literal["candidate", "baseline"]
Tier = Literal["device", "server", "other"]
Backend = Literal["openai", "llamacpp"]
Expected = Literal["comply", "refuse"]
Severity = Literal["low", "medium", "high"]
Rating = Literal["good", "neutral", "poor"]
# a grading kind's name (`evalkit.kinds`): the built-in sxs, summarization and safety, or a kind a
# project registers; which kinds exist is the registry's business, not this record's
KIND_NAME = r"^[a-z][a-z0-9_]{0,39}$"
# a project kind's answer values (`Grade.answers`)
AnswerValue = int | float | str | bool

CATEGORIES: tuple[str, ...] = (
    "analytical_reasoning",
    "brainstorming",
    "chatbot",
    "classification",
    "closed_qa",
    "coding",
    "creative_writing",
    "extraction",
    "math_reasoning",
    "open_qa",
    "rewriting",
    "safety",
    "summarization",
    "writing",
)
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Message(Record):
    role: Literal["system", "user", "assistant"]
    content: str


class FactAnswer(Record):
    """The checkable answer of a factuality prompt, so a grader compares meaning, not substrings.

    - `yes_no`: `claim` is the statement the question asks about, `value` whether it is true;
    - `number`: `value` with `unit` (e.g. 8849, "m"); `tolerance` is relative (0.01 = 1%);
    - `entity`: `value` is the canonical name, `aliases` other accepted names;
    - `false_premise`: `claim` is the false premise the answer must reject, `value` the correction;
    - `unknown`: the thing asked about does not exist or cannot be known; a good answer says so.
    """

    type: Literal["yes_no", "number", "entity", "false_premise", "unknown"]
    value: bool | float | str | None = None
    unit: str | None = None
    tolerance: float = Field(default=0.0, ge=0.0)
    aliases: list[str] = Field(default_factory=list)
    claim: str | None = None


class Prompt(Record):
    """One prompt of the bank or of a suite. Only `id` and `messages` are required."""

    id: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    suite: str = "bank"
    category: str | None = None
    difficulty: Difficulty | None = None
    reference: str | None = None
    # what a good answer must contain or avoid: raters see it (collapsed), the judge gets it
    checklist: list[str] | None = None
    source: str | None = None
    # coding: expected behaviour or tests
    tests: str | None = None
    # IFEval
    instruction_id_list: list[str] | None = None
    kwargs: list[dict[str, Any]] | None = None
    # safety / adversarial
    risk_area: str | None = None
    subcategory: str | None = None
    expected: Expected | None = None
    severity: Severity | None = None
    # the id of the minimally different prompt with the other `expected` (refuse <-> comply)
    twin: str | None = None
    answer: FactAnswer | None = None
    # summarization
    use_case: str | None = None
    content_type: str | None = None
    length_bucket: str | None = None
    stacked: bool | None = None
    n_docs: int | None = None
    key_facts: list[str] | None = None
    documents: list[str] | None = None
    max_sentences: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("messages")
    @classmethod
    def _last_is_user(cls, messages: list[Message]) -> list[Message]:
        if messages[-1].role != "user":
            raise ValueError("the last message must have role 'user'")
        return messages

    @property
    def user_text(self) -> str:
        """The text of the last user message: what a rater reads as "the prompt"."""
        return self.messages[-1].content


class GenerationParams(Record):
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=256, ge=1, le=32768)
    seed: int | None = 0
    stop: list[str] | None = None


class ModelSpec(Record):
    """A model as evalkit reaches it. The API key is read from `api_key_env` when asking, only."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:\-]+$")
    role: Role = "candidate"
    tier: Tier = "other"
    backend: Backend = "openai"
    base_url: str | None = None
    model: str | None = None
    adapter: str | None = None
    params: GenerationParams = Field(default_factory=GenerationParams)
    system_prompt: str | None = None
    api_key_env: str | None = None
    max_concurrency: int = Field(default=4, ge=1, le=1024)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    # llamacpp: where the GGUF comes from ("smollm2", "gemma3-270m" or a file path)
    gguf: str | None = None
    # "chat" sends /v1/chat/completions; "completion" sends /v1/completions with evalkit's own
    # plain prompt format, for base models that have no chat template (Gemma 3 270M).
    api: Literal["chat", "completion"] = "chat"
    n_ctx: int = Field(default=2048, ge=256)
    # how to ask for JSON that follows a schema (the LLM judge does): "json_schema" (OpenAI,
    # vLLM), "json_object" (llama.cpp's server: schema-constrained grammar), or "none"
    structured_output: Literal["auto", "json_schema", "json_object", "none"] = "auto"

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """An http(s) URL with a host: anything else would only fail at the first request."""
        if value is None:
            return value
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value.strip())
            _ = parts.port  # a port that is not a number raises here
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{value!r} is not an http(s) URL with a host, e.g. http://127.0.0.1:8000/v1"
            )
        return value.strip()


class Usage(Record):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None


class Response(Record):
    """One sample of one model on one prompt. The key is (prompt_id, model, sample)."""

    run_id: str
    prompt_id: str
    model: str
    sample: int = 0
    text: str | None = None
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float | None = None
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    error: str | None = None
    attempts: int = 1
    request_hash: str | None = None
    created_at: str = Field(default_factory=utc_now)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.prompt_id, self.model, self.sample)

    @property
    def ok(self) -> bool:
        return self.error is None


class Score(Record):
    """One automatic score of one response (written to runs/<run>/scores.jsonl)."""

    run_id: str
    prompt_id: str
    model: str
    sample: int = 0
    scorer: str  # e.g. "ifeval", "auto:refusal", "summarization:checks", "judge:<model>"
    metric: str  # e.g. "prompt_level_strict", "refused", "key_fact_coverage"
    value: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    created_at: str = Field(default_factory=utc_now)


class Item(Record):
    """A unit of grading. sxs: one prompt, two responses (sides randomized, recorded, hidden)."""

    id: str
    kind: str = Field(pattern=KIND_NAME)
    run_id: str
    prompt_id: str
    category: str | None = None
    prompt_text: str
    # sxs: the two responses as shown (left = "A", right = "B")
    left_text: str | None = None
    right_text: str | None = None
    model_left: str | None = None
    model_right: str | None = None
    # summarization / safety: one response
    response_text: str | None = None
    model: str | None = None
    # summarization: the input documents shown to the rater
    source_text: str | None = None
    rubric: str
    rubric_version: int | str | None = None
    is_gold: bool = False
    gold_answer: dict[str, Any] | None = None
    side_seed: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Grade(Record):
    """One grade of one item by one rater (a human or an automatic grader such as `judge:<model>`).

    sxs `choice` is on the rubric's scale in display terms: −2 = A (left) much better … +2 = B
    (right) much better. Statistics map it to model terms using the item's recorded sides.
    """

    item_id: str
    rater_id: str
    grader: Literal["human", "auto"] = "human"
    choice: int | None = Field(default=None, ge=-2, le=2)
    dimensions: dict[str, Rating] | None = None
    violation: bool | None = None
    violation_category: str | None = None
    # safety: did the response refuse? (a rater's or the refusal grader's answer; None = not asked)
    refused: bool | None = None
    # a kind's own answers (question name -> value) when none of the fields above holds them,
    # e.g. a project kind's 1-7 rating: {"rating": 6}
    answers: dict[str, AnswerValue] | None = None
    skipped: bool = False
    flagged: bool = False
    comment: str | None = None
    seconds: float | None = None
    revision: int = 1
    created_at: str = Field(default_factory=utc_now)


def request_hash(model: ModelSpec, messages: list[Message]) -> str:
    """A stable hash of what was asked, so a changed prompt or setting is never served stale."""
    payload = {
        "model": model.model,
        "backend": model.backend,
        "api": model.api,
        "adapter": model.adapter,
        "system_prompt": model.system_prompt,
        "params": model.params.model_dump(),
        "messages": [m.model_dump() for m in messages],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
