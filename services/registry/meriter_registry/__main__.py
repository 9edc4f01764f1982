"""``meriter-registry [serve | worker | outbox … | import … | bootstrap-admin …]``.

``serve`` / ``worker`` / ``outbox`` / nothing run or operate the service (see
``meriter_shared.worker``); the other commands are the registry's own (``cli.py``).
"""

import sys

from meriter_registry.cli import main as cli_main
from meriter_registry.config import Settings
from meriter_shared.worker import service_main


def main() -> int:
    argv = sys.argv[1:]
    if not argv or argv[0] in ("serve", "worker", "outbox"):
        return service_main(
            argv,
            settings=Settings(),
            app_factory="meriter_registry.app:create_app",
            runtime_factory="meriter_registry.app:build_runtime",
        )
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
