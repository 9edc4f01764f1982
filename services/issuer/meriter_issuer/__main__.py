"""``meriter-issuer``: run the issuer service."""

from meriter_issuer.app import create_app
from meriter_issuer.config import Settings
from meriter_shared.http import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
