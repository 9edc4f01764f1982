"""``meriter-issuer [serve | worker]``: run the issuer (see ``meriter_shared.worker``)."""

import sys

from meriter_issuer.config import Settings
from meriter_shared.worker import service_main


def main() -> int:
    return service_main(
        sys.argv[1:],
        settings=Settings(),
        app_factory="meriter_issuer.app:create_app",
        runtime_factory="meriter_issuer.app:build_runtime",
    )


if __name__ == "__main__":
    sys.exit(main())
