"""Grading kinds: one module per way of grading (see `base`). Importing this package registers
the built-in kinds; a project adds its own with `register_kind`."""

from evalkit.kinds.base import (
    KINDS,
    AnswerError,
    GradingKind,
    JudgeParseError,
    SingleResponseKind,
    all_kinds,
    get_kind,
    register_kind,
)
from evalkit.kinds.safety import Safety
from evalkit.kinds.summarization import Summarization
from evalkit.kinds.sxs import SideBySide

SXS = register_kind(SideBySide())
SUMMARIZATION = register_kind(Summarization())
SAFETY = register_kind(Safety())

__all__ = [
    "KINDS",
    "SAFETY",
    "SUMMARIZATION",
    "SXS",
    "AnswerError",
    "GradingKind",
    "JudgeParseError",
    "SingleResponseKind",
    "all_kinds",
    "get_kind",
    "register_kind",
]
