"""``meriter-verifier [serve | worker]``: run the verifier (see ``meriter_shared.worker``)."""

import sys

from meriter_shared.worker import service_main
from meriter_verifier.config import Settings


def main() -> int:
    return service_main(
        sys.argv[1:],
        settings=Settings(),
        app_factory="meriter_verifier.app:create_app",
        runtime_factory="meriter_verifier.app:build_runtime",
    )


if __name__ == "__main__":
    sys.exit(main())
