#!/usr/bin/env bash
# Install the real parts the integration tests use: Debian's PostgreSQL and Chromium, and
# Label Studio in its own virtual environment (its pins would fight ours). Idempotent.
# Any install that fails stops the script with a non-zero exit naming the part: the tests must
# not go on without it (in CI a missing part fails them anyway, see tests/fixtures/parts.py).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${EVALKIT_CACHE:-$HOME/.cache/evalkit}
mkdir -p "$CACHE"

fail() {  # fail PART WHAT: one clear line, exit 1
  echo "evalkit tests: FAILED to install $1: $2" >&2
  exit 1
}

have_postgres() { ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; }
have_chromium() { command -v chromium >/dev/null 2>&1; }
have_fonts() { fc-list 2>/dev/null | grep -qi dejavu; }

need_apt=()
have_postgres || need_apt+=(postgresql)
have_chromium || need_apt+=(chromium)
have_fonts || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "evalkit tests: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || fail "${need_apt[*]}" "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null ||
    fail "${need_apt[*]}" "apt-get install failed"
  have_postgres || fail "PostgreSQL" "no /usr/lib/postgresql/*/bin/postgres after apt-get install"
  have_chromium || fail "Chromium" "no chromium on PATH after apt-get install"
fi

LS_VENV=${EVALKIT_LABELSTUDIO_VENV:-$CACHE/labelstudio-venv}
LS_VERSION=${EVALKIT_LABELSTUDIO_VERSION:-1.23.2}
if [ ! -f "$LS_VENV/.installed-$LS_VERSION" ]; then
  echo "evalkit tests: installing Label Studio $LS_VERSION into $LS_VENV (about 3 minutes, once)"
  if ! python3 -m venv "$LS_VENV"; then
    fail "Label Studio $LS_VERSION" "python3 -m venv $LS_VENV failed (Debian: apt-get install python3-venv)"
  fi
  if ! "$LS_VENV/bin/pip" install -q --disable-pip-version-check "label-studio==$LS_VERSION"; then
    rm -f "$LS_VENV/bin/label-studio"  # never a half-installed server for the fixture to start
    fail "Label Studio $LS_VERSION" "pip install label-studio==$LS_VERSION into $LS_VENV failed"
  fi
  [ -x "$LS_VENV/bin/label-studio" ] ||
    fail "Label Studio $LS_VERSION" "no $LS_VENV/bin/label-studio after pip install"
  touch "$LS_VENV/.installed-$LS_VERSION"
fi
