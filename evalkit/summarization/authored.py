"""Individually written summarization samples: the authoring format, its checks, and the
conversion into the Prompt records that a set ships.

An author writes one JSON object per line:

    {"ref": "email-work-017", "use_case": "email", "content_type": "work",
     "hard_cases": ["reversal"], "language": "en",
     "documents": ["From: ...\\nTo: ...\\nDate: ...\\nSubject: ...\\n\\nbody", "..."],
     "key_facts": [{"fact": "The vendor demo moved to Thu 6 March, 10:00",
                    "anchors": ["6 March", "10:00"], "doc": 3}],
     "reference_summary": "...", "poor_summary": "what a poor summary gets wrong"}

A key fact is a statement a good summary must convey (the outcome, who must do what by when,
the amounts and dates that matter), written by the author with the input; its `anchors` are
short spans copied from the input (names, numbers, dates) by which the automatic check finds
the fact in a summary (each found somewhere in the input), and `doc` is the item of the input
the fact comes from (1 = the first; at least one anchor is in that item). The
adversarial subset (`"subset": "adversarial"`) adds `attack` and, for injected instructions,
`injected_instruction`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalkit.summarization.design import (
    CONTENT_TYPES,
    HARD_CASES,
    KEY_FACTS,
    MAX_SENTENCES,
    TOKEN_BOUNDS,
    Cell,
    length_bucket,
    sample_tokens,
)
from evalkit.summarization.text import checkable, fact_present, only_stopwords, token_set

ATTACKS: dict[str, str] = {
    "injection": "an instruction planted in the input, addressed to the summarizer",
    "hateful": "demeaning or hateful content about a group or a person",
    "violent": "violent threats or graphic violence",
    "manipulative": "manipulation, pressure, scams or propaganda the summary could amplify",
    "sensitive": "self-harm, abuse, health or grief content that a summary must handle with care",
}
AUTHORED_SOURCE = "evalkit:authored"


class AuthoredFact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fact: str = Field(min_length=3)
    anchors: list[str] = Field(min_length=1)
    doc: int = Field(default=1, ge=1)


class AuthoredSample(BaseModel):
    """One sample as its author wrote it (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    use_case: Literal["email", "message", "notification"]
    content_type: str
    subset: Literal["main", "adversarial"] = "main"
    hard_cases: list[str] = Field(default_factory=list)
    language: str = "en"
    documents: list[str] = Field(min_length=1)
    key_facts: list[AuthoredFact] = Field(min_length=1)
    reference_summary: str = Field(min_length=10)
    poor_summary: str = Field(min_length=10)
    attack: list[str] = Field(default_factory=list)
    injected_instruction: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AuthoredSample:
        if self.content_type not in CONTENT_TYPES[self.use_case]:
            known = ", ".join(CONTENT_TYPES[self.use_case])
            raise ValueError(f"content_type {self.content_type!r} is not one of {known}")
        unknown = [h for h in self.hard_cases if h not in HARD_CASES]
        if unknown:
            raise ValueError(f"hard_cases {unknown} not in {', '.join(HARD_CASES)}")
        bad_attacks = [a for a in self.attack if a not in ATTACKS]
        if bad_attacks:
            raise ValueError(f"attack {bad_attacks} not in {', '.join(ATTACKS)}")
        if self.subset == "adversarial" and not self.attack:
            raise ValueError("an adversarial sample names its `attack`")
        if self.subset == "main" and self.attack:
            raise ValueError("`attack` belongs to the adversarial subset only")
        if "injection" in self.attack + self.hard_cases and not self.injected_instruction:
            raise ValueError("an injection sample quotes its `injected_instruction`")
        for fact in self.key_facts:
            if fact.doc > len(self.documents):
                raise ValueError(f"key fact {fact.fact!r}: doc {fact.doc} > {len(self.documents)}")
        return self

    @property
    def tokens(self) -> int:
        return sample_tokens(self.documents)

    @property
    def stacked(self) -> bool:
        return len(self.documents) > 1

    @property
    def cell(self) -> Cell:
        bucket = length_bucket(self.use_case, self.tokens)
        return Cell(self.content_type, bucket, self.stacked)


def sample_problems(sample: AuthoredSample) -> list[str]:
    """What is wrong with a well-formed sample: anchors with nothing to check, made of common
    words only, or missing from their document; a stack of three or more without a late key
    fact; too few key facts; a length out of bounds; an injected instruction not quoted from
    the input."""
    problems: list[str] = []
    everywhere = token_set("\n".join(sample.documents))
    for fact in sample.key_facts:
        empty = [a for a in fact.anchors if not checkable(a)]
        if empty:
            problems.append(
                f"key fact {fact.fact!r}: anchors {empty} have no letter or digit to look for"
            )
            continue
        common = [a for a in fact.anchors if only_stopwords(a)]
        if common:
            problems.append(
                f"key fact {fact.fact!r}: anchors {common} are only common words that most "
                "summaries contain; anchor a name, a number or a distinctive word instead"
            )
        missing = [a for a in fact.anchors if not fact_present(a, everywhere)]
        if missing:
            problems.append(f"key fact {fact.fact!r}: anchors {missing} not in the input")
            continue
        own = token_set(sample.documents[fact.doc - 1])
        if not any(fact_present(a, own) for a in fact.anchors):
            problems.append(f"key fact {fact.fact!r}: no anchor in document {fact.doc}")
    if len(sample.documents) >= 3 and not any(f.doc > 1 for f in sample.key_facts):
        problems.append("a stack of 3 or more needs a key fact from a later item (doc > 1)")
    bucket = sample.cell.length_bucket
    fewest = KEY_FACTS[sample.use_case][bucket]
    if len(sample.key_facts) < fewest:
        problems.append(f"{bucket} needs at least {fewest} key facts, has {len(sample.key_facts)}")
    longest = TOKEN_BOUNDS[sample.use_case][2]
    if sample.tokens > longest:
        problems.append(f"{sample.tokens} tokens is over the {longest} a set allows")
    if sample.injected_instruction and not any(
        sample.injected_instruction in doc for doc in sample.documents
    ):
        problems.append("injected_instruction is not quoted verbatim from a document")
    return problems


def read_authored(paths: Iterable[Path]) -> tuple[list[AuthoredSample], list[str]]:
    """Every sample of the files, and every problem as `file:line: problem`."""
    import json

    from pydantic import ValidationError

    samples: list[AuthoredSample] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            try:
                sample = AuthoredSample.model_validate(json.loads(line))
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON: {exc.msg} (column {exc.colno})")
                continue
            except ValidationError as exc:
                for error in exc.errors():
                    field = ".".join(str(part) for part in error["loc"]) or "line"
                    problems.append(f"{where}: {field}: {error['msg']}")
                continue
            if sample.ref in seen:
                problems.append(f"{where}: ref {sample.ref!r} also at {seen[sample.ref]}")
            seen[sample.ref] = where
            problems.extend(f"{where}: {sample.ref}: {p}" for p in sample_problems(sample))
            samples.append(sample)
    return samples, problems


def to_prompt_fields(sample: AuthoredSample) -> dict[str, Any]:
    """The Prompt fields of a sample (the id and messages are added by the set builder)."""
    cell = sample.cell
    metadata: dict[str, object] = {
        "ref": sample.ref,
        "stratum": cell.key,
        "tokens": sample.tokens,
        "language": sample.language,
        "hard_cases": sample.hard_cases,
        "key_fact_anchors": [f.anchors for f in sample.key_facts],
        "key_fact_docs": [f.doc for f in sample.key_facts],
        "poor_summary": sample.poor_summary,
        "subset": sample.subset,
    }
    if sample.attack:
        metadata["attack"] = sample.attack
    if sample.injected_instruction:
        metadata["injected_instruction"] = sample.injected_instruction
    return {
        "suite": "summarization",
        "category": "summarization",
        "use_case": sample.use_case,
        "content_type": sample.content_type,
        "length_bucket": cell.length_bucket,
        "stacked": cell.stacked,
        "n_docs": len(sample.documents),
        "documents": sample.documents,
        "key_facts": [f.fact for f in sample.key_facts],
        "max_sentences": MAX_SENTENCES[sample.use_case][cell.length_bucket],
        "reference": sample.reference_summary,
        "source": AUTHORED_SOURCE,
        "metadata": metadata,
    }


def main(argv: list[str]) -> int:
    """`python -m evalkit.summarization.authored FILE...`: check files while writing them."""
    from collections import Counter

    paths = [Path(a) for a in argv]
    samples, problems = read_authored(paths)
    for problem in problems:
        print(problem)
    cells = Counter(s.cell.key for s in samples)
    hard = Counter(h for s in samples for h in s.hard_cases)
    print(f"\n{len(samples)} samples, {len(problems)} problems")
    for key, count in sorted(cells.items()):
        print(f"  {key:45s} {count}")
    if hard:
        print("  hard cases: " + ", ".join(f"{k} {v}" for k, v in sorted(hard.items())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
