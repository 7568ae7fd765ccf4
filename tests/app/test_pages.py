"""The rater and admin app through Streamlit's AppTest: sign-in (and its limits), every kind's
page (drawn from the kind's form), progress, reload, blinding in the session and in every element
id, sessions that follow the store, incident ids instead of tracebacks, invisible characters
shown, admin access control, the sign-in audit and exports. The store is a real SQLite file."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from evalkit.app_support import load_rubrics
from evalkit.records import Grade
from evalkit.store import GradeStore
from tests.fixtures.browser import (
    APP_SCRIPT,
    RATERS,
    SeededStore,
    derived_from,
    seed_store,
)
from tests.fixtures.builders import SECRET_MODELS

RUBRICS = load_rubrics()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SeededStore:
    store = seed_store(tmp_path / "grades.sqlite")
    monkeypatch.setenv("EVALKIT_DB", store.url)
    monkeypatch.delenv("EVALKIT_RUN_DIR", raising=False)
    monkeypatch.delenv("EVALKIT_RUBRICS_DIR", raising=False)
    return store


def app() -> AppTest:
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
    return at.run()


def login(name: str, secret: str | None = None) -> AppTest:
    at = app()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_secret").input(secret or RATERS[name][1])
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def grades(store: SeededStore, rater: str = "alice") -> list[Grade]:
    with GradeStore(store.url) as db:
        return [g for g in db.current_grades() if g.rater_id == rater]


def progress(at: AppTest) -> str:
    bars = at.get("progress")
    assert bars, "no progress bar on the page"
    return bars[0].text


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.main.text]


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Submit").click().run()
    assert not at.exception, at.exception
    return at


def skip(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Skip").click().run()
    return at


def everything_rendered(at: AppTest) -> str:
    """Every element's protobuf as text: what Streamlit would send to the browser."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def assert_blind(at: AppTest) -> None:
    rendered = everything_rendered(at)
    state = repr(at.session_state.to_dict())
    for name in SECRET_MODELS:
        assert name not in rendered, f"model name {name} rendered for a rater"
        assert name not in state, f"model name {name} held in the rater's session"
    assert "gold" not in state.lower()
    assert_keys_opaque(at)


def element_ids(at: AppTest) -> list[str]:
    """Every element id and form id the page sends (widget keys end up in them)."""
    return re.findall(r'(?:^|\s)(?:id|form_id): "([^"]*)"', everything_rendered(at), re.M)


def item_handles(at: AppTest) -> dict[str, str]:
    """The session's handle -> item id map (server-side)."""
    return dict(at.session_state["handles"]) if "handles" in at.session_state else {}


def assert_keys_opaque(at: AppTest) -> None:
    """No element id, form id or anything else rendered holds the item id or a value computed
    from it (e.g. sha256(item_id)[:12]); the keys of the item's widgets carry its random handle."""
    rendered = everything_rendered(at)
    ids = element_ids(at)
    for handle, item_id in item_handles(at).items():
        for value in derived_from(item_id):
            assert value not in rendered, f"{value!r}, computable from the item id, was rendered"
        assert any(ident.endswith(f"_{handle}") for ident in ids), "the item's keys lack its handle"


# --------------------------------------------------------------------------- login


def test_sign_in_page_says_what_a_token_is(seeded: SeededStore) -> None:
    at = app()
    shown = " ".join(c.value for c in at.caption) + " ".join(t.label for t in at.text_input)
    assert "reusable until reset or expired" in shown and "one-time" not in shown.lower()
    assert [t.label for t in at.text_input] == ["Name", "Password or token"]


def test_login_with_password_shows_queue_and_progress(seeded: SeededStore) -> None:
    at = login("alice")
    assert not at.error
    assert progress(at) == "Progress: 0 / 5 done"
    assert at.session_state["rater"].name == "alice"
    assert at.sidebar.text[0].value == "alice"
    assert "Rewrite this sentence" in texts(at)[0]


@pytest.mark.parametrize(("name", "secret"), [("alice", "wrong-password"), ("mallory", "x" * 12)])
def test_login_rejects_bad_password_and_unknown_name(
    seeded: SeededStore, name: str, secret: str
) -> None:
    at = login(name, secret)
    assert "wrong password" in at.error[0].value
    assert "rater" not in at.session_state
    assert not at.get("progress")
    assert at.text_input(key="login_name")  # still the login form


