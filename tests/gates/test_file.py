"""The gates file: pydantic with unknown keys forbidden; every mistake names file:line: key."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import UserError
from evalkit.gates import load_gates
from evalkit.paths import PROJECT_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gates.yaml"
    path.write_text(text)
    return path


GOOD = """\
gates:
  - name: wins
    metric: sxs_win_rate
    model: cand
    baseline: base
    threshold: 0.4
  - name: violations
    metric: violation_rate
    model: cand
    filter: {area: harmful_content}
    threshold: 0.1
    min_n: 10
"""


def test_defaults_follow_the_metric_and_the_conservative_bound(tmp_path: Path) -> None:
    gates = load_gates(write(tmp_path, GOOD))
    wins, violations = gates.gates
    assert (wins.direction, wins.bound, wins.min_n) == ("at_least", "lower", 30)
    assert (violations.direction, violations.bound) == ("at_most", "upper")
    assert violations.filter_text() == "area=harmful_content"
    assert wins.graders is None  # human, with the documented fallback


def test_the_example_gates_file_is_valid() -> None:
    gates = load_gates(PROJECT_ROOT / "examples" / "gates.yaml")
    assert len(gates.gates) >= 8
    models = {gate.model for gate in gates.gates}
    assert models == {"smollm2-135m"}
    assert any(gate.margin is not None for gate in gates.gates)


def gate(*lines: str) -> str:
    """A gates file with one gate named "a" made of `lines` (YAML `key: value` lines)."""
    return "gates:\n  - name: a\n" + "".join(f"    {line}\n" for line in lines)


SXS = ("metric: sxs_win_rate", "model: m", "baseline: b")
VIOLATION = ("metric: violation_rate", "model: m")


@pytest.mark.parametrize(
    "text,where",
    [
        (gate(*SXS, "threshold: 0.4", "treshold: 1"), r":7: gates\.0\.treshold: unknown key"),
        (
            gate("metric: win_rate", "model: m", "threshold: 0.4"),
            r":3: gates\.0\.metric: unknown metric 'win_rate'",
        ),
        (gate(*SXS[:2], "threshold: 0.4"), r":2: gates\.0: metric sxs_win_rate needs `baseline`"),
        (
            gate(*VIOLATION, "threshold: 5"),
            r":2: gates\.0: threshold 5.0 is outside \[0.0, 1.0\] for violation_rate",
        ),
        (
            gate(*VIOLATION, "filter: {category: coding}", "threshold: 0.1"),
            r"gates\.0: filter category does not apply to violation_rate \(area, severity\)",
        ),
        (gate(*VIOLATION, "threshold: 0.1", "margin: 0.02"), "exactly one of `threshold` or"),
        (
            gate("metric: latency_p50_s", "model: m", "margin: 0.02", "reference_model: n"),
            r"`margin` applies to rate metrics",
        ),
        (
            gate("metric: ifeval_prompt_strict", "model: m", "threshold: 0.5", "graders: human"),
            r"`graders` does not apply to ifeval_prompt_strict",
        ),
        (gate("metric: sxs_tie_rate", "model: m", "baseline: b", "threshold: 0.5"), "`direction`"),
        (
            gate("metric: error_rate", "model: m", "threshold: 0.1")
            + "  - name: a\n    metric: error_rate\n    model: m\n    threshold: 0.1\n",
            r"gate name 'a' is used twice",
        ),
        ("gates: [\n", r":2: not valid YAML"),
        ("- name: a\n", r"expected a mapping with a `gates:` list"),
        ("gates: []\n", r"gates: List should have at least 1 item"),
    ],
)
def test_mistakes_name_the_file_line_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UserError, match=where) as info:
        load_gates(path)
    assert str(info.value).startswith(str(path))


def test_a_missing_gates_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="gates file not found"):
        load_gates(tmp_path / "nope.yaml")
