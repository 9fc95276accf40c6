#!/usr/bin/env bash
# Debian packages the test suite needs: headless Chromium for the browser tests.
# Idempotent; a no-op when everything is already there. CHROMIUM=/path/to/chromium names a
# browser that is already installed: then nothing is installed (and the browser tests use it).
# apt-get needs root: run as root, or with sudo available.
set -euo pipefail
if [[ -n "${CHROMIUM:-}" ]]; then
  if [[ ! -x "$CHROMIUM" ]]; then
    echo "install-system-deps.sh: CHROMIUM=$CHROMIUM is not an executable file" >&2
    exit 1
  fi
  exit 0
fi
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  echo "install-system-deps.sh: apt-get update (package lists), then install ${need[*]} for the browser tests${SUDO:+ (with sudo)}; CHROMIUM=/path skips this" >&2
  $SUDO apt-get update -qq
  echo "install-system-deps.sh: apt-get install ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
