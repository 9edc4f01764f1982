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

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
# Some early tools wrote the ed25519-priv code as two raw bytes instead of
# its varint; accepted on input only, never produced.
ED25519_PRIV_PREFIX_RAW = b"\x13\x00"


class MultibaseError(ValueError):
    """A multibase string is malformed or uses an unsupported base."""


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUES = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58_TRAILING_SPACE = " \t\n\r\x0b\x0c"
"""Trailing ASCII white space the ``base58`` package strips before decoding;
stripped here too, so the accepted inputs are exactly the package's."""


_B58_PAIRS = [a + b for a in _B58_ALPHABET for b in _B58_ALPHABET]
_B58_CHUNK = 58**10


def encode_base58btc(data: bytes) -> str:
    # Same output as the ``base58`` package's b58encode (tests compare them),
    # without its per-call overhead: proofs encode a signature each time. The
    # big number is divided ten digits at a time, each chunk two at a time.
    body = data.lstrip(b"\0")
    number = int.from_bytes(body, "big")
    chunks = []
    while number:
        number, chunk = divmod(number, _B58_CHUNK)
        text = ""
        for _ in range(5):
            chunk, pair = divmod(chunk, 3364)
            text = _B58_PAIRS[pair] + text
        chunks.append(text)
    if chunks:
        chunks[-1] = chunks[-1].lstrip("1")  # the leading chunk's zero digits
    return "z" + "1" * (len(data) - len(body)) + "".join(reversed(chunks))


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("expected a base58btc multibase string starting with 'z'")
    text = value[1:].rstrip(_B58_TRAILING_SPACE)
    body = text.lstrip("1")
    number = 0
    try:
        for char in body:
            number = number * 58 + _B58_VALUES[char]
    except KeyError:
        raise MultibaseError(f"invalid base58btc: invalid character {char!r}") from None
    return b"\0" * (len(text) - len(body)) + number.to_bytes((number.bit_length() + 7) // 8, "big")


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
