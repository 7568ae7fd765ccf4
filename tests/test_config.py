"""Project config: validated, unknown keys named with their line, models looked up by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.config import load_config
from evalkit.errors import UserError
from evalkit.paths import PROJECT_ROOT

MINIMAL = """\
models:
  - name: a
    backend: openai
    base_url: http://127.0.0.1:9/v1
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "evalkit.yaml"
    path.write_text(text)
    return path


def test_demo_config_loads() -> None:
    config = load_config(PROJECT_ROOT / "evalkit.yaml")
    names = [m.name for m in config.models]
    assert names == ["smollm2-135m", "gemma3-270m"]
    assert config.model("gemma3-270m").api == "completion"
    assert config.judge == "smollm2-135m"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MINIMAL + "    temprature: 0.2\n",
            "evalkit.yaml:5: models.0.temprature: unknown key 'temprature'",
        ),
        (MINIMAL + "colour: blue\n", "evalkit.yaml:5: colour: unknown key 'colour'"),
        (
            MINIMAL.replace("openai", "grpc"),
            "evalkit.yaml:3: models.0.backend: Input should be 'openai' or 'llamacpp'",
        ),
        (MINIMAL + "    role: boss\n", "models.0.role: Input should be 'candidate' or 'baseline'"),
        (
            MINIMAL + "    max_concurrency: 0\n",
            "models.0.max_concurrency: Input should be greater than or equal to 1",
        ),
        (MINIMAL + "    params: {temperature: 9}\n", "models.0.params.temperature"),
        ("models: []\n", "models: List should have at least 1 item"),
        ("models: [\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        (MINIMAL + "judge: nobody\n", "judge 'nobody' is not a configured model"),
        (MINIMAL + "  - name: a\n", "model name 'a' is used twice"),
    ],
)
def test_bad_configs_give_clear_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(UserError) as caught:
        load_config(write(tmp_path, text))
    assert expected in str(caught.value)


def test_unknown_model_and_missing_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    with pytest.raises(UserError, match=r"unknown model 'b' \(configured: a\)"):
        config.select_models("a,b")
    with pytest.raises(UserError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
