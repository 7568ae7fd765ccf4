"""A fourth grading kind, added as a project adds one: `tests/kinds/plugin/rating.py` (one module)
and `rating.yaml` beside it (its rubric), registered through `EVALKIT_KINDS`. Nothing in evalkit
names it, yet it flows through every step: `evalkit plan rating` (another process), the rater
app (Streamlit's AppTest on the real page script), the judge, `evalkit stats kind`, a gate and
the report, and back from a grades export."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.kinds import KINDS, GradingKind, all_kinds, get_kind
from evalkit.kinds import plugins as plugins_module
from evalkit.records import Grade, Message, ModelSpec
from evalkit.rubrics import load_rubric, rubric_problems
from evalkit.scoring.run import score_run
from evalkit.stats import table as table_module
from evalkit.store import GradeStore
from tests.fixtures.browser import APP_SCRIPT
from tests.fixtures.builders import make_run, write_run

PLUGIN = Path(__file__).parent / "plugin" / "rating.py"
EVALKIT = Path(sys.executable).with_name("evalkit")
# the human ratings the test gives (the app gives alice's first one): per model, per rater
RATINGS = {"cand": {"alice": 6, "bob": 5}, "base1": {"alice": 3, "bob": 4}}


@pytest.fixture
def rating_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[GradingKind]:
    """The kind, loaded the way every evalkit process loads it: from EVALKIT_KINDS."""
    monkeypatch.setenv("EVALKIT_KINDS", str(PLUGIN))
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    monkeypatch.delenv("EVALKIT_RUN_DIR", raising=False)
    monkeypatch.delenv("EVALKIT_RUBRICS_DIR", raising=False)
    assert "rating" not in KINDS
    try:
        yield get_kind("rating")
    finally:
        KINDS.pop("rating", None)
        for name in ("rating_good_rate", "rating_mean_scaled"):
            table_module.REGISTRY.pop(name, None)
        plugins_module._loaded.discard(f"env:{PLUGIN}")


def evalkit(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """The evalkit command in its own process (which finds the kind through EVALKIT_KINDS)."""
    done = subprocess.run(
        [str(EVALKIT), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=300
    )
    if ok:
        assert done.returncode == 0, done.stderr
    return done


class RatingJudge:
    """A judge client that rates the candidate's responses 7 and the others 2."""

    async def complete(self, messages: list[Message], **_: Any) -> Any:
        rating = 7 if "cand answers" in messages[-1].content else 2
        reply = json.dumps({"rating": rating, "reason": "as the test wants"})
        return type("Reply", (), {"text": reply})()


