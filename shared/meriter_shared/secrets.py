"""Secrets at rest: values sealed under the platform's master key.

Private keys a service keeps in its database (the registry's token-signing
key, the issuer's institution keys) are stored sealed, never in the clear:
AES-256-GCM under a master key that lives outside the database (a file of
mode 0600 that ``make up`` creates, a mounted Kubernetes secret, or a KMS
behind the same interface). Each sealed value names its purpose as
associated data, so a value sealed for one purpose does not open for
another, and names the key that sealed it, so a new master key can be put
first in the ring while values sealed under an older one still open.

Sealed text: ``v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12


class SecretsError(ValueError):
    """A sealed value that cannot be opened: wrong key, purpose or tampering."""


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"meriter-master-key" + key).hexdigest()[:12]


class MasterKeys:
    """The ring of master keys: the first seals, any opens what it sealed."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys or any(len(k) != KEY_BYTES for k in keys):
            raise ValueError(f"master keys must be {KEY_BYTES} bytes each, at least one")
        self._ring = {_key_id(k): AESGCM(k) for k in keys}
        self._current = _key_id(keys[0])
        self._oldest = keys[-1]

    @classmethod
    def from_text(cls, text: str) -> MasterKeys:
        """Base64 keys, comma-separated, newest first (an environment value or file)."""
        keys = [base64.urlsafe_b64decode(part.strip()) for part in text.split(",") if part.strip()]
        return cls(keys)

    @classmethod
    def from_file(cls, path: Path) -> MasterKeys:
        return cls.from_text(path.read_text("ascii"))

    def seal(self, plaintext: bytes, purpose: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ring[self._current].encrypt(nonce, plaintext, purpose.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"v1.{self._current}.{body}"

    def open(self, sealed: str, purpose: str) -> bytes:
        try:
            version, key_id, body = sealed.split(".", 2)
            raw = base64.urlsafe_b64decode(body)
        except ValueError as exc:
            raise SecretsError("not a sealed value") from exc
        aead = self._ring.get(key_id)
        if version != "v1" or aead is None:
            raise SecretsError("sealed under a master key this ring does not hold")
        try:
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode())
        except InvalidTag as exc:
            raise SecretsError("the sealed value does not open for this purpose") from exc

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` (e.g. keyed hashes of identifiers).

        Derived from the ring's oldest key, so putting a new master key first
        keeps derived values stable; retire the oldest only with a plan for
        what was derived from it.
        """
        return hmac.new(self._oldest, b"meriter-derive:" + purpose.encode(), "sha256").digest()

    def __repr__(self) -> str:  # never the keys themselves
        return f"MasterKeys(current={self._current}, keys={len(self._ring)})"


def new_master_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def ensure_master_key_file(path: Path) -> Path:
    """Create ``path`` with a fresh master key (mode 0600) unless it exists."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_master_key_text() + "\n")
    return path
