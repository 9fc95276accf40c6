"""``python -m shared.importer FILE.jsonl``: import CRM records into Cosmos DB.

Works against the local emulator (COSMOS_ACCOUNT_ENDPOINT + COSMOS_KEY) and against a
real account (COSMOS_ACCOUNT_ENDPOINT, signed in with ``az login`` / a managed identity).
All-or-nothing: a file with any invalid line is rejected whole (exit 2), nothing written.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from shared.config import Config
from shared.exceptions import AutoCaptureError
from shared.importer.load import import_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.importer", description=__doc__)
    parser.add_argument("file", type=Path, help="JSON Lines file, one CRM record per line")
    parser.add_argument("--endpoint", help="Cosmos account endpoint (default: $COSMOS_ACCOUNT_ENDPOINT)")
    parser.add_argument("--database", help="database name (default: $COSMOS_DATABASE or autocapture)")
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    args = parser.parse_args(argv)
    overrides: dict[str, object] = {}
    if args.endpoint:
        overrides["cosmos_endpoint"] = args.endpoint
    if args.database:
        overrides["cosmos_database"] = args.database
    config = Config.from_env(None, **overrides)
    try:
        report = asyncio.run(import_file(config, args.file, dry_run=args.check))
    except AutoCaptureError as exc:
        print(f"import failed: {exc.detail}", file=sys.stderr)
        return 1
    for error in report.errors:
        print(f"{args.file}:{error}", file=sys.stderr)
    if report.errors:
        print(f"rejected: {len(report.errors)} invalid line(s); nothing was written", file=sys.stderr)
        return 2
    verb = "valid" if args.check else "imported"
    print(f"{verb}: {report.written if not args.check else len(report.records)} record(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
