"""``meriter-registry``: run the registry service."""

from meriter_registry.app import create_app
from meriter_registry.config import Settings
from meriter_shared.http import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
