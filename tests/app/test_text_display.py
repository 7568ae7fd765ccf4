"""`evalkit.text_display.visible`: invisible and direction-changing characters in model output and
prompts are shown as marked code points, in the app (tests/app/test_pages.py, test_browser.py)
and in the report (here: the examples, the only place the report shows model text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.report import ReportOptions, render_html, render_markdown
from evalkit.report.build import report_context
from evalkit.stats.runs import load_run_frames
from evalkit.testing.synthetic import write_synthetic_run
from evalkit.text_display import hidden_characters, is_hidden, marker, visible

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
OTHER = ["\ufe0f", "\ufe00", "\U000e0001", "\U000e0041", "\U000e007f", "\U000e0100", "\u0000",
         "\u001b", "\u007f", "\u0085", "\u2028", "\u2029", "\u2062", "\u180e", "\u3164",
         "\u115f", "\u2800", "\ud800"]  # fmt: skip


@pytest.mark.parametrize("char", BIDI + MARKS + ZERO_WIDTH + OTHER)
def test_every_hidden_character_is_marked(char: str) -> None:
    assert is_hidden(char)
    shown = visible(f"a{char}b")
    assert shown == f"a{marker(char)}b" and char not in shown
    assert marker(char) == f"⟦U+{ord(char):04X}⟧"


def test_visible_text_is_left_as_written() -> None:
    text = (
        "Plain ASCII, tabs\tand\nnew lines; accents é ü ñ; CJK 漢字; Arabic مرحبا; Hebrew שלום; "
        "emoji 😀; math ∑ ≤ ∞; spaces\u00a0and\u3000; private use \ue000; literal ⟦U+202E⟧"
    )
    assert visible(text) == text
    assert hidden_characters(text) == []
    assert visible(None) == "" and visible("") == ""


def test_line_ends_and_carriage_returns() -> None:
    assert visible("one\r\ntwo\nthree") == "one\ntwo\nthree"  # CR LF is a line end
    assert visible("overwrite\rme") == "overwrite⟦U+000D⟧me"  # a lone CR could hide text


def test_trojan_source_is_shown_as_written() -> None:
    # the classic: an RLO with isolates makes a comment look like code (CVE-2021-42574)
    text = 'access = "user\u202e \u2066// admin\u2069 \u2066"'
    shown = visible(text)
    assert shown == 'access = "user⟦U+202E⟧ ⟦U+2066⟧// admin⟦U+2069⟧ ⟦U+2066⟧"'
    assert hidden_characters(text) == ["U+202E", "U+2066", "U+2069", "U+2066"]


def test_report_examples_show_hidden_characters(tmp_path: Path) -> None:
    payload = "abc\u202edef \u200bghi"
    run = write_synthetic_run(
        tmp_path / "run-bidi", prompts_per_category=8, payload=payload, p_win=0.2, judge=False
    )
    frames = load_run_frames(run)
    context = report_context(frames, None, ReportOptions(resamples=50))
    examples = context["examples"]
    assert examples, "the synthetic run has examples where the candidate lost"
    shown = [e[key] for e in examples for key in ("prompt", "candidate_text", "baseline_text")]
    assert not any(ch in text for text in shown for ch in "\u202e\u200b")
    assert any("abc⟦U+202E⟧def ⟦U+200B⟧ghi" in text for text in shown)
    html, md = render_html(context), render_markdown(context)
    assert "⟦U+202E⟧" in html and "⟦U\\+202E⟧" in md  # Markdown escapes the +
    assert "\u202e" not in html and "\u202e" not in md
