#!/usr/bin/env bash
# The test command: install evalkit and the real test parts, then run every test (unit and
# integration: llama.cpp model, PostgreSQL, Chromium, Label Studio). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-parts.sh
exec .venv/bin/python -m pytest "$@"
