"""The text rules: Latin normalization as before, and facts in other scripts actually checked."""

from __future__ import annotations

import pytest

from evalkit.summarization.text import (
    checkable,
    fact_present,
    normalize_tokens,
    only_stopwords,
    token_set,
)


def found(fact: str, text: str) -> bool:
    return fact_present(fact, token_set(text))


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("$1,200.00", "bring the 1200 dollar quote"),
        ("3:30 PM", "at 15:30"),
        ("15:30", "3.30pm sharp"),
        ("Thursday, March 13", "Thu Mar 13"),
        ("13th", "on the 13"),
        ("noon", "meet at 12:00"),
        ("Maria Lopez", "Maria confirmed"),
    ],
)
def test_latin_rules_are_kept(fact: str, text: str) -> None:
    assert found(fact, text)


def test_latin_numbers_must_all_be_there() -> None:
    assert not found("Thursday, March 13", "Thursday")
    assert not found("$1,500", "the $1,200 quote")


@pytest.mark.parametrize(
    ("anchor", "text"),
    [
        ("수빈", "하늘아, 수빈이도 온대"),  # Korean, with a particle attached in the text
        ("胃カメラ", "父の胃カメラの結果は問題なし"),  # Japanese, no spaces
        ("会议室", "明天下午在三楼会议室开会"),  # Chinese
        ("مكتب الطلبة الدوليين", "راجع مكتب الطلبة الدوليين قبل الموعد"),  # Arabic
        ("Σεπτεμβρίου", "ΣΤΙΣ 5 ΣΕΠΤΕΜΒΡΙΟΥ"),  # Greek: case and accents folded
        ("Москва", "встреча: МОСКВА, офис"),  # Cyrillic, case folded
    ],
)
def test_an_anchor_in_another_script_is_found_as_a_substring(anchor: str, text: str) -> None:
    assert found(anchor, text)


@pytest.mark.parametrize(
    ("anchor", "text"),
    [
        ("수빈", "Lunch on Saturday with Jimin."),
        ("胃カメラ", "Dad's results are fine."),
        ("مكتب الطلبة الدوليين", "Go to the international office."),
        ("Москва", "Meeting in Moscow."),
    ],
)
def test_an_anchor_in_another_script_is_no_longer_vacuously_present(anchor: str, text: str) -> None:
    assert normalize_tokens(anchor)  # it has tokens to look for
    assert checkable(anchor)
    assert not found(anchor, text)  # the bug: this used to be True for any text


@pytest.mark.parametrize(
    ("anchor", "summary"),
    [
        ("12시", "Lunch at 12 on Saturday."),
        ("12시", "Lunch at 12:00."),
        ("12시", "Lunch at noon."),
        ("11点", "The call is at 11."),
        ("11点", "The call is at 11 am."),
        ("13h", "Rendez-vous at 13:00."),
        ("13h", "Meet at 1 pm."),
        ("13h30", "Meet at 1:30 pm."),
        ("14시 50분", "The train leaves at 14:50."),
        ("11時半", "The shuttle leaves at 11:30."),
        ("오후 3시", "Pick-up at 3 pm."),
        ("3月29日", "Two nights from 29 March."),
        ("3월 29일", "On March 29."),
        ("8号", "Due on the 8th."),
        ("68,200円", "The total is ¥68,200."),
        ("5 Σεπτεμβρίου", "The meeting is on 5 September."),
        ("30 سبتمبر", "Apply by 30 September."),
        ("수요일", "See you Wednesday."),
        ("thứ Tư", "See you Wednesday."),
    ],
)
def test_times_and_dates_of_other_scripts_match_their_latin_forms(
    anchor: str, summary: str
) -> None:
    assert found(anchor, summary)


@pytest.mark.parametrize(
    ("anchor", "summary"),
    [
        ("12시", "Lunch at 12:30."),
        ("11点", "The call is at 10."),
        ("3月29日", "Two nights from 28 March."),
        ("thứ Tư", "See you Thursday."),  # not "thu" = Thursday
        ("수빈", "Subin is coming too."),  # no transliteration (documented)
    ],
)
def test_what_the_rule_does_not_match(anchor: str, summary: str) -> None:
    assert not found(anchor, summary)


def test_the_text_side_grounds_a_time_written_in_another_script() -> None:
    tokens = token_set("3월 29일 토요일 12시에 점심")
    assert {"12", "12:00", "12h", "march", "29"} <= tokens


def test_anchors_of_common_words_are_checked_and_reported() -> None:
    assert only_stopwords("IT") and only_stopwords("off")
    assert checkable("IT")  # still looked for, not vacuously present
    assert not found("off", "The stand-down is cancelled.")
    assert not checkable("—") and not only_stopwords("Tomas")


def test_hours_and_minutes_of_a_duration_are_numbers_not_a_clock_time() -> None:
    """ "13 h 29 m" off-grid is a duration: a summary that copies it is grounded, and it is not
    read as the clock time 1:29 (while "15h30" still is 3:30)."""
    from evalkit.summarization.checks import ungrounded_numbers

    document = "Grid restored. Off-grid for 13 h 29 m. Storm Watch has ended."
    assert ungrounded_numbers("The outage lasted 13 h 29 m.", [document]) == []
    assert not found("1:29", document)
    assert found("15h30", "Doors open at 3:30 pm.")


def test_a_french_time_with_spaces_is_one_grounded_number() -> None:
    """ "14 h 00" (French typography, often with no-break spaces) is the time 2:00 in the
    document and in the summary alike."""
    from evalkit.summarization.checks import ungrounded_numbers

    document = "Rendez-vous jeudi à 14\u202fh\u202f00, salle B-2140."
    assert ungrounded_numbers("Meeting Thursday at 14 h 00 in B-2140.", [document]) == []
    assert ungrounded_numbers("Meeting Thursday at 16 h 00.", [document]) == ["16 h 00"]
