"""``local.settings.json`` for Azure Functions Core Tools, pointing at the running emulators.

``make run`` writes it (git-ignored) with every app setting its own host gets, in the
Core Tools format, so ``func start`` can serve the same ``function_app.py`` against the
same emulators. ``local.settings.example.json`` (committed) shows every key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from localdev.stack import ROOT

DEFAULT_PATH = ROOT / "local.settings.json"
EXAMPLE_PATH = ROOT / "local.settings.example.json"
WORKER_RUNTIME = {"FUNCTIONS_WORKER_RUNTIME": "python"}


def local_settings(app_settings: Mapping[str, str]) -> dict[str, object]:
    """The Core Tools document: ``{"IsEncrypted": false, "Values": {...}}``."""
    return {"IsEncrypted": False, "Values": {**WORKER_RUNTIME, **dict(sorted(app_settings.items()))}}


def write_local_settings(path: Path, app_settings: Mapping[str, str]) -> None:
    """Write the file readable by its owner only (it holds the local signing key)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(local_settings(app_settings), indent=2) + "\n")
    os.replace(tmp, path)
