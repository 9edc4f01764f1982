"""IRIs as JSON-LD uses them: RFC 3986 reference resolution and the shapes
the engine accepts.

Only the basic algorithm of RFC 3986 §5.2 is used, as JSON-LD 1.1 requires:
no syntax- or scheme-based normalization. Characters RFC 3987 adds are
treated as unreserved ones.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["is_absolute", "is_blank", "looks_absolute", "resolve"]

_REFERENCE: Final = re.compile(
    r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S
)
_SCHEME_PREFIX: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# What an IRI written into N-Quads may hold (IRIREF without UCHAR escapes):
# anything but controls, space and <>"{}|^`\ -- which RFC 3987 forbids too.
_ABSOLUTE: Final = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\]*$')


def looks_absolute(value: str) -> bool:
    """Has a scheme (``x:``): JSON-LD's test for "is an absolute IRI" in expansion."""
    return _SCHEME_PREFIX.match(value) is not None


def is_absolute(value: str) -> bool:
    """A well-formed absolute IRI: a scheme, no character N-Quads forbids, one fragment."""
    return _ABSOLUTE.fullmatch(value) is not None and value.count("#") <= 1


def is_blank(value: str) -> bool:
    return value.startswith("_:")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4."""
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./") or path.startswith("/./"):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            end = path.find("/", start)
            if end < 0:
                end = len(path)
            output.append(path[:end])
            path = path[end:]
    return "".join(output)


def resolve(reference: str, base: str | None) -> str:
    """``reference`` resolved against ``base`` (RFC 3986 §5.2.2); unchanged without a base."""
    if base is None:
        return reference
    m = _REFERENCE.match(reference)
    b = _REFERENCE.match(base)
    assert m is not None  # the pattern matches every string
    assert b is not None
    r_scheme, r_auth, r_path, r_query, r_frag = m.groups()
    b_scheme, b_auth, b_path, b_query, _ = b.groups()
    if r_scheme is not None:
        scheme, auth, path, query = r_scheme, r_auth, _remove_dot_segments(r_path), r_query
    else:
        scheme = b_scheme
        if r_auth is not None:
            auth, path, query = r_auth, _remove_dot_segments(r_path), r_query
        else:
            auth = b_auth
            if r_path == "":
                path = b_path
                query = r_query if r_query is not None else b_query
            else:
                if r_path.startswith("/"):
                    path = _remove_dot_segments(r_path)
                else:
                    if b_auth is not None and b_path == "":
                        merged = "/" + r_path
                    else:
                        cut = b_path.rfind("/")
                        merged = b_path[: cut + 1] + r_path
                    path = _remove_dot_segments(merged)
                query = r_query
    out = ""
    if scheme is not None:
        out += scheme + ":"
    if auth is not None:
        out += "//" + auth
    out += path
    if query is not None:
        out += "?" + query
    if r_frag is not None:
        out += "#" + r_frag
    return out
