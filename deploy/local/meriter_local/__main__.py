"""``meriter-local``: run Meriter on one machine (``make up``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from meriter_local.stack import StackConfig, up


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meriter-local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start Postgres, Tansu and the four services")
    p_up.add_argument("--state-dir", type=Path, default=Path(".meriter"))
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(StackConfig.from_env(args.state_dir.resolve()))
    return 2


if __name__ == "__main__":
    sys.exit(main())