def test_a_project_kind_flows_through_plan_app_judge_stats_gate_and_report(
    rating_kind: GradingKind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rating_kind.label == "Overall rating" and not rating_kind.label_studio
    assert load_rubric("rating").good_at == 5  # found beside its module
    run_dir = write_run(tmp_path / "runs" / "demo", *make_run())
    store_path = run_dir / "grades.sqlite"
    with GradeStore(store_path) as store:
        token = {name: store.add_rater(name) for name in ("alice", "bob")}

    # -- plan, in another process: the command exists because the kind was found there
    out = evalkit("plan", "rating", str(run_dir), "--models", "cand,base1", "--raters", "2").stdout
    assert "planned rating: 24 items" in out  # 12 bank prompts x 2 models
    with GradeStore(store_path) as store:
        items = [i for i in store.items() if i.kind == "rating"]
        assert len(items) == 24 and {i.model for i in items} == {"cand", "base1"}
        assert {i.rubric for i in items} == {"rating"}

    # -- the app: alice signs in and rates her first item on the kind's own form
    monkeypatch.setenv("EVALKIT_DB", str(store_path))
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60).run()
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_secret").input(token["alice"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Overall rating" in h.value for h in at.subheader)
    (radio,) = at.radio
    assert radio.label == "How good is this response overall?"
    assert radio.options[4] == "5 · Good" and len(radio.options) == 7
    shown = [t.value for t in at.main.text]
    first = next(i for i in items if any(i.response_text in text for text in shown))
    radio.set_value(RATINGS[first.model or ""]["alice"])
    next(b for b in at.button if b.label == "Submit").click().run()
    assert not at.exception, at.exception
    with GradeStore(store_path) as store:
        (saved,) = store.current_grades()
        assert saved.item_id == first.id and saved.rater_id == "alice"
        assert saved.answers == {"rating": RATINGS[first.model or ""]["alice"]}
        # the other ratings, as the raters would give them
        for item in items:
            for rater in ("alice", "bob"):
                if (item.id, rater) != (first.id, "alice"):
                    value = RATINGS[item.model or ""][rater]
                    store.save_grade(
                        Grade(item_id=item.id, rater_id=rater, answers={"rating": value})
                    )
        with pytest.raises(UserError, match="answers.rating from 1 to 7"):
            store.save_grade(Grade(item_id=first.id, rater_id="bob", answers={"rating": 9}))
    monkeypatch.delenv("EVALKIT_DB")

    # -- the judge grades every item through the kind's prompt and parser
    scores = score_run(run_dir, judge=ModelSpec(name="rater-judge"), judge_client=RatingJudge())
    assert scores is not None
    with GradeStore(store_path) as store:
        judged = [g for g in store.current_grades() if g.rater_id == "judge:rater-judge"]
    assert len(judged) == 24
    by_id = {i.id: i for i in items}
    assert {(by_id[g.item_id].model, (g.answers or {})["rating"]) for g in judged} == {
        ("cand", 7),
        ("base1", 2),
    }

    # -- statistics, in another process: human rows apart from the judge's
    printed = evalkit("stats", "kind", "rating", str(run_dir), "--json").stdout
    rows = pd.DataFrame(json.loads(printed))
    mine = rows[(rows["group"] == "all") & (rows["graders"] == "human")]
    got = mine.set_index(["metric", "model"])
    assert got.loc[("rating_good_rate", "cand"), "estimate"] == pytest.approx(1.0)
    assert got.loc[("rating_good_rate", "base1"), "estimate"] == pytest.approx(0.0)
    # base1: (3 - 1) / 6 and (4 - 1) / 6, averaged per item, then over the 12 prompts
    assert got.loc[("rating_mean_scaled", "base1"), "estimate"] == pytest.approx(5 / 12)
    assert set(got["n"]) == {12} and set(got["unit"]) == {"prompts"}
    assert (got["low"] <= got["estimate"]).all() and (got["estimate"] <= got["high"]).all()
    auto = rows[(rows["group"] == "all") & (rows["graders"] == "auto")]
    auto_mean = auto.set_index(["metric", "model"])["estimate"]
    assert auto_mean[("rating_mean_scaled", "cand")] == pytest.approx(1.0)  # the judge's 7s
    assert "category=coding" in set(rows["group"])

    # -- a gate on the kind's metric, in another process: one passes, one fails
    gates = tmp_path / "gates.yaml"
    gates.write_text(
        "version: 1\ngates:\n"
        "  - name: candidate rated good\n    metric: rating_good_rate\n    model: cand\n"
        "    threshold: 0.7\n    min_n: 10\n"
        "  - name: baseline rated good\n    metric: rating_good_rate\n    model: base1\n"
        "    threshold: 0.7\n    min_n: 10\n",
        encoding="utf-8",
    )
    verdict = evalkit("gate", "--gates", str(gates), str(run_dir), ok=False)
    assert verdict.returncode == 1, verdict.stderr
    assert "candidate rated good" in verdict.stdout and "baseline rated good" in verdict.stdout
    lines = {line for line in verdict.stdout.splitlines() if "rated good" in line}
    assert any("PASS" in line and "candidate" in line for line in lines), lines
    assert any("FAIL" in line and "baseline" in line for line in lines), lines

    # -- the report: a section of its own, with n and intervals
    report = tmp_path / "report"
    evalkit("report", str(run_dir), "-o", str(report), "-g", str(gates), "--no-pdf", ok=False)
    html = (report / "index.html").read_text(encoding="utf-8")
    assert 'id="family-rating"' in html and "Overall rating" in html
    assert "rating_good_rate" in html and "rating_mean_scaled" in html
    section = html[html.index('id="family-rating"') :]
    cand = got.loc[("rating_good_rate", "cand")]
    shown = f"100.0% [{cand['low'] * 100:.1f}, {cand['high'] * 100:.1f}] n=12 prompts"
    assert shown in " ".join(re.sub(r"<[^>]+>", " ", section).split())

    # -- a grades export reads back into the same statistics
    export = tmp_path / "rating.csv"
    evalkit("grades", "export", str(run_dir), "--kind", "rating", "--out", str(export))
    assert pd.read_csv(export)["rating"].between(1, 7).all()
    again = json.loads(evalkit("stats", "kind", "rating", str(export), "--json").stdout)
    again_rows = pd.DataFrame(again).set_index(["metric", "model", "group", "graders"])
    assert again_rows.loc[("rating_good_rate", "cand", "all", "human"), "estimate"] == 1.0


