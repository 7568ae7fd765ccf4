#!/usr/bin/env bash
# Install the real parts the integration tests use: Debian's PostgreSQL and Chromium, and
# Label Studio in its own virtual environment (its pins would fight ours). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${EVALKIT_CACHE:-$HOME/.cache/evalkit}
mkdir -p "$CACHE"

need_apt=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "evalkit tests: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

LS_VENV=${EVALKIT_LABELSTUDIO_VENV:-$CACHE/labelstudio-venv}
LS_VERSION=${EVALKIT_LABELSTUDIO_VERSION:-1.23.2}
if [ ! -f "$LS_VENV/.installed-$LS_VERSION" ]; then
  echo "evalkit tests: installing Label Studio $LS_VERSION into $LS_VENV (about 3 minutes, once)"
  if python3 -m venv "$LS_VENV" &&
    "$LS_VENV/bin/pip" install -q --disable-pip-version-check "label-studio==$LS_VERSION"; then
    touch "$LS_VENV/.installed-$LS_VERSION"
  else  # the rest of the suite still runs; tests/fixtures/labelstudio.py skips loudly
    echo "evalkit tests: WARNING: could not install Label Studio; its tests will be SKIPPED" >&2
    rm -rf "$LS_VENV/bin/label-studio"
  fi
fi
