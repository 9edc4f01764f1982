"""Multibase and multicodec helpers for Ed25519 Multikeys and status lists.

Invariants:

- Only the two multibase alphabets the credential formats use are accepted:
  ``z`` (base58btc, Bitcoin alphabet) and ``u`` (base64url, no padding).
  Anything else is rejected rather than guessed.
- Multicodec prefixes are the unsigned-varint encodings of the codes
  (``ed25519-pub`` 0xed -> ``ed 01``; ``ed25519-priv`` 0x1300 -> ``80 26``).
"""

from __future__ import annotations

import base64

import base58

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
# Some early tools wrote the ed25519-priv code as two raw bytes instead of
# its varint; accepted on input only, never produced.
ED25519_PRIV_PREFIX_RAW = b"\x13\x00"


class MultibaseError(ValueError):
    """A multibase string is malformed or uses an unsupported base."""


def encode_base58btc(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("expected a base58btc multibase string starting with 'z'")
    try:
        return base58.b58decode(value[1:].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise MultibaseError(f"invalid base58btc: {exc}") from exc


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_base64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("expected a base64url multibase string starting with 'u'")
    body = value[1:]
    if any(c in body for c in "+/="):
        raise MultibaseError("base64url multibase must not contain '+', '/' or padding")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, UnicodeEncodeError) as exc:
        raise MultibaseError(f"invalid base64url: {exc}") from exc


def decode(value: str) -> bytes:
    """Decode a ``z`` or ``u`` multibase string."""
    if isinstance(value, str) and value.startswith("z"):
        return decode_base58btc(value)
    if isinstance(value, str) and value.startswith("u"):
        return decode_base64url(value)
    raise MultibaseError("unsupported multibase prefix (only 'z' and 'u' are accepted)")
