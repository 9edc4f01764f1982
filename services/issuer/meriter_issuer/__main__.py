"""``meriter-issuer``: run the issuer service."""

from meriter_issuer.config import Settings
from meriter_shared.http import serve


def main() -> None:
    settings = Settings()
    serve("meriter_issuer.app:create_app", settings)


if __name__ == "__main__":
    main()
