#!/usr/bin/env bash
# The test command: install evalkit and the real test parts, then run every test (unit and
# integration: llama.cpp model, PostgreSQL, Chromium, Label Studio). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-parts.sh
# two workers on a 2-core machine: the tests that need a real part run in order on one of them
# (tests/fixtures/parts.py groups them), the unit tests on both
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
