"""Opaque page cursors: a listing's keyset key, handed out and taken back checked.

Invariants:

* A cursor is ``base64url(JSON [listing, *values])``, and with a secret
  ``.`` and a truncated HMAC-SHA256 of that text: clients cannot read
  meaning into it, and with a secret they cannot forge or alter one.
* A cursor carries the listing's name: one minted for another listing (or
  another shape of key) is refused, not misread.
* Every value is checked against the listing's shape before it reaches SQL:
  ``int`` within Postgres ``bigint``, ``str`` without NUL and at most
  ``MAX_TEXT`` characters, ``datetime`` aware. A cursor that fails any of
  this is an ``InvalidCursor``: a 422 naming the query parameter, never a
  database error or a 5xx.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from meriter_shared.errors import ValidationProblem

__all__ = ["CursorKey", "Cursors", "InvalidCursor"]

CursorValue = int | str | datetime
CursorKey = tuple[CursorValue, ...]
T = TypeVar("T")

MAX_CURSOR = 1024  # characters of a cursor taken at all
MAX_TEXT = 256  # characters of one text value in a key
_BIGINT = 2**63
_TAG_BYTES = 16


class InvalidCursor(ValidationProblem):
    """The page cursor given is not one this listing handed out."""

    def __init__(self, why: str, *, parameter: str = "cursor") -> None:
        super().__init__(
            "The page cursor is not valid; start again from the first page.",
            errors=[
                {
                    "in": "query",
                    "pointer": f"/{parameter}",
                    "field": parameter,
                    "message": why,
                    "code": "invalid_cursor",
                }
            ],
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Cursors:
    """The cursors of one listing: its name, the types of its key, an optional secret."""

    def __init__(
        self,
        listing: str,
        shape: Sequence[type[CursorValue]],
        *,
        secret: bytes | None = None,
        parameter: str = "cursor",
    ) -> None:
        for kind in shape:
            if kind not in (int, str, datetime):
                raise TypeError(f"a cursor key holds int, str or datetime, not {kind.__name__}")
        if not shape:
            raise ValueError("a cursor key has at least one value")
        self.listing = listing
        self.shape = tuple(shape)
        self.secret = secret
        self.parameter = parameter

    def _tag(self, body: str) -> str:
        assert self.secret is not None
        digest = hmac.new(self.secret, body.encode("utf-8", "replace"), hashlib.sha256).digest()
        return _b64(digest[:_TAG_BYTES])

    def encode(self, key: Sequence[CursorValue]) -> str:
        """The cursor of ``key`` (values in the listing's shape)."""
        values = self._check(list(key), encoding=True)
        wire = [v.isoformat() if isinstance(v, datetime) else v for v in values]
        text = json.dumps([self.listing, *wire], separators=(",", ":"), ensure_ascii=False)
        body = _b64(text.encode())
        return f"{body}.{self._tag(body)}" if self.secret is not None else body

    def decode(self, cursor: str | None) -> CursorKey | None:
        """The key ``cursor`` carries (``None`` for none: the first page);
        raises ``InvalidCursor``."""
        if cursor is None or cursor == "":
            return None
        if len(cursor) > MAX_CURSOR:
            raise self._invalid("too long")
        body, dot, tag = cursor.partition(".")
        if self.secret is not None:
            expected = self._tag(body).encode()
            if not dot or not hmac.compare_digest(tag.encode("utf-8", "replace"), expected):
                raise self._invalid("not issued by this listing")
        elif dot:
            raise self._invalid("malformed")
        try:
            decoded: Any = json.loads(_unb64(body).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise self._invalid("malformed") from None
        if not isinstance(decoded, list) or not decoded or decoded[0] != self.listing:
            raise self._invalid("not issued by this listing")
        return self._check(decoded[1:], encoding=False)

    def next(
        self, rows: Sequence[T], limit: int, key: Callable[[T], Sequence[CursorValue]]
    ) -> str | None:
        """The cursor of the page after ``rows``: its last key when the page is full."""
        return self.encode(key(rows[-1])) if rows and len(rows) == limit else None

    def _check(self, values: list[Any], *, encoding: bool) -> CursorKey:
        def fail(why: str) -> Exception:
            return ValueError(why) if encoding else self._invalid(why)

        if len(values) != len(self.shape):
            raise fail(f"a key of {len(values)} values, {len(self.shape)} expected")
        out: list[CursorValue] = []
        for value, kind in zip(values, self.shape, strict=True):
            if kind is int:
                if type(value) is not int or not -_BIGINT <= value < _BIGINT:
                    raise fail("not an integer key")
                out.append(value)
            elif kind is str:
                if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
                    raise fail("not a text key")
                out.append(value)
            else:
                out.append(_instant(value, fail))
        return tuple(out)

    def _invalid(self, why: str) -> InvalidCursor:
        return InvalidCursor(why, parameter=self.parameter)


def _instant(value: Any, fail: Callable[[str], Exception]) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise fail("not an instant key") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise fail("not an aware instant key")
    return value