def test_the_kind_is_every_step_s_and_its_rubric_validates(
    rating_kind: GradingKind, tmp_path: Path
) -> None:
    assert rating_kind in all_kinds()
    assert rubric_problems(PLUGIN.with_name("rating.yaml")) == []
    bad = tmp_path / "rating.yaml"
    text = PLUGIN.with_name("rating.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("  - value: 7\n", "  - value: 8\n"), encoding="utf-8")
    (problem,) = rubric_problems(bad)
    assert problem.startswith(f"{bad}:") and "scale" in problem
    listed = evalkit("rubric", "validate").stdout
    assert "rating.yaml: ok" in listed and "4 rubric files, 0 with problems" in listed
    assert "rating" in evalkit("plan", "--help").stdout


def test_a_kind_that_cannot_be_loaded_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVALKIT_KINDS", str(tmp_path / "missing.py"))
    done = evalkit("plan", "--help", ok=False)  # while the commands are built
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "EVALKIT_KINDS entry" in done.stderr and "missing.py is not a file" in done.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('half written')\n", encoding="utf-8")
    monkeypatch.setenv("EVALKIT_KINDS", f"{broken}")
    try:
        for _ in range(2):  # every time, not only the first: never a silently missing kind
            assert run_cli(["stats", "kind", "rating", str(tmp_path)]) == 2
            err = capsys.readouterr().err
            assert "RuntimeError: half written" in err and "Traceback" not in err
        monkeypatch.setenv("EVALKIT_KINDS", "")
        assert run_cli(["stats", "kind", "rating", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert "unknown grading kind 'rating'" in err and "EVALKIT_KINDS" in err
    finally:
        plugins_module._loaded.discard(f"env:{broken}")


def test_a_project_kind_may_not_take_a_built_in_name() -> None:
    from evalkit.kinds import register_kind
    from tests.kinds.plugin.rating import Rating

    class Impostor(Rating):
        name = "sxs"  # type: ignore[assignment]

    with pytest.raises(UserError, match="built in"):
        register_kind(Impostor())
    assert type(get_kind("sxs")).__name__ == "SideBySide"
    KINDS.pop("rating", None)  # importing the module registered it in this process
    for name in ("rating_good_rate", "rating_mean_scaled"):
        table_module.REGISTRY.pop(name, None)


def test_the_judge_reads_the_kind_s_reply_format() -> None:
    """The kind's parser takes its reply format; a rating off the scale is unparseable."""
    from evalkit.kinds import JudgeParseError
    from tests.fixtures.builders import safety_item
    from tests.kinds.plugin.rating import RATING

    try:
        rubric = RATING.load_rubric()
        item = safety_item(0)  # any one-response item: the parser reads only the reply
        result = RATING.judge_payload(item, rubric, {"verdict": '{"rating": "6", "reason": "ok"}'})
        assert result.payload == {"answers": {"rating": 6}, "comment": "ok"}
        for reply in ('{"rating": 0}', '{"rating": true}', "seven"):
            with pytest.raises(JudgeParseError):
                RATING.judge_payload(item, rubric, {"verdict": reply})
    finally:
        KINDS.pop("rating", None)
        for name in ("rating_good_rate", "rating_mean_scaled"):
            table_module.REGISTRY.pop(name, None)


def test_an_installed_package_registers_its_kind_through_an_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`[project.entry-points."evalkit.kinds"] rating = "pkg.module:Rating"` in a package's
    pyproject.toml: the class (or instance, or a module that registers itself) is loaded once."""
    from tests.kinds.plugin import rating as rating_module

    KINDS.pop("rating", None)  # importing the module registered it: start without it

    class Point:
        name, value = "rating", "pkg.module:Rating"

        def __init__(self, obj: object) -> None:
            self.obj = obj
            self.loads = 0

        def load(self) -> object:
            self.loads += 1
            return self.obj

    point = Point(rating_module.Rating)
    monkeypatch.setattr(plugins_module, "entry_points", lambda group: [point])
    monkeypatch.setattr(plugins_module, "_points", None)  # read again, from the fake
    monkeypatch.delenv("EVALKIT_KINDS", raising=False)
    try:
        assert get_kind("rating").label == "Overall rating"
        all_kinds()
        assert point.loads == 1  # once per process
        broken = Point(42)
        broken.value = "pkg.other:NOT_A_KIND"
        monkeypatch.setattr(plugins_module, "_points", [broken])  # a later installation
        with pytest.raises(UserError, match="neither a module nor a GradingKind"):
            all_kinds()
    finally:
        KINDS.pop("rating", None)
        for name in ("rating_good_rate", "rating_mean_scaled"):
            table_module.REGISTRY.pop(name, None)
        plugins_module._loaded.difference_update(
            {"ep:rating=pkg.module:Rating", "ep:rating=pkg.other:NOT_A_KIND"}
        )
