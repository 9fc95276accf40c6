"""Rewrite docs/openapi.json from the app as Azure loads it: ``python -m localdev.openapi``."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from shared.api.openapi import openapi_json

#: The committed document (the Azure one, without the local-only routes).
DOCUMENT_PATH = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def azure_document() -> str:
    """The OpenAPI text of ``function_app`` imported in Azure mode (no /dev routes)."""
    os.environ["AUTOCAPTURE_MODE"] = "azure"
    sys.modules.pop("function_app", None)
    return openapi_json(importlib.import_module("function_app").app)


def main() -> int:
    DOCUMENT_PATH.write_text(azure_document(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCUMENT_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