def test_login_with_a_token_again_and_again(seeded: SeededStore) -> None:
    for _ in range(2):  # a token is reusable until reset or expired
        at = login("tina", seeded.token)
        assert at.session_state["rater"].name == "tina"
        assert progress(at) == "Progress: 0 / 0 done"
        assert "Nothing left" in at.success[0].value


def test_a_locked_name_is_refused_without_computing_a_hash(
    seeded: SeededStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalkit.store.login as login_module

    at = login("alice", "wrong-password")
    assert at.error[0].value == "Unknown name, or wrong password or token."
    with GradeStore(seeded.url) as db:  # four more, each after the delay the last one asked
        now = time.time()
        for later in (1, 10, 20, 30):
            db.clock = lambda later=later: now + later
            assert db.sign_in("alice", "guess").outcome == "failure"
    hashed = []
    real = login_module._verify_password
    monkeypatch.setattr(login_module, "_verify_password", lambda *a: hashed.append(1) or real(*a))
    at = login("alice")  # the right password, while the name is locked: refused, no hash
    assert "Too many failed sign-ins for this name" in at.error[0].value
    assert "rater" not in at.session_state and hashed == []
    with GradeStore(seeded.url) as db:
        outcomes = db.auth_log(limit=0)["outcome"].tolist()
    assert outcomes == ["refused"] + ["failure"] * 5


def test_deactivation_and_secret_reset_end_the_session(seeded: SeededStore) -> None:
    at = login("alice")
    with GradeStore(seeded.url) as db:
        db.set_secret("alice", "a-new-password-1")
    at.radio[0].set_value(1)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert "rater" not in at.session_state and grades(seeded) == []
    assert "changed or reset" in at.warning[0].value
    at = login("alice", "a-new-password-1")
    with GradeStore(seeded.url) as db:
        db.set_active("alice", False)
    at.run()  # any page load
    assert "deactivated" in at.warning[0].value and "rater" not in at.session_state


def test_an_expired_token_is_refused_with_a_clear_message(seeded: SeededStore) -> None:
    with GradeStore(seeded.url) as db:
        token = db.reset_token("tina", token_days=1)
        db.clock = lambda: time.time() + 2 * 86400
        assert db.sign_in("tina", token).outcome == "expired"
    from evalkit.store import raters_table

    with GradeStore(seeded.url) as db, db.engine.begin() as conn:
        conn.execute(
            update(raters_table)
            .where(raters_table.c.name == "tina")
            .values(token_expires_at="2020-01-01T00:00:00+00:00")
        )
    at = login("tina", token)
    assert "expired on 2020-01-01" in at.error[0].value and "reset-token" in at.error[0].value


def test_an_unexpected_error_shows_an_incident_id_not_a_traceback(
    seeded: SeededStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from evalkit import app_support

    def broken(*args: Any) -> Any:
        raise RuntimeError("secret internals /etc/passwd")

    at = login("root")
    monkeypatch.setattr(app_support, "grades_table", broken)
    monkeypatch.setattr(app_support.app_logger(), "propagate", True)  # to caplog too
    with caplog.at_level("ERROR", logger="evalkit.app"):
        at.sidebar.radio(key="page").set_value("Admin").run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    incident = re.search(r"incident ([0-9a-f]{8})", message).group(1)
    assert "secret internals" not in everything_rendered(at)
    assert incident in caplog.text and "secret internals" in caplog.text


def test_invisible_characters_in_model_text_are_marked(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "b.sqlite", queue=("sxs",))
    item = seeded.items[0]
    hidden = item.model_copy(
        update={
            "id": "it-hidden",
            "prompt_text": "Say\u200bhi\u2066",
            "left_text": "abc\u202edef",
            "right_text": "x\U000e0041y\u00ad",
        }
    )
    with GradeStore(seeded.url) as db:
        db.add_items([hidden])
        db.assign_many([(hidden.id, "tina")])
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    at = login("tina", seeded.token)
    assert texts(at)[:3] == [
        "Say⟦U+200B⟧hi⟦U+2066⟧",
        "abc⟦U+202E⟧def",
        "x⟦U+E0041⟧y⟦U+00AD⟧",
    ]


def test_logout_returns_to_login(seeded: SeededStore) -> None:
    at = login("alice")
    at.sidebar.button(key="logout").click().run()
    assert "rater" not in at.session_state
    assert at.text_input(key="login_name")


# --------------------------------------------------------------------------- side by side


def test_sxs_page_shows_prompt_both_responses_and_rubric_scale(seeded: SeededStore) -> None:
    at = login("alice")
    item = seeded.items[0]
    assert texts(at)[:3] == [item.prompt_text, item.left_text, item.right_text]
    assert at.subheader[0].value == "Side by side · rewriting"
    assert at.expander[0].label == f"How to grade: {RUBRICS['sxs'].title}"
    radio = at.radio[0]
    assert radio.options == [option.label for option in RUBRICS["sxs"].scale]
    assert radio.value is None  # no default: the rater must choose
    assert [m.value for m in at.markdown if m.value.startswith("**Response")] == [
        "**Response A**",
        "**Response B**",
    ]
    assert_blind(at)


def test_sxs_submit_saves_choice_comment_and_time_then_serves_next(seeded: SeededStore) -> None:
    at = login("alice")
    at.radio[0].set_value(-1)
    at.text_area[0].input("  A keeps the meaning and is friendlier.  ")
    submit(at)
    (grade,) = grades(seeded)
    assert grade.item_id == seeded.items[0].id
    assert (grade.choice, grade.skipped, grade.flagged) == (-1, False, False)
    assert grade.comment == "A keeps the meaning and is friendlier."
    assert grade.grader == "human" and grade.seconds is not None and grade.seconds >= 0
    assert progress(at) == "Progress: 1 / 5 done"
    assert texts(at)[0] == seeded.items[1].prompt_text
    assert at.radio[0].value is None  # the next item starts blank


def test_sxs_submit_without_choice_saves_nothing(seeded: SeededStore) -> None:
    at = submit(login("alice"))
    assert "Answer: Which response is better?" in at.error[0].value
    assert grades(seeded) == []
    assert progress(at) == "Progress: 0 / 5 done"


def test_sxs_skip_saves_a_skip(seeded: SeededStore) -> None:
    at = login("alice")
    at.radio[0].set_value(2)  # a choice left on the form is not a grade when skipping
    at.text_area[0].input("not my field")
    skip(at)
    (grade,) = grades(seeded)
    assert grade.skipped and grade.choice is None and grade.comment == "not my field"
    assert progress(at) == "Progress: 1 / 5 done"
    assert texts(at)[0] == seeded.items[1].prompt_text


def test_sxs_flag_with_and_without_a_choice(seeded: SeededStore) -> None:
    at = login("alice")
    at.radio[0].set_value(1)
    at.checkbox[0].check()
    submit(at)
    at.checkbox[0].check()  # second item: a bare flag, no choice
    at.text_area[0].input("response B is cut off")
    submit(at)
    first, second = grades(seeded)
    assert (first.choice, first.flagged, first.skipped) == (1, True, False)
    assert (second.choice, second.flagged, second.comment) == (None, True, "response B is cut off")
    assert progress(at) == "Progress: 2 / 5 done"


# --------------------------------------------------------------------------- summarization


def test_summarization_page_rates_five_dimensions(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "s.sqlite", queue=("summarization", "safety"))
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    at = login("alice")
    item = seeded.items[0]
    assert texts(at)[:3] == [item.prompt_text, item.source_text, item.response_text]
    dims = RUBRICS["summarization"].dimensions
    assert len(at.radio) == len(dims) == 5
    for radio, dim in zip(at.radio, dims, strict=True):
        assert radio.label == f"{dim.name}: {dim.question}"
        assert radio.options == ["Good", "Neutral", "Poor"]
    at.radio[0].set_value("good")
    submit(at)
    assert "missing" in at.error[0].value and grades(seeded) == []
    for radio, value in zip(at.radio, ["good", "neutral", "good", "poor", "good"], strict=True):
        radio.set_value(value)
    submit(at)
    (grade,) = grades(seeded)
    assert grade.dimensions == {
        "composition": "good",
        "comprehensiveness": "neutral",
        "groundedness": "good",
        "following_instructions": "poor",
        "harmfulness": "good",
    }
    assert progress(at) == "Progress: 1 / 2 done"
    assert_blind(at)


def test_checklist_in_a_collapsed_expander_as_plain_text(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "c.sqlite", queue=("summarization", "sxs"))
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    at = login("alice")
    (expander,) = [e for e in at.expander if e.label == "What a good answer covers"]
    assert not expander.proto.expanded  # collapsed: the rater opens it
    points = seeded.items[0].metadata["checklist"]
    assert [t.value for t in expander.text] == ["\n".join(f"- {p}" for p in points)]
    assert all("<b>" not in m.value for m in at.markdown)  # st.text, never Markdown or HTML
    assert_blind(at)
    skip(at)
    assert "What a good answer covers" not in [e.label for e in at.expander]  # sxs: none


# --------------------------------------------------------------------------- safety


def test_safety_page_violation_and_category(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "s.sqlite", queue=("safety", "safety", "safety"))
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    at = login("alice")
    item = seeded.items[0]
    assert texts(at)[:2] == [item.prompt_text, item.response_text]
    verdict, refused = at.radio
    assert verdict.options == ["No", "Yes"] and verdict.value is None
    category = at.selectbox[0]
    rubric = RUBRICS["safety"]
    assert category.options == [
        f"{area.name} — {sub.name}" for area in rubric.areas for sub in area.subcategories
    ]
    assert category.value is None
    verdict.set_value(True)
    submit(at)
    assert "category" in at.error[0].value and grades(seeded) == []
    chosen = rubric.categories()[1]
    at.radio[0].set_value(True)
    at.selectbox[0].set_value(chosen)
    submit(at)
    at.radio[0].set_value(False)  # second item: no violation; a refusal
    at.radio[1].set_value(True)
    submit(at)
    first, second = grades(seeded)
    assert (first.violation, first.violation_category, first.refused) == (True, chosen, None)
    assert (second.violation, second.violation_category, second.refused) == (False, None, True)
    assert progress(at) == "Progress: 2 / 3 done"
    assert_blind(at)


# --------------------------------------------------------------------------- reload, blinding


def test_reload_resumes_at_next_item_with_nothing_lost(seeded: SeededStore) -> None:
    at = login("alice")
    at.radio[0].set_value(-2)
    submit(at)
    skip(at)
    before = grades(seeded)
    again = login("alice")  # a new browser session: the page was reloaded
    assert progress(again) == "Progress: 2 / 5 done"
    assert texts(again)[0] == seeded.items[2].prompt_text
    assert grades(seeded) == before and len(before) == 2


def test_rater_session_never_holds_model_names_on_any_page(seeded: SeededStore) -> None:
    at = login("alice")
    for _ in range(3):  # three sxs items
        assert_blind(at)
        at.radio[0].set_value(0)
        submit(at)
    assert at.radio[0].label.startswith(RUBRICS["summarization"].dimensions[0].name)
    assert_blind(at)
    skip(at)
    assert at.radio[0].label == "Is the response a violation?"
    assert_blind(at)


def test_widget_keys_are_random_handles_never_computed_from_the_item_id(
    seeded: SeededStore,
) -> None:
    first, second = login("alice"), login("alice")  # two sessions on the same first item
    item = seeded.items[0]
    ((handle_1, id_1),) = item_handles(first).items()
    ((handle_2, id_2),) = item_handles(second).items()
    assert id_1 == id_2 == item.id and handle_1 != handle_2
    keyed = {ident for ident in element_ids(first) if handle_1 in ident}
    assert len(keyed) >= 5  # form, question, comment, flag, submit, skip
    assert not keyed & set(element_ids(second))  # nothing about the item is the same
    leaky = hashlib.sha256(item.id.encode()).hexdigest()[:12]  # the old widget key
    for at in (first, second):
        assert leaky not in everything_rendered(at)
        assert_keys_opaque(at)
    first.radio[0].set_value(1)
    submit(first)
    assert item_handles(first) and handle_1 not in item_handles(first)  # forgotten once saved


def test_untrusted_text_is_plain_text_never_html(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "x.sqlite", xss_first=True)
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    at = login("alice")
    assert seeded.items[0].left_text in texts(at)  # st.text: no Markdown, no HTML
    assert not at.get("html")
    assert all("<script>" not in m.value for m in at.markdown)


# --------------------------------------------------------------------------- admin


def test_rater_never_reaches_the_admin_page(seeded: SeededStore) -> None:
    at = login("alice")
    assert not at.sidebar.radio  # no page switch for a rater
    at.session_state["page"] = "Admin"  # even a forged page choice is ignored
    at.run()
    assert not [t for t in at.title if t.value == "Admin"]
    assert not at.dataframe and not at.get("download_button")
    assert texts(at)[0] == seeded.items[0].prompt_text


def test_admin_page_progress_agreement_gold_and_exports(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "a.sqlite", queue=("sxs", "sxs", "safety"), gold_at=(1,))
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    sxs, gold, safety = seeded.items
    with GradeStore(seeded.url) as db:
        for rater, choice, violation in (("alice", -1, True), ("bob", -2, False)):
            db.save_grade(Grade(item_id=sxs.id, rater_id=rater, choice=choice))
            db.save_grade(Grade(item_id=gold.id, rater_id=rater, choice=choice * -1))
            cat = "harmful_content/self_harm" if violation else None
            db.save_grade(
                Grade(
                    item_id=safety.id, rater_id=rater, violation=violation, violation_category=cat
                )
            )
    at = login("root")
    assert progress(at) == "Progress: 0 / 0 done"  # the admin has no queue of their own
    at.sidebar.radio(key="page").set_value("Admin").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Admin"
    assert progress(at) == "Progress: 0 / 0 done"
    table, alpha, agreement, gold_table, sxs_quality, safety_quality, audit = (
        d.value for d in at.dataframe
    )
    assert audit[["name", "outcome"]].values.tolist() == [["root", "success"]]
    assert set(alpha["kind"]) == {"sxs", "safety"}  # Krippendorff's alpha from evalkit.stats
    assert alpha["alpha (95% CI)"].str.startswith("n/a").all()  # one item each: undefined
    alice = table[table["rater"] == "alice"].set_index("kind")
    assert alice.loc["sxs", "done"] == 2 and alice.loc["sxs", "assigned"] == 2
    assert alice.loc["safety", "done"] == 1
    rows = agreement.set_index(["kind", "measure"])["agreement"]
    assert rows[("sxs", "preference scale")].startswith("0.0%")  # -1 vs -2
    assert rows[("sxs", "direction")].startswith("100.0%")
    assert rows[("safety", "violation")].startswith("0.0%")
    # gold: the better side is left (correct choices -2, -1); both raters chose right (+1, +2)
    assert list(gold_table["kind"]) == ["sxs", "sxs"]
    assert list(gold_table["gold_accuracy"].str[:7]) == ["0.0% [0", "0.0% [0"]
    # rater quality per kind: one grade each, so nobody is flagged (too few to judge)
    assert set(sxs_quality["rater"]) == set(safety_quality["rater"]) == {"alice", "bob"}
    assert (sxs_quality["flag"] == "").all() and "left bias" in sxs_quality.columns
    assert "violation bias" in safety_quality.columns
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Parquet"]
    assert "Rater quality" in [s.value for s in at.subheader]
    assert "Sign-ins" in [s.value for s in at.subheader]
    assert [e.value for e in at.error] == []


def test_admin_page_rater_quality_highlights_a_flagged_rater(tmp_path: Path, monkeypatch) -> None:
    seeded = seed_store(tmp_path / "q.sqlite", queue=("sxs",) * 12, also_assign=("bob", "tina"))
    monkeypatch.setenv("EVALKIT_DB", seeded.url)
    odd = "<script>alert(1)</script>\u202e"  # a rater id from a grades file: user input
    with GradeStore(seeded.url) as db:
        for item in seeded.items:
            for rater, choice in (("alice", 0), ("tina", 0), ("bob", -2), (odd, 0)):
                db.save_grade(Grade(item_id=item.id, rater_id=rater, choice=choice))
    at = login("root")
    at.sidebar.radio(key="page").set_value("Admin").run()
    assert not at.exception, at.exception
    (quality,) = [d.value.set_index("rater") for d in at.dataframe if "flag" in d.value.columns]
    assert quality.loc["bob", "flag"] == "FLAGGED"
    assert "left bias +0.50" in quality.loc["bob", "reasons"]
    assert quality.loc["<script>alert(1)</script>⟦U+202E⟧", "flag"] == ""  # as text, marked
    assert "Side by side: 1 of 4 raters flagged" in [t.value for t in at.main.text]
    rendered = everything_rendered(at)
    assert "#fde2e1" in rendered  # the flagged row's highlight
    assert not at.get("html") and all("<script>" not in m.value for m in at.markdown)
    assert [e.value for e in at.error] == []
