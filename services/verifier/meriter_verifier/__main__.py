"""``meriter-verifier``: run the verifier service."""

from meriter_shared.http import serve
from meriter_verifier.config import Settings


def main() -> None:
    settings = Settings()
    serve("meriter_verifier.app:create_app", settings)


if __name__ == "__main__":
    main()
