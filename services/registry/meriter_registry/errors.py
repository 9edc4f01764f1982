"""Problems only the registry raises (the rest come from :mod:`meriter_shared.errors`),
and the error items its rules build by hand.

Every error item the registry answers has the kernel's one shape,
``{"in", "pointer", "field", "message", "code"}`` — the shape
:func:`meriter_shared.errors.field_errors` gives a pydantic error. A rule
that finds a fault pydantic cannot (an unknown agency, a tenant that does
not exist) builds its item with :func:`error_item`; a bulk route that
reports faults per record puts each record's items under the record's
index with :func:`under`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from meriter_shared.errors import Problem


class InvalidClient(Problem):
    """RFC 6749 §5.2 ``invalid_client``: the token endpoint's own 401."""

    status, title, slug = 401, "Invalid Client", "invalid-client"


def _pointer(path: Iterable[str | int]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def error_item(*path: str | int, message: str, code: str, where: str = "body") -> dict[str, Any]:
    """One error item about the field at ``path`` (in ``where``: body, query, path)."""
    return {
        "in": where,
        "pointer": _pointer(path),
        "field": ".".join(str(p) for p in path),
        "message": message,
        "code": code,
    }


def under(index: int, item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` about record ``index`` of a bulk body (the body seen as a list of records)."""
    pointer = str(item.get("pointer", "/"))
    field = str(item.get("field", ""))
    return {
        **item,
        "pointer": f"/{index}" + ("" if pointer == "/" else pointer),
        "field": f"{index}.{field}" if field else str(index),
    }
