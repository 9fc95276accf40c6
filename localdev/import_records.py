"""``make import FILE=records.jsonl``: import CRM records into the *running* local stack.

Reads ``<workdir>/run.json`` (written by ``make run``) for the Cosmos emulator's endpoint
and key, then runs the importer (``python -m shared.importer``) against it: the same
validation, all-or-nothing, upserts. TLS verification is turned off for that loopback
emulator only (its certificate is self-signed); any other endpoint is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from localdev.stack import ROOT
from localdev.state import local_workdir, read_state, state_path
from shared import config as names

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0]:
        print("usage: make import FILE=records.jsonl", file=sys.stderr)
        return 2
    workdir = local_workdir()
    state = read_state(workdir)
    if state is None or "make run" not in state.live_processes():
        print(
            f"make import: no running `make run` (no live {state_path(workdir)}); start it first",
            file=sys.stderr,
        )
        return 1
    if urlsplit(state.cosmos_endpoint).hostname not in LOOPBACK:
        print(f"make import: {state.cosmos_endpoint} is not the local emulator; refused", file=sys.stderr)
        return 1
    env = {
        **os.environ,
        names.COSMOS_ENDPOINT: state.cosmos_endpoint,
        names.COSMOS_KEY: state.cosmos_key,
        names.COSMOS_VERIFY_TLS: "false",  # the loopback emulator's self-signed certificate only
    }
    command = [sys.executable, "-m", "shared.importer", str(Path(args[0]).resolve())]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
