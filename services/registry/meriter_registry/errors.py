"""Problems only the registry raises (the rest come from :mod:`meriter_shared.errors`)."""

from __future__ import annotations

from meriter_shared.errors import Problem


class InvalidClient(Problem):
    """RFC 6749 §5.2 ``invalid_client``: the token endpoint's own 401."""

    status, title, slug = 401, "Invalid Client", "invalid-client"
