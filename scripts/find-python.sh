#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter, or one line saying what to install.
#
# Looks, in order, at $PY (when set), python3.13 on PATH (a pyenv shim that refuses because
# 3.13 is not the selected version does not count), pyenv's own 3.13.x installs, and the
# usual system locations. Exit 1 when none is found.
set -euo pipefail
want="3.13"
works() { [[ -n "$1" ]] && "$1" -c "import sys; assert sys.version_info[:2] == (3, 13)" >/dev/null 2>&1; }
candidates=()
[[ -n "${PY:-}" ]] && candidates+=("$PY")
candidates+=("$(command -v python3.13 2>/dev/null || true)")
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root 2>/dev/null || true)"
  for dir in $(ls -d "$root"/versions/3.13* 2>/dev/null | sort -rV); do candidates+=("$dir/bin/python3.13"); done
fi
for dir in $(ls -d "${HOME:-/root}"/.pyenv/versions/3.13* 2>/dev/null | sort -rV); do candidates+=("$dir/bin/python3.13"); done
candidates+=(/usr/local/bin/python3.13 /usr/bin/python3.13 /opt/python3.13/bin/python3.13)
for c in "${candidates[@]}"; do
  if works "$c"; then echo "$c"; exit 0; fi
done
echo "Python $want is required and none was found: install python$want (e.g. 'pyenv install $want' or Debian's python$want), or set PY=/path/to/python$want" >&2
exit 1
