"""The attacker test: can a rater learn which side is the candidate, or a gold item's expected
answer, from what their browser received?

A rater grades 40 side-by-side items (and 2 gold items) planned by `evalkit plan sxs` WITHOUT
`--seed`, in the real app in Chromium; everything the browser received is captured (page HTML,
HTTP bodies, websocket frames, widget keys). The attacker also has the code, the public prompts
(prompt ids and texts), the run id, the rater names and the model names, and tries:

- replaying the planner (the real code) with guessed secrets: `seed:0..1000`, `0..1000`, the run
  id, the model names, the prompt ids, the empty string, the store's key name for the secret; a
  guess is confirmed when it reproduces the queue order the rater saw, or when an item id it
  derives (or any hash prefix of one) appears anywhere in the captured data;
- matching the per-session handles in widget keys against hashes of all of the above;
- reading the order (position parity), the handles' bits, the prompt ids' hashes, the
  lengths of the two responses, and the best partly-matching guessed secret.

Its committed prediction (a confirmed secret's replay, else the response lengths) must be no
better than chance (≤ 65% of 40 sides) and it must not find a gold item's expected answer. The
same attacker, given a plan made WITH `--seed 0`, recovers the secret and predicts every side and
gold answer, which shows the test can fail (and `evalkit plan` warns about `--seed`).

By construction the candidate's response is the longer one on exactly half the prompts, so the
length heuristic is worth exactly 50%: the test measures the planner's blinding, not the texts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli import run_cli
from evalkit.jsonio import write_records
from evalkit.kinds import get_kind
from evalkit.kinds.base import PlanRequest, conversation_text
from evalkit.planning import assign_balanced, gold_count
from evalkit.records import Message, Prompt, Response
from evalkit.store import GradeStore
from tests.app.support import Capture, choose, item_keys, log_in, main_texts, new_page, serving
from tests.app.support import progress_is as wait_progress
from tests.fixtures.browser import derived_from
from tests.fixtures.builders import BASELINE, CANDIDATE, SECRET_MODELS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

RATER = "rita"
N_PROMPTS = 40
GOLD = "2"
CATEGORIES = ("rewriting", "math_reasoning", "brainstorming", "classification")
WORDS = (
    "the answer depends on context and a careful reader should check each step of the reasoning "
    "before trusting a short summary of evidence that may be incomplete or out of date today"
).split()
CHANCE = 0.65  # the committed prediction: no better than chance on 40 sides
GROSS = 0.85  # any single heuristic: P(>= 34/40 by luck) ~ 5e-6


# --------------------------------------------------------------------------- the run


def bank_prompts() -> list[Prompt]:
    """The public prompts (the attacker has them too), in the planner's order (by id)."""
    return [
        Prompt(
            id=f"bank-{i:03d}",
            messages=[Message(role="user", content=f"Question {i}: explain topic {i} briefly.")],
            category=CATEGORIES[i % len(CATEGORIES)],
            suite="bank",
        )
        for i in range(N_PROMPTS)
    ]


def _text(i: int, words: int, shift: int) -> str:
    picked = (WORDS[(i + j + shift) % len(WORDS)] for j in range(words))
    return f"For question {i}: " + " ".join(picked)


def other_prompts() -> list[Prompt]:
    """Prompts of another suite in the same run, outside the plan (public too)."""
    return [
        Prompt(
            id=f"other-{i:03d}",
            suite="ifeval",
            messages=[Message(role="user", content=f"Write {i + 3} words about {topic}.")],
        )
        for i, topic in enumerate(("tides", "moss", "kilns", "ferries", "looms", "sleet"))
    ]


def write_run(run: Path) -> None:
    """The candidate's response is the longer one on even prompts, the shorter on odd ones.
    The run also holds a few prompts of another suite (outside the plan), as real runs do:
    gold decoys come from those, so no decoy text appears in another item of the queue."""
    run.mkdir(parents=True)
    prompts = bank_prompts() + other_prompts()
    responses = []
    for i, prompt in enumerate(prompts):
        long, short = _text(i, 16, 0), _text(i, 8, 5)
        candidate, baseline = (long, short) if i % 2 == 0 else (short, long)
        for model, text in ((CANDIDATE, candidate), (BASELINE, baseline)):
            responses.append(Response(run_id=run.name, prompt_id=prompt.id, model=model, text=text))
    write_records(run / "prompts.jsonl", prompts)
    write_records(run / "responses.jsonl", responses)


