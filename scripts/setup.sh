#!/usr/bin/env bash
# Install evalkit and everything the demo and tests need into .venv (idempotent; cached).
# llama.cpp is built portably (any x86-64 CPU with AVX2, or arm64) once and cached as a wheel
# under ~/.cache/evalkit/wheels: about 4-8 minutes on 2 cores the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
if [ ! -x .venv/bin/python ]; then
  echo "evalkit: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.evalkit-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "evalkit: installing Python packages"
  "${PIP[@]}" install -U pip
  "${PIP[@]}" install -e ".[dev]"
  touch "$stamp.core"
fi
# the portable llama.cpp build (a no-op when the installed one was built with the same flags)
.venv/bin/python -m evalkit.models.build
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "${PIP[@]}" install -e ".[dev,embedded]"
  touch "$stamp"
fi
