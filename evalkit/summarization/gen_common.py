"""Helpers shared by the content-type builders: assembling a thread to n documents, and
sentence makers written as tables of (template, slot drawer) rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from evalkit.summarization.world import Doc, World

DocMaker = Callable[[], Doc]
# Draws the slot values of a `World.say` template, in order, when the sentence is written.
Slots = Callable[[], dict[str, Any]]
# A sentence as data: its template and its slots.
Phrase = tuple[str, Slots]


def assemble(
    w: World,
    n: int,
    head: DocMaker,
    fillers: Sequence[DocMaker],
    tail: Sequence[DocMaker],
    rounds: int = 1,
) -> list[Doc]:
    """head, then n-1-len(tail) fillers (shuffled, reused with new wording if needed), then tail.

    `rounds` > 1 queues that many separately shuffled passes over the fillers (a stack of
    notifications repeats its events in a less regular order than a thread's replies).

    When n is too small for the whole tail, the tail is cut from its end, so a change of plan
    (first in the tail) is kept and only its confirmation is dropped. Makers run in document
    order, so timestamps increase down the thread.
    """
    tail = list(tail)[: max(0, n - 1)]
    k = n - 1 - len(tail)
    order = [maker for _ in range(rounds) for maker in w.shuffled(fillers)]
    docs = [head()]
    for i in range(k):
        docs.append(order[i % len(order)]())
    docs.extend(maker() for maker in tail)
    return docs


def pads_for(
    w: World,
    templates: Sequence[Callable[[], str]],
    doc: int | None = None,
    topical: Sequence[Callable[[], str]] = (),
) -> list:
    """Render detail sentences (each template once) as (doc index, text): the topical ones
    first, in random order, then the general asides, in random order."""
    return [(doc, make()) for make in [*w.shuffled(topical), *w.shuffled(templates)]]


def phrases(w: World, *table: Phrase) -> list[Callable[[], str]]:
    """One sentence maker per row. A maker draws the slot values in the order the row lists
    them, then expands the template, so its random draws are those of a hand-written
    `lambda: w.say(template, slot=value, ...)`."""
    return [partial(_say, w, template, slots) for template, slots in table]


def _say(w: World, template: str, slots: Slots) -> str:
    return w.say(template, **slots())