def plan_run(run: Path, *extra: str) -> str:
    """`evalkit store init`, one rater, `evalkit plan sxs` (k = 1, 2 gold items): her token."""
    assert run_cli(["store", "init", str(run)]) == 0
    with GradeStore(run / "grades.sqlite", create=False) as store:
        token = store.add_rater(RATER)
    args = ["plan", "sxs", str(run), "--candidate", CANDIDATE, "--baselines", BASELINE]
    assert run_cli([*args, "--raters", "1", "--gold", GOLD, *extra]) == 0
    assert token
    return token


# --------------------------------------------------------------------------- what was received


@dataclass
class Observed:
    """What one rater's browser received, in queue order, and (for scoring only) the truth."""

    shown: list[tuple[str, str, str]]  # (prompt, response A, response B)
    handles: list[str]  # the per-session handle of each item's widget keys
    blobs: list[bytes]  # page HTML, websocket frames, HTTP bodies (the app's own static
    # bundles, the same for every session and part of the code the attacker has, left out)
    truth: list[Truth] = field(default_factory=list)
    store: Path | None = None


@dataclass
class Truth:
    candidate_left: bool | None  # None: a gold item
    gold_better: str | None  # "left" | "right" for a gold item


def truth_of(store_path: Path) -> list[Truth]:
    """The admin's view of the rater's queue (never given to the attacker)."""
    with GradeStore(store_path, create=False) as store:
        items = {item.id: item for item in store.items()}
        queue = [items[item_id] for item_id, _ in store.rater_queue(RATER)]
    return [
        Truth(
            candidate_left=None if item.is_gold else item.model_left == CANDIDATE,
            gold_better=item.gold_answer["better"] if item.is_gold else None,
        )
        for item in queue
    ]


def observe_in_the_store(store_path: Path) -> Observed:
    """What the app would send for each item: the rater-facing (blinded) reads of the store."""
    with GradeStore(store_path, create=False) as store:
        shown = []
        for item_id, _ in store.rater_queue(RATER):
            item = store.rater_item(RATER, item_id)
            shown.append((item.prompt_text, item.left_text or "", item.right_text or ""))
    blobs = [text.encode() for row in shown for text in row]
    return Observed(shown=shown, handles=[], blobs=blobs, truth=truth_of(store_path))


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory, chromium_browser: Any) -> Iterator[Observed]:
    """Plan without --seed, then grade every item of the queue in the real app, capturing
    everything the browser received."""
    run = tmp_path_factory.mktemp("attack") / "attack-run"
    write_run(run)
    token = plan_run(run)
    truth = truth_of(run / "grades.sqlite")
    total = len(truth)
    with serving(str(run / "grades.sqlite"), run.parent / "streamlit.log") as url:
        context, page = new_page(chromium_browser)
        capture = Capture(page)
        shown, handles, contents = [], [], []
        try:
            log_in(page, url, RATER, token)
            for done in range(total):
                wait_progress(page, done, total)
                prompt, left, right = main_texts(page)[:3]
                shown.append((prompt, left, right))
                (key,) = [key for key in item_keys(page) if key.startswith("comment_")]
                handles.append(key.removeprefix("comment_"))
                contents.append(page.content().encode())
                choose(page, "About the same")
                page.get_by_role("button", name="Submit").click()
            wait_progress(page, total, total)
        finally:
            bodies = []
            for response in capture.responses:
                if "/static/" in response.url:
                    continue
                try:
                    bodies.append(response.body())
                except Exception:  # redirects and aborted requests have no body
                    continue
            context.close()
    blobs = list(dict.fromkeys(contents + bodies + capture.frames))
    yield Observed(shown, handles, blobs, truth, run / "grades.sqlite")


# --------------------------------------------------------------------------- the attacker


@dataclass
class Replay:
    prompt_order: list[str]  # prompt ids in the rater's queue order
    item_ids: list[str]
    candidate_left: list[bool | None]  # per queue position; None for gold
    gold_better: list[str | None]


