"""``meriter-registry``: run the registry service, or one of its commands."""

import sys

from meriter_registry.cli import main

if __name__ == "__main__":
    sys.exit(main())
