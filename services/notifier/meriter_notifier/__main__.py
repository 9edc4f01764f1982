"""``meriter-notifier``: run the notifier service."""

from meriter_notifier.config import Settings
from meriter_shared.http import serve


def main() -> None:
    settings = Settings()
    serve("meriter_notifier.app:create_app", settings)


if __name__ == "__main__":
    main()