@dataclass
class Attacker:
    """Knows the code, the public prompts, the run id, the raters and the model names."""

    prompts: list[Prompt]
    run_id: str
    others: Sequence[Prompt] = ()  # the run's prompts outside the plan (the gold decoys' pool)
    raters: Sequence[str] = (RATER,)
    candidate: str = CANDIDATE
    baseline: str = BASELINE
    by_text: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_text = {conversation_text(p): p.id for p in self.prompts}

    def guesses(self) -> list[str]:
        key = "secret:" + hashlib.sha256(f"{self.run_id}\x1fsxs".encode()).hexdigest()[:32]
        out = [f"seed:{i}" for i in range(1001)] + [str(i) for i in range(1001)]
        out += ["", "sxs", self.run_id, f"{self.run_id}\x1fsxs", key, key[7:]]
        out += [self.candidate, self.baseline, f"{self.candidate}\x1f{self.baseline}"]
        out += [p.id for p in self.prompts]
        return out

    def replay(self, secret: str) -> Replay:
        """The planner run again (its real code) with a guessed secret: fake response texts,
        since sides, ids, gold placement and order never depend on them."""
        kind = get_kind("sxs")
        fake = [
            Response(run_id=self.run_id, prompt_id=p.id, model=model, text="x")
            for p in [*self.prompts, *self.others]
            for model in (self.candidate, self.baseline)
        ]
        request = PlanRequest(
            run_id=self.run_id, secret=secret, candidate=self.candidate, baselines=[self.baseline]
        )
        items, _ = kind.plan(self.prompts, fake, request)
        request.gold = gold_count(GOLD, len(items))
        items += kind.gold_items(self.prompts, fake, self.candidate, request, self.others)
        by_id = {item.id: item for item in items}
        pairs = assign_balanced(list(by_id), list(self.raters), 1, secret=secret)
        queue = [by_id[iid] for iid, rater in pairs if rater == self.raters[0]]
        return Replay(
            prompt_order=[item.prompt_id for item in queue],
            item_ids=[item.id for item in queue],
            candidate_left=[
                None if item.is_gold else item.model_left == self.candidate for item in queue
            ],
            gold_better=[item.gold_answer["better"] if item.is_gold else None for item in queue],
        )

    def seen_order(self, observed: Observed) -> list[str | None]:
        return [self.by_text.get(prompt) for prompt, _, _ in observed.shown]

    def recover_secret(self, observed: Observed) -> tuple[str | None, list[Replay]]:
        """The first guessed secret whose replay gives the queue order the rater saw. (The
        other confirmation, an item id or a hash of one found in what was received, is
        checked below for the true ids: none reached the browser, so no guess can match.)"""
        seen = self.seen_order(observed)
        replays = []
        for guess in self.guesses():
            replay = self.replay(guess)
            replays.append(replay)
            if replay.prompt_order == seen:
                return guess, replays
        return None, replays

    def handle_matches(self, observed: Observed) -> list[str]:
        """Handles equal to, or holding, a hash prefix of anything the attacker knows."""
        known = [self.run_id, self.candidate, self.baseline, *(p.id for p in self.prompts)]
        known += [str(i) for i in range(1001)]
        values = {value for thing in known for value in derived_from(thing, length=8)}
        values = {value for value in values if len(value) >= 8}  # a hash prefix, not "7"
        return [h for h in observed.handles if any(v in h or h in v for v in values)]

    def heuristics(self, observed: Observed, replays: list[Replay]) -> dict[str, list[bool]]:
        """Side guesses (candidate on the left?) that need no secret."""
        seen = self.seen_order(observed)

        def agreement(replay: Replay) -> int:
            return sum(a == b for a, b in zip(replay.prompt_order, seen, strict=False))

        best = max(replays, key=agreement)
        return {
            "longer response is the candidate": [len(a) > len(b) for _, a, b in observed.shown],
            "always A": [True] * len(observed.shown),
            "position parity": [i % 2 == 0 for i in range(len(observed.shown))],
            "handle bits": [ord(h[0]) % 2 == 0 for h in observed.handles]
            or [False] * len(observed.shown),
            "prompt id hash": [
                hashlib.sha256(str(pid).encode()).digest()[0] % 2 == 0 for pid in seen
            ],
            "best partly matching guess": [bool(side) for side in best.candidate_left],
        }

    def attack(self, observed: Observed) -> Attack:
        secret, replays = self.recover_secret(observed)
        guesses = self.heuristics(observed, replays)
        if secret is not None:
            replay = replays[-1]
            return Attack(secret, replay.candidate_left, replay.gold_better, guesses, replays)
        sides = guesses["longer response is the candidate"]  # the committed fallback
        return Attack(None, list(sides), None, guesses, replays)


