"""The missing-real-part policy (tests/fixtures/parts.py) and the public data fixture.

The policy is run for real: pytest in a subprocess on a small generated test module whose
fixture calls `missing_part`. In CI (CI=true) the run must fail and name the part; elsewhere the
test is skipped, loudly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.paths import PROJECT_ROOT
from tests.fixtures import parts
from tests.fixtures.data import PART, resolve_data_dir

POLICY_ENV = ("CI", parts.REQUIRE_ENV, "EVALKIT_DATA_DIR", "PYTEST_ADDOPTS")

NEEDS_A_PART = """
import pytest

from tests.fixtures.parts import missing_part


@pytest.fixture(scope="session")
def fake_part():
    missing_part("Fake Part 42", "install it with `make fake-part`")


def test_needs_the_part(fake_part):
    pass


def test_needs_nothing():
    pass
"""

NEEDS_DATA = """
def test_reads_public_data(data_dir):
    assert data_dir.is_dir()
"""


def run_pytest(tmp_path: Path, source: str, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on `source` as a test module of its own folder (not this repository's config),
    with tests/fixtures/parts.py and data.py as plugins, and only `env` of the policy's
    variables set."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "test_generated.py").write_text(source)
    clean = {k: v for k, v in os.environ.items() if k not in POLICY_ENV}
    clean["PYTHONPATH"] = os.pathsep.join(
        [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    command = [
        sys.executable, "-m", "pytest", "-p", "tests.fixtures.parts", "-p", "tests.fixtures.data",
        "-p", "no:cacheprovider", "-rs", "--rootdir", str(folder), "test_generated.py",
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=folder, env=clean | env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("env", [{"CI": "true"}, {parts.REQUIRE_ENV: "1"}])
def test_in_ci_a_missing_part_fails_the_run_and_names_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    done = run_pytest(tmp_path, NEEDS_A_PART, **env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Fake Part 42 is missing: install it with `make fake-part`" in output
    assert "a missing real part fails the run" in output
    assert "1 passed" in output and "1 error" in output
    assert "SKIPPED LOUDLY" not in output and "skipped" not in output


@pytest.mark.parametrize("env", [{}, {"CI": "false"}])
def test_elsewhere_a_missing_part_is_skipped_loudly(tmp_path: Path, env: dict[str, str]) -> None:
    done = run_pytest(tmp_path, NEEDS_A_PART, **env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "1 passed, 1 skipped" in output
    # the skip reason (-rs), the banner, and the list at the end all name the part
    assert "SKIPPED LOUDLY: Fake Part 42 is missing: install it with `make fake-part`" in output
    assert "!!!!!" in output and "MISSING REAL PARTS" in output
    assert output.count("Fake Part 42 is missing") >= 3


def test_in_ci_missing_public_data_fails_the_run(tmp_path: Path) -> None:
    done = run_pytest(
        tmp_path, NEEDS_DATA, CI="true", EVALKIT_DATA_DIR=str(tmp_path / "no-such-folder")
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert f"{PART} is missing" in output and "no-such-folder" in output


# ----------------------------------------------------------------------------- in process


@pytest.fixture
def quiet_policy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The policy without its banner and end-of-run list (this run's parts are not missing);
    returns the banners it would have printed."""
    banners: list[str] = []
    monkeypatch.setattr(parts, "_banner", banners.append)
    monkeypatch.setattr(parts, "_missing", {})
    for name in POLICY_ENV:
        monkeypatch.delenv(name, raising=False)
    return banners


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"CI": "true"}, "CI=true"),
        ({"CI": "TRUE"}, "CI=true"),
        ({"CI": "1"}, "CI=1"),
        ({parts.REQUIRE_ENV: "1"}, f"{parts.REQUIRE_ENV}=1"),
        ({"CI": "false", parts.REQUIRE_ENV: "0"}, None),
        ({}, None),
    ],
)
def test_when_parts_are_required(
    quiet_policy: list[str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str], why: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert parts.parts_required() == why


def test_data_dir_is_evalkit_data_dir_when_set(
    quiet_policy: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "elsewhere" / "data"
    folder.mkdir(parents=True)
    monkeypatch.setenv("EVALKIT_DATA_DIR", str(folder))
    assert resolve_data_dir() == folder
    monkeypatch.setenv("EVALKIT_DATA_DIR", str(tmp_path / "absent"))
    with pytest.raises(pytest.skip.Exception, match="SKIPPED LOUDLY: public data sets"):
        resolve_data_dir()
    assert len(quiet_policy) == 1 and "absent" in quiet_policy[0]
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: a missing real part fails"):
        resolve_data_dir()


def test_the_data_dir_fixture_returns_the_env_path(data_dir: Path) -> None:
    """The session's fixture: $EVALKIT_DATA_DIR when set (else where evalkit itself looks)."""
    from evalkit.paths import data_dir as evalkit_data_dir

    explicit = os.environ.get("EVALKIT_DATA_DIR")
    assert data_dir == (Path(explicit) if explicit else evalkit_data_dir())
    assert data_dir.is_dir()
