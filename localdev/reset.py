"""``make reset``: forget the local stack's saved state, so the next ``make run`` starts
from nothing (no tracked activities, tracking requests, settings or queued jobs).

Removes only what ``make run`` writes under the workdir (``AUTOCAPTURE_WORKDIR``,
default ``.local/``): Azurite's data, the Cosmos emulator's saved documents, the demo
files, the logs and a stale ``run.json``. Refuses while a run is still alive.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from localdev.stack import AZURITE_DIR, COSMOS_STATE
from localdev.state import STATE_FILE, local_workdir, read_state, running_message

ENTRIES = (AZURITE_DIR, COSMOS_STATE, "demo", "logs", STATE_FILE)


def reset(workdir: Path) -> list[str]:
    """Remove the saved state under ``workdir``; the names removed."""
    removed = []
    for name in ENTRIES:
        path = workdir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(name)
    return removed


def main() -> int:
    workdir = local_workdir()
    state = read_state(workdir)
    if state is not None and state.live_processes():
        print(f"make reset: {running_message(state)}", file=sys.stderr)
        return 1
    removed = reset(workdir)
    print(f"reset {workdir}: removed {', '.join(removed) if removed else 'nothing (already empty)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
