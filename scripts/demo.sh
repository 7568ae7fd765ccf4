#!/usr/bin/env bash
# Set up evalkit and run the whole loop on the embedded models. Extra args go to `evalkit demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/evalkit demo "$@"
