"""The ``meriter`` command; every installed Meriter distribution adds its
sub-command through the ``meriter.cli`` entry-point group.

The ``meriter`` script is declared by ``meriter-credentials`` so that the
engine, installed alone, runs ``meriter vc``; a distribution installed
without the engine (the registry, say) reaches its sub-command only through
its own script (``meriter-registry``). Each distribution contributes
``name = "module:register"`` to the group, so the command grows with the
installed packages while no package imports another service.
``register(subparsers)`` adds one sub-parser whose ``func`` default takes the
parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meriter", description="Meriter: trustworthy micro-credentials at national scale."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for entry in sorted(entry_points(group="meriter.cli"), key=lambda e: e.name):
        entry.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
