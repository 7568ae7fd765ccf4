"""Helpers shared by the content-type builders: assembling a thread to n documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from evalkit.summarization.world import Doc, World

DocMaker = Callable[[], Doc]


def assemble(
    w: World, n: int, head: DocMaker, fillers: Sequence[DocMaker], tail: Sequence[DocMaker]
) -> list[Doc]:
    """head, then n-1-len(tail) fillers (shuffled, reused with new wording if needed), then tail.

    When n is too small for the whole tail, the tail is cut from its end, so a change of plan
    (first in the tail) is kept and only its confirmation is dropped. Makers run in document
    order, so timestamps increase down the thread.
    """
    tail = list(tail)[: max(0, n - 1)]
    k = n - 1 - len(tail)
    order = w.shuffled(fillers)
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
