"""Load ``function_app`` as a given mode would: a fresh import with that environment."""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import Any

from shared.api.openapi import build_openapi
from shared.config import MODE, TRACK_QUEUE_NAME


def load_function_app(mode: str) -> ModuleType:
    """``function_app`` imported afresh with ``AUTOCAPTURE_MODE=mode`` (environment restored)."""
    saved = {name: os.environ.get(name) for name in (MODE, TRACK_QUEUE_NAME)}
    os.environ[MODE] = mode
    os.environ.setdefault(TRACK_QUEUE_NAME, "track-requests")
    sys.modules.pop("function_app", None)
    try:
        return importlib.import_module("function_app")
    finally:
        sys.modules.pop("function_app", None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def openapi_document(mode: str) -> dict[str, Any]:
    """The OpenAPI document of the app as ``mode`` registers it (``local`` adds /dev/*)."""
    return build_openapi(load_function_app(mode).app)
