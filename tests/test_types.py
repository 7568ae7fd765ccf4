"""The type check CI runs: mypy over the evalkit package, with pyproject.toml's [tool.mypy].

mypy comes with the `dev` extra (scripts/setup.sh installs it). Without it, the test fails in CI
(CI=true) and is skipped loudly elsewhere: the policy of every missing real part
(tests/fixtures/parts.py).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from evalkit.paths import cache_dir
from tests.fixtures.parts import missing_part

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes_on_the_package() -> None:
    if importlib.util.find_spec("mypy") is None:
        missing_part("mypy", "install the dev extra: pip install -e '.[dev]' (scripts/setup.sh)")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            # kept between runs (a fresh checkout's first check takes half a minute)
            "--cache-dir",
            str(cache_dir() / "mypy"),
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"mypy failed (exit {result.returncode}):\n{output}"
    assert "Success: no issues found" in output, output
