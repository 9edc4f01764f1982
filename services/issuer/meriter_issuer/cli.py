"""``meriter results …``: an institution's results file, from its machine to the issuer.

- ``meriter results template [--format csv|ndjson] [--offering-id ID]``
  writes a header and one example record the intake accepts (with your
  own offering's id) — a starting point for an export;
- ``meriter results upload FILE.csv|FILE.ndjson|-`` sends the file in
  chunks, resumably; see ``meriter_issuer.upload.sending`` for its
  invariants and exit status, ``meriter_issuer.upload.columns`` for the
  CSV columns, and the README ("Uploading a results file").

The institution's client credentials are a JSON file ``{"client_id",
"client_secret"}`` as the registry hands them out, or ``MERITER_CLIENT_ID``
and ``MERITER_CLIENT_SECRET``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from meriter_issuer.upload import sending
from meriter_issuer.upload.columns import template


def _credentials(path: str | None) -> dict[str, str]:
    if path:
        data: dict[str, str] = json.loads(Path(path).read_text())
        return {"client_id": data["client_id"], "client_secret": data["client_secret"]}
    client_id, secret = os.environ.get("MERITER_CLIENT_ID"), os.environ.get("MERITER_CLIENT_SECRET")
    if not client_id or not secret:
        raise SystemExit("give --credentials FILE or MERITER_CLIENT_ID and MERITER_CLIENT_SECRET")
    return {"client_id": client_id, "client_secret": secret}


def upload(args: argparse.Namespace) -> int:
    opts = sending.Options(
        source=args.file,
        fmt=args.format,
        credentials=_credentials(args.credentials),
        registry=args.registry,
        issuer=args.issuer,
        chunk=args.chunk,
        timeout=args.timeout,
        rejects=Path(args.rejects) if args.rejects else None,
        progress="always" if args.progress else "never" if args.quiet else "auto",
    )
    with httpx.Client(timeout=args.timeout) as http:
        return sending.upload(opts, http)


def write_template(args: argparse.Namespace) -> int:
    text = template(args.format, args.offering_id)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


_EXIT = """exit status: 0 every row accepted (or already there: duplicates), 1 some rows
rejected, 2 no row accepted (all rejected, or the file's header or the credentials
refused), 3 stopped midway (the issuer or the network failed): run again to resume."""


def register(subparsers: Any) -> None:
    """Entry point for the ``meriter.cli`` group: ``meriter results ...``."""
    parser = subparsers.add_parser("results", help="an institution's results")
    sub = parser.add_subparsers(dest="results_command", required=True)
    up = sub.add_parser(
        "upload",
        help="post a CSV or NDJSON file of results to the issuer",
        epilog=_EXIT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    up.add_argument("file", help="FILE.csv, FILE.ndjson, or - for stdin (with --format)")
    up.add_argument("--format", choices=("csv", "ndjson"), help="default: from the file's suffix")
    up.add_argument("--credentials", help='JSON file {"client_id", "client_secret"}')
    up.add_argument(
        "--registry", default=os.environ.get("MERITER_REGISTRY_URL", "http://127.0.0.1:8001")
    )
    up.add_argument(
        "--issuer", default=os.environ.get("MERITER_ISSUER_URL", "http://127.0.0.1:8002")
    )
    up.add_argument(
        "--rejects",
        metavar="FILE",
        help="write rejected rows here (CSV when it ends in .csv, else NDJSON) instead of stderr",
    )
    up.add_argument("--chunk", type=_positive, default=5000, help="results per request")
    up.add_argument("--timeout", type=float, default=300.0)
    shown = up.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress",
        action="store_true",
        help="draw the progress bar even when stderr is not a terminal",
    )
    shown.add_argument("--quiet", action="store_true", help="no progress bar")
    up.set_defaults(func=upload)
    tpl = sub.add_parser("template", help="a header and one example record to start a file from")
    tpl.add_argument("--format", choices=("csv", "ndjson"), default="csv")
    tpl.add_argument("--offering-id", help="your offering's id (registry) in the example record")
    tpl.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    tpl.set_defaults(func=write_template)
