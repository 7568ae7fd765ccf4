"""Shared pytest set-up: the fixtures that start real parts (each in tests/fixtures/).

A missing real part fails the run in CI and is skipped loudly elsewhere (tests/fixtures/parts.py).
"""

pytest_plugins = [
    "tests.fixtures.parts",
    "tests.fixtures.data",
    "tests.fixtures.models",
    "tests.fixtures.postgres",
    "tests.fixtures.browser",
    "tests.fixtures.labelstudio",
]
