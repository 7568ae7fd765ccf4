#!/usr/bin/env bash
# The test command: install evalkit and the real test parts, then run every test (unit and
# integration: llama.cpp model, PostgreSQL, Chromium, Label Studio). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-parts.sh
# first the unit tests, on two workers (one per core); then the tests that need a real part
# (marked slow) and those that race processes against deadlines (marked timed), one after
# another with the cores to themselves. Extra args go to both runs; the worse exit code is the result.
set +e
.venv/bin/python -m pytest -m "not slow and not timed" -n 2 "$@"
unit=$?
.venv/bin/python -m pytest -m "slow or timed" "$@"
real=$?
set -e
if [ "$unit" -eq 5 ] && [ "$real" -eq 5 ]; then exit 5; fi  # nothing collected at all
[ "$unit" -eq 5 ] && unit=0  # pytest's "no tests collected": the other run had them
[ "$real" -eq 5 ] && real=0
exit $(( unit > real ? unit : real ))
