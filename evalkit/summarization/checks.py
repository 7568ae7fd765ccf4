"""Automatic checks of one summary, beside the human grades.

- key-fact coverage (omissions): the share of the sample's key facts found in the summary, by
  the fuzzy rule of `text.fact_present` (normalized tokens; "$1,200" == "1200"; "3:30 PM" ==
  "15:30"; half of a fact's words, all of its numbers);
- groundedness: names and numbers in the summary that are not in the input. Numbers: every
  number of the summary must be in the documents (a rounded decimal counts, and so does the
  number of documents, "3 emails"). Names: capitalized words that are not common words and do
  not occur in the documents; a sentence's first word counts only when it is followed by another
  capitalized word. Computed values (a total of two amounts) are flagged for a human to judge;
- length compliance: sentences (by `text.split_sentences`) <= the prompt's max_sentences.

`check_summary` is a pure function; `summarization_scorer` turns it into Score records for
`evalkit score RUN_DIR`; `checks_frame` and `tabulate_checks` give the per-model, per-use-case
and per-stratum table with n and Wilson 95% intervals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from evalkit.records import Prompt, Response, Score
from evalkit.scoring import ScoringContext, register_scorer
from evalkit.stats.proportions import format_rate, wilson_interval
from evalkit.summarization.text import (
    COMMON_CAPITALIZED,
    MONTHS,
    WEEKDAYS,
    fact_present,
    is_number,
    normalize_tokens,
    number_supported,
    split_sentences,
    strip_accents,
    token_set,
)

SCORER = "summarization:checks"
_WORD = re.compile(r"(?<!\w)[^\W\d_][\w'’\-]*", re.UNICODE)
_NUMERIC = re.compile(
    r"(?<!\w)\$?\d[\d,]*(?:\.\d+)?(?::\d{2})?[a-z]*(?:\s?(?:[ap]\.?m\.?)(?![a-z]))?%?",
    re.IGNORECASE,
)


@dataclass
class SummaryChecks:
    key_facts: list[str]
    covered: list[str]
    missing: list[str]
    ungrounded_names: list[str]
    ungrounded_numbers: list[str]
    n_sentences: int
    max_sentences: int | None

    @property
    def coverage(self) -> float:
        """Share of key facts kept (1.0 when the sample has none)."""
        return len(self.covered) / len(self.key_facts) if self.key_facts else 1.0

    @property
    def all_key_facts(self) -> bool:
        return not self.missing

    @property
    def ungrounded(self) -> list[str]:
        return self.ungrounded_names + self.ungrounded_numbers

    @property
    def ungrounded_count(self) -> int:
        return len(self.ungrounded)

    @property
    def grounded(self) -> bool:
        return not self.ungrounded

    @property
    def length_ok(self) -> bool:
        if self.max_sentences is None:
            return True
        return 1 <= self.n_sentences <= self.max_sentences


def key_fact_coverage(summary: str, key_facts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(covered, missing) key facts of `summary`."""
    tokens = token_set(summary)
    covered = [f for f in key_facts if fact_present(f, tokens)]
    return covered, [f for f in key_facts if f not in covered]


def ungrounded_numbers(summary: str, documents: Sequence[str]) -> list[str]:
    """Numbers in the summary (as written) that the documents do not contain."""
    source = set(normalize_tokens("\n".join(documents)))
    source_numbers = {t for t in source if is_number(t)} | {str(len(documents))}
    flagged = []
    for match in _NUMERIC.finditer(summary):
        surface = match.group(0).strip()
        numbers = [t for t in normalize_tokens(surface) if is_number(t)]
        if any(not number_supported(t, source_numbers) for t in numbers):
            if surface not in flagged:
                flagged.append(surface)
    return flagged


def _canonical(word: str) -> set[str]:
    """Forms under which a word may appear in the documents' tokens."""
    return set(normalize_tokens(word))


def ungrounded_names(summary: str, documents: Sequence[str]) -> list[str]:
    """Capitalized words of the summary (likely names) that do not occur in the documents."""
    source_tokens = set(normalize_tokens("\n".join(documents)))
    flagged: list[str] = []
    for sentence in split_sentences(summary):
        words = list(_WORD.finditer(sentence))
        for i, match in enumerate(words):
            word = match.group(0).strip("-'’")
            if not word or not word[0].isupper():
                continue
            base = re.sub(r"['’]s$", "", word)
            lowered = strip_accents(base).lower()
            if lowered in COMMON_CAPITALIZED or lowered in MONTHS or lowered in WEEKDAYS:
                continue
            if base.isupper() and len(base) <= 4:  # acronyms such as ETA, PDF, EMEA
                if lowered in source_tokens:
                    continue
            if _canonical(base) <= source_tokens:
                continue
            preceding = sentence[: match.start()].strip()
            if i == 0 or not preceding or preceding[-1] in ":;\"'“(":
                following = words[i + 1].group(0) if i + 1 < len(words) else ""
                nxt_gap = sentence[match.end() : words[i + 1].start()] if following else ""
                if not (following[:1].isupper() and nxt_gap.strip() == ""):
                    continue  # a sentence's first word alone is no evidence of a name
            if base not in flagged:
                flagged.append(base)
    return flagged


def count_sentences(summary: str) -> int:
    return len(split_sentences(summary))


