"""What the classifier says of a response: the three labels, their names for evalkit's callers,
and `Detection`, the result of `detect_refusal` (shared by the model, the decision and training,
so it sits apart from all of them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Label = Literal["complied", "partial", "refused"]
RefusalKind = Literal["refusal", "partial", "compliance"]
LABELS: tuple[Label, ...] = ("complied", "partial", "refused")
KIND_OF: dict[str, RefusalKind] = {
    "refused": "refusal",
    "partial": "partial",
    "complied": "compliance",
}


@dataclass(frozen=True)
class Detection:
    """What `detect_refusal` says of one response (see the package docstring)."""

    refused: bool
    kind: RefusalKind
    pattern: str | None  # the strongest rule that fired; None when none did
    match: str | None = None  # the text it matched
    label: Label = "complied"
    confidence: float = 1.0  # probability of `label`
    p_refused: float = 0.0  # probability of refused or partial

    def as_details(self) -> dict[str, Any]:
        """The fields a Score's details keep."""
        return {
            "label": self.label,
            "kind": self.kind,
            "confidence": round(self.confidence, 4),
            "p_refused": round(self.p_refused, 4),
            "pattern": self.pattern,
            "match": self.match,
        }


RefusalResult = Detection  # the name of evalkit <= 0.1
