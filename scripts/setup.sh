#!/usr/bin/env bash
# Install evalkit and everything it needs into .venv (idempotent; pip's cache makes reruns fast).
# llama-cpp-python compiles from source the first time: about 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "evalkit: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.evalkit-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "evalkit: installing Python packages (first time: llama.cpp compiles, about 8 minutes)"
  .venv/bin/pip install -q --disable-pip-version-check -U pip
  .venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"
  touch "$stamp"
fi
