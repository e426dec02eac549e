#!/usr/bin/env bash
# Idempotent set-up: a virtualenv with the project installed, and with --system the Debian
# packages the tests drive (Chromium for browser tests, LibreOffice and fonts for layout checks,
# PostgreSQL for the store tests' second back end).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [[ "${1:-}" == "--system" ]]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  # The store tests start a throw-away PostgreSQL cluster from these binaries (never the service).
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null 2>&1 || need+=(postgresql)
  # The proxy test puts nginx (scripts/nginx_site.conf) in front of two UI processes.
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
  # grep without -q reads all of fc-list's output: with pipefail, -q's early exit would fail the pipe.
  fonts=$(fc-list : family 2>/dev/null || true)
  grep "Noto Serif CJK" <<<"$fonts" >/dev/null || need+=(fonts-noto-cjk fonts-noto-cjk-extra)
  grep "UKai" <<<"$fonts" >/dev/null || need+=(fonts-arphic-ukai)
  grep "Liberation" <<<"$fonts" >/dev/null || need+=(fonts-liberation2)
  if ((${#need[@]})); then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "setup: installing Debian packages: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

stamp="$VENV/.drafter-installed"
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  "$VENV/bin/pip" install -q --upgrade pip
  # The pinned CPU wheel first, so nothing later resolves torch to a CUDA build.
  "$VENV/bin/pip" install -q "torch==2.13.0"
  "$VENV/bin/pip" install -q -e ".[dev]"
  touch "$stamp"
fi
