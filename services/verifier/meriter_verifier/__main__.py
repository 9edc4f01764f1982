"""``meriter-verifier``: run the verifier service."""

from meriter_shared.http import serve
from meriter_verifier.app import create_app
from meriter_verifier.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
