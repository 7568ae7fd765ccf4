"""Shared pytest set-up: the fixtures that start real parts (each in tests/fixtures/)."""

pytest_plugins = [
    "tests.fixtures.models",
    "tests.fixtures.postgres",
    "tests.fixtures.browser",
    "tests.fixtures.labelstudio",
]
