"""``meriter-notifier``: run the notifier service."""

from meriter_notifier.app import create_app
from meriter_notifier.config import Settings
from meriter_shared.http import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