@dataclass
class Attack:
    secret: str | None
    sides: Sequence[bool | None]  # the committed prediction, per queue position
    gold: list[str | None] | None  # the gold items' better side, if found
    heuristics: dict[str, list[bool]]
    replays: list[Replay]


def accuracy(predicted: Sequence[bool | None], truth: list[Truth]) -> float:
    pairs = [(p, t.candidate_left) for p, t in zip(predicted, truth, strict=True)]
    scored = [p == t for p, t in pairs if t is not None]
    return sum(scored) / len(scored)


# --------------------------------------------------------------------------- the tests


def test_a_rater_cannot_predict_sides_or_gold_answers_without_seed_but_can_with_one(
    observed: Observed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = bank_prompts()
    truth = observed.truth
    assert len(truth) == N_PROMPTS + int(GOLD)
    assert sum(t.candidate_left is None for t in truth) == int(GOLD)
    attacker = Attacker(prompts, run_id="attack-run", others=other_prompts())
    # the capture works: every item's texts arrived, in the queue's order, with its handle
    assert len(observed.shown) == len(truth) == len(set(observed.handles))
    assert all(attacker.by_text.get(prompt) for prompt, _, _ in observed.shown)
    assert any(observed.shown[0][1].encode() in blob for blob in observed.blobs)
    haystack = b"\n".join(observed.blobs)
    for name in SECRET_MODELS:
        assert name.encode() not in haystack
    with GradeStore(observed.store, create=False) as store:
        true_ids = [item_id for item_id, _ in store.rater_queue(RATER)]
    for iid in true_ids:  # nor an item id, nor a hash prefix of one: nothing to match guesses to
        leaks = [value for value in derived_from(iid) if value.encode() in haystack]
        assert not leaks, f"{leaks} (from item id {iid}) reached the browser"

    attack = attacker.attack(observed)
    report = {name: accuracy(sides, truth) for name, sides in attack.heuristics.items()}
    with capsys.disabled():
        print("\n[attacker] side accuracy without --seed:", report)
    assert attack.secret is None, f"the secret was recovered: {attack.secret!r}"
    assert attacker.handle_matches(observed) == []
    assert len(attack.replays) == len(attacker.guesses())
    assert max(accuracy(r.candidate_left, truth) for r in attack.replays) < 1.0
    assert accuracy(attack.sides, truth) <= CHANCE
    assert accuracy(attack.sides, truth) == 0.5  # the lengths carry no side, by construction
    assert all(value <= GROSS for value in report.values()), report
    assert attack.gold is None  # no gold item's expected answer

    # the same attacker against a plan made with --seed 0 (what the app would send is the
    # rater-facing view of the store): the secret falls, and with it every side and gold answer
    seeded_run = tmp_path / "attack-run"
    write_run(seeded_run)
    capsys.readouterr()
    plan_run(seeded_run, "--seed", "0")
    err = capsys.readouterr().err
    assert "warning: --seed" in err and "weakens blinding" in err
    seeded = observe_in_the_store(seeded_run / "grades.sqlite")
    broken = attacker.attack(seeded)
    assert broken.secret == "seed:0"
    assert accuracy(broken.sides, seeded.truth) == 1.0 > CHANCE
    expected = [t.gold_better for t in seeded.truth]
    assert broken.gold == expected and sum(g is not None for g in expected) == int(GOLD)


def test_gold_decoys_cannot_be_spotted_by_matching_texts_across_items(
    observed: Observed,
) -> None:
    """A content strategy: in a gold item, the side whose text appears in an item of another
    prompt is the decoy, so the other side is the expected answer."""
    found = []
    for index, (prompt, left, right) in enumerate(observed.shown):
        others = {text for p, a, b in observed.shown if p != prompt for text in (a, b)}
        guess = "right" if left in others else "left" if right in others else None
        if observed.truth[index].gold_better is not None:
            found.append(guess == observed.truth[index].gold_better)
    print("\n[attacker] gold answers found by matching texts:", found)
    assert len(found) == int(GOLD)
    assert not all(found)