def check_summary(
    summary: str,
    documents: Sequence[str],
    key_facts: Sequence[str],
    max_sentences: int | None = None,
) -> SummaryChecks:
    """All automatic checks of one summary against its input documents."""
    summary = summary or ""
    covered, missing = key_fact_coverage(summary, key_facts)
    return SummaryChecks(
        key_facts=list(key_facts),
        covered=covered,
        missing=missing,
        ungrounded_names=ungrounded_names(summary, documents),
        ungrounded_numbers=ungrounded_numbers(summary, documents),
        n_sentences=count_sentences(summary),
        max_sentences=max_sentences,
    )


def check_prompt(prompt: Prompt, summary: str) -> SummaryChecks:
    documents = prompt.documents or [prompt.user_text]
    return check_summary(summary, documents, prompt.key_facts or [], prompt.max_sentences)


# ------------------------------------------------------------------------------------------
def _strata(prompt: Prompt) -> dict[str, object]:
    return {
        "use_case": prompt.use_case,
        "content_type": prompt.content_type,
        "length_bucket": prompt.length_bucket,
        "stacked": prompt.stacked,
    }


def scores_for(run_id: str, prompt: Prompt, response: Response) -> list[Score]:
    """The Score records of one response (scorer "summarization:checks")."""
    result = check_prompt(prompt, response.text or "")
    strata = _strata(prompt)

    def score(metric: str, value: float, **details: object) -> Score:
        return Score(
            run_id=run_id,
            prompt_id=prompt.id,
            model=response.model,
            sample=response.sample,
            scorer=SCORER,
            metric=metric,
            value=float(value),
            details={**strata, **details},
        )

    return [
        score(
            "key_fact_coverage", result.coverage, missing=result.missing, key_facts=result.key_facts
        ),
        score("all_key_facts", result.all_key_facts),
        score(
            "ungrounded_count",
            result.ungrounded_count,
            names=result.ungrounded_names,
            numbers=result.ungrounded_numbers,
        ),
        score("grounded", result.grounded),
        score(
            "length_ok",
            result.length_ok,
            n_sentences=result.n_sentences,
            max_sentences=result.max_sentences,
        ),
        score("n_sentences", result.n_sentences),
    ]


@register_scorer("summarization")
def summarization_scorer(context: ScoringContext) -> list[Score]:
    """Scores every successful response of the run's summarization prompts."""
    scores: list[Score] = []
    for response in context.responses:
        prompt = context.prompts.get(response.prompt_id)
        if prompt is None or not response.ok:
            continue
        scores.extend(scores_for(context.run_id, prompt, response))
    return scores


def checks_frame(prompts: dict[str, Prompt], responses: Iterable[Response]) -> pd.DataFrame:
    """One row per successful response to a summarization prompt: strata and check results."""
    rows = []
    for response in responses:
        prompt = prompts.get(response.prompt_id)
        if prompt is None or prompt.suite != "summarization" or not response.ok:
            continue
        result = check_prompt(prompt, response.text or "")
        rows.append(
            {
                "model": response.model,
                "prompt_id": prompt.id,
                "sample": response.sample,
                **_strata(prompt),
                "key_fact_coverage": result.coverage,
                "all_key_facts": result.all_key_facts,
                "ungrounded_count": result.ungrounded_count,
                "grounded": result.grounded,
                "length_ok": result.length_ok,
                "n_sentences": result.n_sentences,
            }
        )
    columns = [
        "model",
        "prompt_id",
        "sample",
        "use_case",
        "content_type",
        "length_bucket",
        "stacked",
        "key_fact_coverage",
        "all_key_facts",
        "ungrounded_count",
        "grounded",
        "length_ok",
        "n_sentences",
    ]
    return pd.DataFrame(rows, columns=columns)


RATES = {"all_key_facts": "all key facts", "grounded": "grounded", "length_ok": "length ok"}


def tabulate_checks(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group: n, mean coverage, and each rate with its count and Wilson 95% interval."""
    rows = []
    if frame.empty:
        return pd.DataFrame(columns=[*by, "n"])
    for key, group in frame.groupby(list(by), dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, object] = dict(zip(by, key, strict=True))
        n = len(group)
        row["n"] = n
        row["mean_coverage"] = round(float(group["key_fact_coverage"].mean()), 4)
        row["mean_ungrounded"] = round(float(group["ungrounded_count"].mean()), 4)
        for column in RATES:
            k = int(group[column].sum())
            low, high = wilson_interval(k, n)
            row[f"{column}_k"] = k
            row[f"{column}_rate"] = round(k / n, 4)
            row[f"{column}_low"] = round(low, 4)
            row[f"{column}_high"] = round(high, 4)
        rows.append(row)
    return pd.DataFrame(rows)


def readable(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The table as a person reads it: each rate as 'p% [low, high] n=N'."""
    if table.empty:
        return table
    out = table[[*by]].copy()
    out["n"] = table["n"]
    out["mean coverage"] = table["mean_coverage"].map(lambda v: f"{100 * v:.1f}%")
    for column, label in RATES.items():
        out[label] = [
            format_rate(int(k), int(n))
            for k, n in zip(table[f"{column}_k"], table["n"], strict=True)
        ]
    return out
