"""``python -m localdev.graph_server --mailbox FILE --port P --jwks-url URL``."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from aiohttp import web

from localdev.graph_server import create_app, load_mailbox, url_jwks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Microsoft Graph mail/calendar server")
    parser.add_argument("--mailbox", help="mailbox file (docs/formats.md); empty mailbox when absent")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7073)
    parser.add_argument("--jwks-url", help="JWKS of the token issuer (e.g. the local host's)")
    parser.add_argument("--jwks-file", help="JWKS as a file, instead of --jwks-url")
    parser.add_argument("--issuer", help="required token issuer (not checked when absent)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every Graph answer")
    parser.add_argument("--per-kb", type=float, default=0.0, help="seconds added per KiB of every answer")
    args = parser.parse_args(argv)
    if bool(args.jwks_url) == bool(args.jwks_file):
        parser.error("give exactly one of --jwks-url and --jwks-file")
    jwks = (
        json.loads(Path(args.jwks_file).read_text(encoding="utf-8"))
        if args.jwks_file
        else url_jwks(args.jwks_url)
    )
    mailbox = load_mailbox(args.mailbox) if args.mailbox else {"users": []}
    logging.basicConfig(level=logging.INFO)
    app = create_app(mailbox, jwks, issuer=args.issuer, latency=args.latency, per_kb=args.per_kb)
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
