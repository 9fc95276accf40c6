#!/usr/bin/env bash
# Static security checks for infra/ (Bicep) with checkov.
#
# checkov pins an old `packaging` that conflicts with the test tooling, so it lives in a
# virtual environment of its own under .tools/ (gitignored). The first run creates it;
# later runs reuse it as long as the pinned version is installed.
#
# Usage: scripts/checkov.sh [extra checkov args...]
# Exit status: 0 when every check passes (or is skipped inline with a reason), non-zero
# when any check fails or checkov cannot run.
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.tools/checkov-venv}"
PYTHON="${CHECKOV_PYTHON:-python3}"

command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("checkov"))' 2>/dev/null || true
}

if [[ ! -x "$VENV/bin/checkov" || "$(installed_version)" != "$CHECKOV_VERSION" ]]; then
    mkdir -p "$(dirname "$VENV")"
    if [[ ! -x "$VENV/bin/python" ]]; then
        echo "checkov.sh: creating the virtual environment $VENV (checkov pins an old packaging)" >&2
        "$PYTHON" -m venv "$VENV"
    fi
    log="$(dirname "$VENV")/checkov-install.log"
    echo "checkov.sh: downloading and installing checkov==$CHECKOV_VERSION from PyPI into $VENV (log: $log)" >&2
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "checkov==$CHECKOV_VERSION" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "checkov.sh: pip install failed (full log: $log)" >&2
        exit 2
    fi
fi

cd "$ROOT"
# --skip-download: no guideline/policy fetch from the internet (it would print a traceback).
# checkov exits 1 when a check fails (--soft-fail is deliberately NOT used). It exits 0 on
# a file it cannot parse, whose resources then go unchecked: treat that as a failure too.
status=0
# --skip-path: checkov 3.3.30 cannot parse the Bicep `extension` keyword of the Microsoft
# Graph extension, so infra/app/entra.bicep and entra-uri.bicep would count as parsing
# errors. They declare only Entra objects (Microsoft.Graph/*), which checkov has no
# policies for; tests/infra/test_permissions.py checks them instead.
output="$("$VENV/bin/checkov" \
    --directory infra \
    --framework bicep \
    --skip-path 'infra/app/entra(-uri)?\.bicep' \
    --skip-download \
    --compact \
    --quiet \
    "$@" 2>&1)" || status=$?
printf '%s\n' "$output"
if [[ $status -eq 0 ]] && grep -Eq 'Parsing errors: [1-9]' <<<"$output"; then
    echo "checkov.sh: checkov could not parse some Bicep file (run checkov without --quiet to see which)" >&2
    status=3
fi
exit "$status"
