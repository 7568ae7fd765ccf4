"""The request as the product feature sends it: one user message, the instruction then the
documents, oldest first. The length limit is part of the instruction, so "following
instructions" can be graded and `length_ok` checked."""

from __future__ import annotations

from evalkit.records import Message

_NOUN = {
    "email": ("email", "emails", "email thread"),
    "message": ("message", "messages", "conversation"),
    "notification": ("notification", "notifications", "stack of notifications"),
}
_KEEP = (
    "Keep who is involved, what is asked, decided or changed, and the dates, times, places, "
    "amounts and numbers that matter."
)
_GROUNDED = "Use only information from the {noun}; do not add names, numbers or facts."
_FINAL = "If a later {one} changes or updates an earlier one, report the final state."


def sentences(k: int) -> str:
    return f"{k} sentence" if k == 1 else f"{k} sentences"


def instruction(use_case: str, n_docs: int, max_sentences: int) -> str:
    one, many, group = _NOUN[use_case]
    limit = sentences(max_sentences)
    if n_docs == 1:
        head = f"Summarize the {one} below for its recipient in at most {limit}."
        return " ".join([head, _KEEP, _GROUNDED.format(noun=one)])
    head = (
        f"Summarize the {group} below ({n_docs} {many}, oldest first) for its recipient "
        f"in at most {limit}."
    )
    return " ".join([head, _FINAL.format(one=one), _KEEP, _GROUNDED.format(noun=many)])


def format_documents(use_case: str, documents: list[str]) -> str:
    one = _NOUN[use_case][0]
    if len(documents) == 1:
        return f"{one.capitalize()}:\n{documents[0]}"
    if use_case == "message":
        return "Conversation:\n" + "\n".join(documents)
    total = len(documents)
    return "\n\n".join(
        f"{one.capitalize()} {i} of {total}:\n{doc}" for i, doc in enumerate(documents, start=1)
    )


def build_messages(use_case: str, documents: list[str], max_sentences: int) -> list[Message]:
    text = (
        f"{instruction(use_case, len(documents), max_sentences)}\n\n"
        f"{format_documents(use_case, documents)}"
    )
    return [Message(role="user", content=text)]
