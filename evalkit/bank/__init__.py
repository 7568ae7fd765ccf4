"""The prompt bank and the adversarial suites: validate them, describe them, import prompts.

The bank is `prompts/bank/<category>.jsonl`, one `Prompt` per line, fourteen categories at three
difficulties, every prompt with a `checklist`. The adversarial suites are
`prompts/adversarial/<area>.jsonl`, one file per area of the safety rubric; every prompt to
refuse has a benign twin. Validation reports every problem at once as
`file:line: field: problem`; statistics are pure pandas functions.

The modules, from the bottom up:

- `rules`: the numbers and field requirements every check reads;
- `reading`: a bank's files, and prompts with the file and line they came from;
- `checks`: the bank's per-prompt and per-cell checks;
- `adversarial`: the adversarial suites' own checks (twins, tactics, answers, areas);
- `duplicates`: near-duplicate prompts by word-shingle Jaccard similarity;
- `validate`: `validate_bank`, every check in one `BankReport`;
- `stats`: counts, lengths and turns tables of the bank and the suites;
- `imports`: another team's JSONL, CSV or Dolly prompts in our schema.

Everything is re-exported here: import from `evalkit.bank`.
"""

from __future__ import annotations

from evalkit.bank.adversarial import check_adversarial, check_areas, check_twins
from evalkit.bank.checks import (
    cell_counts,
    check_cells,
    check_checklists,
    check_conversations,
    check_ids,
    check_labels,
    check_references,
    check_risk_areas,
    check_system_prompts,
    has_system,
    user_turns,
)
from evalkit.bank.duplicates import (
    NearDuplicate,
    cross_duplicates,
    jaccard,
    near_duplicates,
    normalize_words,
    prompt_text,
    shingles,
)
from evalkit.bank.imports import (
    CATEGORY_ALIASES,
    DOLLY_MAP,
    IGNORE,
    IMPORT_FORMATS,
    TEXT_FIELDS,
    ImportResult,
    compact,
    import_prompts,
    normalize_category,
    parse_map,
)
from evalkit.bank.reading import BankPrompt, Problem, bank_files, load_bank, read_bank_file
from evalkit.bank.rules import (
    ADVERSARIAL_CHECKLIST_ITEMS,
    ANSWER_AREAS,
    CHECKLIST_ITEMS,
    CONVERSATION_TURNS,
    CROSS_SIMILARITY,
    LONG_PROMPT_WORDS,
    MIN_PER_AREA,
    MIN_PER_CELL,
    MIN_SYSTEM_SHARE,
    NGRAM,
    NOTE_TACTICS,
    PROBLEM_NAMES,
    REQUIRED_FIELDS,
    SIMILARITY,
    TACTICS,
)
from evalkit.bank.stats import (
    ADVERSARIAL_FIELDS,
    adversarial_frame,
    adversarial_stats,
    adversarial_table,
    bank_frame,
    bank_stats,
    count_table,
    difficulty_length_table,
    length_table,
    turns_table,
)
from evalkit.bank.validate import BankReport, validate_bank
from evalkit.records import CATEGORIES, DIFFICULTIES  # read by `evalkit bank` as bank.DIFFICULTIES

__all__ = [
    "ADVERSARIAL_CHECKLIST_ITEMS",
    "ADVERSARIAL_FIELDS",
    "ANSWER_AREAS",
    "CATEGORIES",
    "CATEGORY_ALIASES",
    "CHECKLIST_ITEMS",
    "CONVERSATION_TURNS",
    "CROSS_SIMILARITY",
    "DIFFICULTIES",
    "DOLLY_MAP",
    "IGNORE",
    "IMPORT_FORMATS",
    "LONG_PROMPT_WORDS",
    "MIN_PER_AREA",
    "MIN_PER_CELL",
    "MIN_SYSTEM_SHARE",
    "NGRAM",
    "NOTE_TACTICS",
    "PROBLEM_NAMES",
    "REQUIRED_FIELDS",
    "SIMILARITY",
    "TACTICS",
    "TEXT_FIELDS",
    "BankPrompt",
    "BankReport",
    "ImportResult",
    "NearDuplicate",
    "Problem",
    "adversarial_frame",
    "adversarial_stats",
    "adversarial_table",
    "bank_files",
    "bank_frame",
    "bank_stats",
    "cell_counts",
    "check_adversarial",
    "check_areas",
    "check_cells",
    "check_checklists",
    "check_conversations",
    "check_ids",
    "check_labels",
    "check_references",
    "check_risk_areas",
    "check_system_prompts",
    "check_twins",
    "compact",
    "count_table",
    "cross_duplicates",
    "difficulty_length_table",
    "has_system",
    "import_prompts",
    "jaccard",
    "length_table",
    "load_bank",
    "near_duplicates",
    "normalize_category",
    "normalize_words",
    "parse_map",
    "prompt_text",
    "read_bank_file",
    "shingles",
    "turns_table",
    "user_turns",
    "validate_bank",
]
