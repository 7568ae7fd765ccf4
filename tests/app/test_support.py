"""The app's logic without Streamlit: blinding and handles, answers -> grades through the kinds,
admin tables, exports, launch."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evalkit import app_support as support
from evalkit.app_support import AnswerError, Extras, Handles
from evalkit.cli import run_cli
from evalkit.errors import UserError
from evalkit.kinds import all_kinds, get_kind
from evalkit.kinds.base import GradingKind, View
from evalkit.paths import PROJECT_ROOT
from evalkit.records import Grade
from evalkit.store import GradeStore
from tests.fixtures.browser import derived_from, make_item, seed_store
from tests.fixtures.builders import SECRET_MODELS

RUBRICS = support.load_rubrics()
SXS, SUMMARIZATION, SAFETY = (get_kind(name) for name in ("sxs", "summarization", "safety"))
DIMS = [d.id for d in RUBRICS["summarization"].dimensions]


# --------------------------------------------------------------------------- blinding


def test_every_kind_builds_a_view_without_models_gold_or_item_id() -> None:
    fields = {f.name for f in dataclasses.fields(View)}
    hidden = {"id", "item_id", "run_id", "model", "model_left", "model_right", "is_gold",
              "gold_answer", "side_seed", "metadata"}  # fmt: skip
    assert not fields & hidden
    for kind in all_kinds():
        item = make_item(kind.name, 1, gold=True)
        view = kind.view(item, "opaque-handle")
        assert view.handle == "opaque-handle" and view.kind == kind.name
        shown = repr(view)
        assert not any(name in shown for name in SECRET_MODELS)
        assert item.id not in shown and item.run_id not in shown and "gold" not in shown.lower()


def test_handles_are_random_per_session_and_map_back_only_on_the_server() -> None:
    item_id = make_item("sxs", 1).id
    session = Handles()
    handle = session.handle(item_id)
    assert session.handle(item_id) == handle  # stable while the item is on the page
    assert session.item_id(handle) == item_id and session.mapping == {handle: item_id}
    assert len(handle) >= 16 and re.fullmatch(r"[A-Za-z0-9_-]+", handle)
    other = Handles().handle(item_id)  # another session (a reload): another handle
    assert other != handle
    for value in derived_from(item_id):
        assert value not in handle and value not in other
    session.forget(handle)
    with pytest.raises(UserError, match="no longer on your page"):
        session.item_id(handle)
    assert session.handle(item_id) != handle  # shown again later: a fresh handle


def test_progress_text_and_heading() -> None:
    assert support.progress_text(2, 5) == (0.4, "Progress: 2 / 5 done")
    assert support.progress_text(0, 0) == (0.0, "Progress: 0 / 0 done")
    assert support.kind_heading(SXS, "math_reasoning") == f"{SXS.label} · math reasoning"
    assert support.kind_heading(SAFETY, None) == SAFETY.label


def test_no_kind_is_known_by_name_in_the_app() -> None:
    for path in (
        PROJECT_ROOT / "app" / "rater_app.py",
        PROJECT_ROOT / "evalkit" / "app_support.py",
    ):
        code = path.read_text(encoding="utf-8")
        for kind in all_kinds():
            assert not re.search(rf"""["']{kind.name}["']""", code), f"{path}: {kind.name!r}"
        assert "SUMMARY_DIMENSIONS" not in code and "evalkit.assignment" not in code


# --------------------------------------------------------------------------- answers -> grades


def grade(kind: GradingKind, answers: dict[str, Any], extras: Extras | None = None) -> Grade:
    """The grade a rater's answers make on item 1 of `kind`."""
    item = make_item(kind.name, 1)
    rubric = RUBRICS[kind.name]
    form = kind.form(rubric, kind.view(item, "h"))
    return support.make_grade(kind, rubric, form, item.id, "alice", answers, extras or Extras())


def test_every_kind_answered_with_its_first_options_makes_a_valid_grade() -> None:
    for kind in all_kinds():
        rubric = RUBRICS[kind.name]
        item = make_item(kind.name, 1)
        form = kind.form(rubric, kind.view(item, "h"))
        assert form.questions and form.rows
        answers = {q.name: q.options[0].value for q in form.questions if q.required}
        made = support.make_grade(kind, rubric, form, item.id, "alice", answers, Extras())
        assert made.item_id == item.id and made.grader == "human"
        kind.check_grade(made, rubric)
        assert kind.grade_row(item, made) is not None


def test_common_fields_skip_and_bare_flag() -> None:
    made = grade(SXS, {"choice": 2}, Extras(comment=" ok ", seconds=3.456))
    assert (made.choice, made.comment, made.seconds, made.grader) == (2, "ok", 3.46, "human")
    with pytest.raises(AnswerError, match="Answer: Which response is better"):
        grade(SXS, {"choice": None})
    with pytest.raises(AnswerError, match="not on the scale"):
        grade(SXS, {"choice": 7})
    skipped = grade(SXS, {"choice": 1}, Extras(skipped=True))
    assert skipped.skipped and skipped.choice is None
    bare_flag = grade(SXS, {}, Extras(flagged=True))
    assert bare_flag.flagged and bare_flag.choice is None
    assert grade(SXS, {}, Extras(flagged=True, seconds=-1.0)).seconds == 0.0


def test_summarization_needs_every_rubric_dimension() -> None:
    answers: dict[str, str | None] = dict.fromkeys(DIMS, "good")
    assert grade(SUMMARIZATION, answers).dimensions == dict.fromkeys(DIMS, "good")
    answers[DIMS[2]] = None
    name = RUBRICS["summarization"].dimensions[2].name
    with pytest.raises(AnswerError, match=f"missing: {name}"):
        grade(SUMMARIZATION, answers)


def test_safety_rules() -> None:
    rubric = RUBRICS["safety"]
    category = rubric.categories()[0]
    made = grade(SAFETY, {"violation": True, "violation_category": category})
    assert (made.violation, made.violation_category, made.refused) == (True, category, None)
    no = grade(SAFETY, {"violation": False, "violation_category": category, "refused": True})
    assert (no.violation, no.violation_category, no.refused) == (False, None, True)
    with pytest.raises(AnswerError, match="category of the violation"):
        grade(SAFETY, {"violation": True})
    with pytest.raises(AnswerError, match="not a category"):
        grade(SAFETY, {"violation": True, "violation_category": "made/up"})
    with pytest.raises(AnswerError, match="Answer: Is the response a violation"):
        grade(SAFETY, {"refused": True})


# --------------------------------------------------------------------------- admin tables


def _graded_store(tmp_path: Path) -> GradeStore:
    seeded = seed_store(
        tmp_path / "g.sqlite", queue=("sxs", "sxs", "summarization", "safety"), gold_at=(1,)
    )
    sxs, gold, summary, safety = seeded.items
    store = GradeStore(seeded.url)
    good = dict.fromkeys(DIMS, "good")
    for rater, choice, dims in (("alice", 1, good), ("bob", 2, {**good, DIMS[0]: "poor"})):
        store.save_grade(Grade(item_id=sxs.id, rater_id=rater, choice=choice, seconds=4.0))
        store.save_grade(Grade(item_id=gold.id, rater_id=rater, choice=-choice))
        store.save_grade(Grade(item_id=summary.id, rater_id=rater, dimensions=dims))
    store.save_grade(Grade(item_id=safety.id, rater_id="alice", skipped=True, comment="unsure"))
    store.save_grade(Grade(item_id=sxs.id, rater_id="judge:x", grader="auto", choice=-2))
    return store


def test_admin_tables(tmp_path: Path) -> None:
    with _graded_store(tmp_path) as store:
        data = support.admin_data(store)
    assert set(data.frames) == {"sxs", "summarization"}  # safety: only a skip
    progress = support.progress_table(data.raters, data.items, data.assignments, data.grades)
    alice = progress[progress["rater"] == "alice"].set_index("kind")
    assert alice[["done", "assigned"]].to_dict("index") == {
        "sxs": {"done": 2, "assigned": 2},
        "summarization": {"done": 1, "assigned": 1},
        "safety": {"done": 1, "assigned": 1},
    }
    assert alice.loc["safety", "skipped"] == 1 and alice.loc["sxs", "median_seconds"] == 4.0
    assert set(progress["rater"]) == {"alice", "bob"}  # root and tina have no assignments

    agreement = support.agreement_table(data.frames, RUBRICS)
    agreement = agreement.set_index(["kind", "measure"])
    # one human pair on the plain sxs item (1 vs 2; the judge and the gold item left out)
    assert agreement.loc[("sxs", "preference scale"), ["k", "n", "items"]].tolist() == [0, 1, 1]
    assert agreement.loc[("sxs", "direction"), ["k", "n"]].tolist() == [1, 1]
    assert agreement.loc[("summarization", DIMS[0]), ["k", "n"]].tolist() == [0, 1]
    assert agreement.loc[("summarization", DIMS[1]), "agreement"].startswith("100.0% [")
    assert "safety" not in agreement.index.get_level_values("kind")

    gold = support.gold_accuracy_table(data.raters, data.frames).set_index("rater")
    # the better side of the gold item is left (correct: -2, -1): alice -1 passes, bob -2 passes
    assert gold.loc["alice", "k"] == 1 and gold.loc["bob", "n"] == 1
    assert gold.loc["alice", "kind"] == "sxs"
    assert gold.loc["alice", "gold_accuracy"].startswith("100.0% [")


def test_alpha_summary_uses_the_statistics(tmp_path: Path) -> None:
    with _graded_store(tmp_path) as store:
        data = support.admin_data(store)
    table = support.alpha_summary(data.frames, RUBRICS, resamples=20)
    assert set(table["kind"]) == {"sxs", "summarization"}  # safety: only a skip
    sxs = table[table["kind"] == "sxs"].iloc[0]
    assert sxs["n_items"] == 1  # gold excluded
    assert sxs["alpha (95% CI)"].startswith("n/a")
    assert support.alpha_summary({}, RUBRICS).empty

    seeded = seed_store(tmp_path / "alpha.sqlite", queue=("sxs",) * 4)
    with GradeStore(seeded.url) as store:
        for item, choice in zip(seeded.items, (-2, -1, 1, 2), strict=True):
            for rater in ("alice", "bob"):
                store.save_grade(Grade(item_id=item.id, rater_id=rater, choice=choice))
        table = support.alpha_summary(support.grade_frames(store), RUBRICS, resamples=20)
    row = table.set_index("measure").loc["preference scale"]
    assert row["alpha"] == pytest.approx(1.0) and row["alpha (95% CI)"].startswith("1.00 [")


ODD_RATER = "<b>x</b>\u202e[link](javascript:1)"  # a rater id from elsewhere: user input


def _quality_store(tmp_path: Path) -> GradeStore:
    """12 side-by-side items graded by alice and ODD_RATER (always a tie) and bob (always the
    response shown on the left: his left bias is +0.5 on 12 prompts)."""
    seeded = seed_store(tmp_path / "q.sqlite", queue=("sxs",) * 12)
    store = GradeStore(seeded.url)
    for item in seeded.items:
        for rater, choice in (("alice", 0), (ODD_RATER, 0), ("bob", -2)):
            store.save_grade(Grade(item_id=item.id, rater_id=rater, choice=choice, seconds=30.0))
    return store


def test_rater_quality_table_for_the_admin_and_refused_to_raters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evalkit.stats import raters as raters_module
    from evalkit.text_display import visible

    with _quality_store(tmp_path) as store:
        data = support.admin_data(store)
    admin = support.RaterSession(id="root", name="root", role="admin")
    tables = support.rater_quality_tables(admin, data, RUBRICS)
    assert set(tables) == {"sxs"}
    table = tables["sxs"].set_index("rater")
    assert set(table.index) == {"alice", "bob", visible(ODD_RATER)}
    assert "⟦U+202E⟧" in visible(ODD_RATER)  # the direction override is shown, not obeyed
    assert table.loc["bob", "flag"] == "FLAGGED"
    reasons = table.loc["bob", "reasons"]  # with ties from the other two, he agrees with none
    assert "left bias +0.50 [" in reasons and reasons.startswith("agreement 0.00 [")
    left = table.loc["bob", "left bias"]
    assert left.startswith("+0.50 [") and left.endswith(" n=12")
    assert (table.loc[["alice", visible(ODD_RATER)], "flag"] == "").all()
    assert table.loc["alice", "median s/grade"] == "30.0"  # seconds from the store
    # the same numbers as `evalkit stats raters` (one library function for both)
    frame = data.frames["sxs"]
    same = raters_module.display_table(SXS, raters_module.rater_quality(SXS, frame, RUBRICS["sxs"]))
    pd.testing.assert_frame_equal(tables["sxs"], same)
    styles = support.highlight_flagged(tables["sxs"])._compute().ctx
    highlighted = {row for (row, _), css in styles.items() if css}
    assert highlighted == {int(tables["sxs"].index[tables["sxs"]["rater"] == "bob"][0])}
    assert "evalkit stats raters" in support.rater_quality_caption()

    def read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a rater's call must be refused before anything is computed")

    monkeypatch.setattr(raters_module, "rater_quality", read)
    for viewer in (support.RaterSession(id="alice", name="alice", role="rater"), None):
        with pytest.raises(UserError, match="admin role"):
            support.rater_quality_tables(viewer, data, RUBRICS)  # type: ignore[arg-type]


def test_exports_round_trip_csv_and_parquet(tmp_path: Path) -> None:
    with _graded_store(tmp_path) as store:
        data = support.admin_data(store)
    frame = support.grades_table(data.items, data.grades)
    assert len(frame) == len(data.grades) == 8
    columns = list(frame.columns)
    assert columns[: len(support.ITEM_COLUMNS)] == support.ITEM_COLUMNS
    assert columns[-len(support.GRADE_COLUMNS) :] == support.GRADE_COLUMNS
    assert {"model_a", "model_b", "score", "use_case", *DIMS} <= set(columns)
    assert "dimensions" not in columns  # summarization ratings: one column per dimension
    back = pd.read_parquet(io.BytesIO(support.to_parquet_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame)
    csv = pd.read_csv(io.BytesIO(support.to_csv_bytes(frame)))
    assert len(csv) == 8 and set(csv["rater_id"]) == {"alice", "bob", "judge:x"}
    skipped = frame[frame["skipped"]]
    assert skipped["comment"].tolist() == ["unsure"] and skipped["score"].isna().all()
    summary = frame[frame["kind"] == "summarization"].set_index("rater_id")
    assert summary.loc["bob", DIMS[0]] == "poor" and summary.loc["alice", DIMS[0]] == "good"
    sxs = frame[(frame["kind"] == "sxs") & ~frame["is_gold"]].set_index("rater_id")
    # item 0 shows the candidate (model_a) on the right: a choice of +1 is +1 in model terms
    assert sxs.loc["alice", "score"] == 1 and sxs.loc["judge:x", "score"] == -2
    gold = frame[frame["is_gold"]].set_index("rater_id")
    assert gold["gold_correct"].tolist() == [True, True]
    assert set(frame["model_left"].dropna()) <= set(SECRET_MODELS)


def test_open_app_store_and_serve_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EVALKIT_DB", raising=False)
    monkeypatch.delenv("EVALKIT_RUN_DIR", raising=False)
    with pytest.raises(UserError, match="no grade store"):
        support.open_app_store()
    with pytest.raises(UserError, match="run folder not found"):
        support.open_app_store(run_dir=str(tmp_path / "missing"))
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(UserError, match="no grade store"):  # the app never creates one
        support.open_app_store(run_dir=str(run))
    assert not (run / "grades.sqlite").exists()
    with pytest.raises(UserError, match="no grade store"):
        support.open_app_store(db=str(tmp_path / "typo.sqlite"))
    assert not (tmp_path / "typo.sqlite").exists()
    GradeStore(run / "grades.sqlite").close()  # as `evalkit store init` makes it
    with support.open_app_store(run_dir=str(run), write_timeout=5) as store:
        assert store.display_url.endswith("run/grades.sqlite") and store.write_timeout == 5
    assert run_cli(["app"]) == 2
    assert run_cli(["app", "--db", str(tmp_path / "x.sqlite"), "--port", "0"]) == 2
    assert run_cli(["app", str(run), "--rubrics", str(tmp_path / "nope")]) == 2
    assert run_cli(["app", str(run), "--tls-cert", str(run / "grades.sqlite")]) == 2
    assert run_cli(["app", str(tmp_path / "nothing-here")]) == 2
    assert not (tmp_path / "nothing-here").exists()


def test_rubrics_of_every_registered_kind() -> None:
    assert set(RUBRICS) == {kind.name for kind in all_kinds()}
    for kind in all_kinds():
        assert isinstance(RUBRICS[kind.name], kind.rubric_type)


def test_streamlit_command_is_headless_without_usage_stats_or_error_details() -> None:
    cmd = support.streamlit_command(8601, "127.0.0.1")
    joined = " ".join(cmd)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app/rater_app.py")
    for flag in (
        "--server.headless true",
        "--browser.gatherUsageStats false",
        "--server.port 8601",
        "--server.address 127.0.0.1",
        "--client.showErrorDetails none",  # incident ids in the page, tracebacks in the log
    ):
        assert flag in joined
    assert "sslCertFile" not in joined
    tls = " ".join(support.streamlit_command(8601, "0.0.0.0", "/c.pem", "/k.pem"))
    assert "--server.sslCertFile /c.pem --server.sslKeyFile /k.pem" in tls


# --------------------------------------------------------------------------- deployment


def test_app_warns_off_loopback_without_tls(tmp_path: Path, monkeypatch, capsys) -> None:
    assert support.app_warnings("127.0.0.1", tls=False, behind_proxy=False) == []
    assert support.app_warnings("localhost", tls=False, behind_proxy=False) == []
    assert support.app_warnings("0.0.0.0", tls=True, behind_proxy=False) == []
    assert support.app_warnings("0.0.0.0", tls=False, behind_proxy=True) == []
    (warning,) = support.app_warnings("0.0.0.0", tls=False, behind_proxy=False)
    assert "clear text" in warning and "--tls-cert" in warning and "--behind-proxy" in warning
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("cert")
    key.write_text("key")
    with pytest.raises(UserError, match="give both"):
        support.check_tls(str(cert), None)
    with pytest.raises(UserError, match="not a readable file"):
        support.check_tls(str(cert), str(tmp_path / "missing.pem"))
    assert support.check_tls(str(cert), str(key)) == (str(cert), str(key))

    calls: list[tuple[list[str], dict]] = []
    monkeypatch.setattr("subprocess.call", lambda cmd, env: calls.append((cmd, env)) or 0)
    run = tmp_path / "run"
    run.mkdir()
    GradeStore(run / "grades.sqlite").close()
    for args, warned in (
        ([], False),  # 127.0.0.1 by default
        (["--host", "0.0.0.0"], True),
        (["--host", "0.0.0.0", "--behind-proxy"], False),
        (["--host", "0.0.0.0", "--tls-cert", str(cert), "--tls-key", str(key)], False),
    ):
        assert run_cli(["app", str(run), *args]) == 0
        err = capsys.readouterr().err
        assert ("warning: serving on 0.0.0.0 without TLS" in err) is warned, (args, err)
    hosts = [cmd[cmd.index("--server.address") + 1] for cmd, _ in calls]
    assert hosts == ["127.0.0.1", "0.0.0.0", "0.0.0.0", "0.0.0.0"]
    assert calls[2][1].get(support.ENV_BEHIND_PROXY) == "1"
    assert support.ENV_BEHIND_PROXY not in calls[1][1]
    assert "--server.sslCertFile" in calls[3][0]


def test_client_address_for_the_sign_in_limits() -> None:
    assert support.client_address(None, {}, behind_proxy=False) == "local"
    assert support.client_address("198.51.100.4", {}, behind_proxy=False) == "198.51.100.4"
    forwarded = {"X-Forwarded-For": "10.0.0.1, 203.0.113.9"}  # the client's, then the proxy's
    assert support.client_address("10.9.9.9", forwarded, behind_proxy=False) == "10.9.9.9"
    assert support.client_address("10.9.9.9", forwarded, behind_proxy=True) == "203.0.113.9"
    assert support.client_address("10.9.9.9", {}, behind_proxy=True) == "10.9.9.9"
    assert support.client_address(object(), object(), behind_proxy=True) == "local"  # type: ignore[arg-type]


def test_incidents_are_logged_with_an_id(caplog: pytest.LogCaptureFixture, monkeypatch) -> None:
    monkeypatch.setattr(support.app_logger(), "propagate", True)  # to caplog too
    with caplog.at_level("ERROR", logger="evalkit.app"):
        incident = support.log_incident(RuntimeError("boom"))
    assert re.fullmatch(r"[0-9a-f]{8}", incident) and incident in caplog.text
    assert "boom" in caplog.text and "Traceback" not in support.incident_message(incident)
    assert incident in support.incident_message(incident)


def test_write_timeout_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(support.ENV_WRITE_TIMEOUT, raising=False)
    assert support.write_timeout() == 20.0
    monkeypatch.setenv(support.ENV_WRITE_TIMEOUT, "3")
    assert support.write_timeout() == 3.0
    for bad in ("x", "0", "-1", "9999"):
        monkeypatch.setenv(support.ENV_WRITE_TIMEOUT, bad)
        assert support.write_timeout() == 20.0


def test_headings_escape_markdown_and_mark_invisible_characters() -> None:
    assert support.markdown_text("Side by side · rewriting") == "Side by side · rewriting"
    shown = support.markdown_text("a [link](javascript:x) <b>*x*</b>\u202e")
    assert "\\[link\\]" in shown and "\\<b\\>" in shown and "⟦U+202E⟧" in shown
