"""Ed25519 signing keys as Multikeys, and the key file format.

Invariants:

- A key pair always knows its controller DID and verification method id;
  for did:key both derive from the public key, for did:web the controller is
  the did:web DID and the fragment is the public key's multibase.
- The secret seed never appears in ``repr``/``str``, logs or exceptions; it
  leaves the object only through :meth:`Ed25519KeyPair.secret_key_multibase`
  and :meth:`Ed25519KeyPair.to_json`, which key files use.
- Key files are written with mode 0600 (created that way, not chmod-ed later,
  so there is no window in which they are readable by others).

Key file (JSON)::

    {"type": "Multikey", "controller": "did:…", "id": "did:…#z6Mk…",
     "publicKeyMultibase": "z6Mk…", "secretKeyMultibase": "z3u2…"}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from nacl import bindings as nacl_bindings
from nacl.exceptions import BadSignatureError

from meriter_credentials.multibase import (
    ED25519_PRIV_PREFIX,
    ED25519_PRIV_PREFIX_RAW,
    ED25519_PUB_PREFIX,
    MultibaseError,
    decode_base58btc,
    encode_base58btc,
)


class KeyFormatError(ValueError):
    """A key or key file is malformed (message never contains secret material)."""


def public_key_multibase(public_key: bytes) -> str:
    if len(public_key) != 32:
        raise KeyFormatError("an Ed25519 public key has 32 bytes")
    return encode_base58btc(ED25519_PUB_PREFIX + public_key)


def public_key_from_multibase(value: str) -> bytes:
    """Raw 32-byte Ed25519 public key from a ``z6Mk…`` publicKeyMultibase.

    Decoded keys are memoized (a verifier sees the same issuer keys again and
    again); malformed values are not, and raise every time.
    """
    if isinstance(value, str):
        return _public_key_from_multibase(value)
    return _decode_public_key(value)


@lru_cache(maxsize=1024)
def _public_key_from_multibase(value: str) -> bytes:
    return _decode_public_key(value)


def _decode_public_key(value: str) -> bytes:
    try:
        raw = decode_base58btc(value)
    except MultibaseError as exc:
        raise KeyFormatError(f"publicKeyMultibase: {exc}") from exc
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != 34:
        raise KeyFormatError("publicKeyMultibase is not an ed25519-pub multikey")
    return raw[2:]


def seed_from_secret_multibase(value: str) -> bytes:
    """32-byte seed from a secretKeyMultibase (varint 0x8026 or raw 0x1300 prefix)."""
    try:
        raw = decode_base58btc(value)
    except MultibaseError:
        raise KeyFormatError("secretKeyMultibase is not base58btc multibase") from None
    if len(raw) != 34 or raw[:2] not in (ED25519_PRIV_PREFIX, ED25519_PRIV_PREFIX_RAW):
        raise KeyFormatError("secretKeyMultibase is not an ed25519-priv multikey")
    return raw[2:]


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """Ed25519 verification that returns False on any malformed input.

    libsodium's (PyNaCl) rather than OpenSSL's: it verifies in about half the
    time here, and it refuses what RFC 8032 leaves open more strictly
    (small-order keys, non-canonical encodings).
    """
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        nacl_bindings.crypto_sign_open(signature + data, public_key)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def did_key_for(public_key: bytes) -> tuple[str, str]:
    """(controller DID, verification method id) of the did:key for a public key."""
    mb = public_key_multibase(public_key)
    return f"did:key:{mb}", f"did:key:{mb}#{mb}"


@dataclass(frozen=True, repr=False, eq=False)
class Ed25519KeyPair:
    """An Ed25519 signing key bound to a controller DID and verification method."""

    controller: str
    id: str
    public_key: bytes
    _private: Ed25519PrivateKey = field(compare=False)

    @classmethod
    def from_seed(cls, seed: bytes, *, did_web: str | None = None) -> Ed25519KeyPair:
        if len(seed) != 32:
            raise KeyFormatError("an Ed25519 seed has 32 bytes")
        private = Ed25519PrivateKey.from_private_bytes(seed)
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if did_web is None:
            controller, vm_id = did_key_for(public)
        else:
            if not did_web.startswith("did:web:"):
                raise KeyFormatError("did_web must be a did:web DID")
            controller, vm_id = did_web, f"{did_web}#{public_key_multibase(public)}"
        return cls(controller=controller, id=vm_id, public_key=public, _private=private)

    @classmethod
    def generate(cls, *, did_web: str | None = None) -> Ed25519KeyPair:
        return cls.from_seed(os.urandom(32), did_web=did_web)

    @property
    def public_key_multibase(self) -> str:
        return public_key_multibase(self.public_key)

    def secret_key_multibase(self) -> str:
        return encode_base58btc(ED25519_PRIV_PREFIX + self._seed())

    def _seed(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def sign(self, data: bytes) -> bytes:
        # libsodium signs in half the time OpenSSL takes here (Ed25519 is
        # deterministic: the same signature); its secret key is made once.
        secret = self.__dict__.get("_sodium")
        if secret is None:
            secret = nacl_bindings.crypto_sign_seed_keypair(self._seed())[1]
            object.__setattr__(self, "_sodium", secret)
        return bytes(nacl_bindings.crypto_sign(data, secret)[:64])

    def verify(self, signature: bytes, data: bytes) -> bool:
        return verify_signature(self.public_key, signature, data)

    def public_json(self) -> dict[str, str]:
        """The verification method (Multikey) without secret material."""
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }

    def to_json(self) -> dict[str, str]:
        return {**self.public_json(), "secretKeyMultibase": self.secret_key_multibase()}

    @classmethod
    def from_json(cls, data: Any) -> Ed25519KeyPair:
        if not isinstance(data, dict):
            raise KeyFormatError("key file must hold a JSON object")
        secret = data.get("secretKeyMultibase", data.get("privateKeyMultibase"))
        if not isinstance(secret, str):
            raise KeyFormatError("key file has no secretKeyMultibase")
        controller = data.get("controller")
        did_web = (
            controller
            if isinstance(controller, str) and controller.startswith("did:web:")
            else None
        )
        pair = cls.from_seed(seed_from_secret_multibase(secret), did_web=did_web)
        declared = data.get("publicKeyMultibase")
        if declared is not None and declared != pair.public_key_multibase:
            raise KeyFormatError("publicKeyMultibase does not match the secret key")
        if did_web is None and controller is not None and controller != pair.controller:
            raise KeyFormatError("controller is neither the key's did:key nor a did:web DID")
        vm_id = data.get("id")
        if isinstance(vm_id, str) and did_web is not None:
            if not vm_id.startswith(did_web + "#"):
                raise KeyFormatError("verification method id must be a fragment of the controller")
            pair = cls(
                controller=pair.controller,
                id=vm_id,
                public_key=pair.public_key,
                _private=pair._private,
            )
        return pair

    def write(self, path: Path) -> None:
        """Write the key file with mode 0600; refuses to overwrite an existing file."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.to_json(), handle, indent=2)
            handle.write("\n")

    @classmethod
    def load(cls, path: Path) -> Ed25519KeyPair:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise KeyFormatError(f"cannot read key file {path}: {type(exc).__name__}") from None
        return cls.from_json(data)

    def __repr__(self) -> str:
        return f"Ed25519KeyPair(id={self.id!r}, secret=<redacted>)"

    __str__ = __repr__


def keygen(out: Path, *, did_web: str | None = None) -> Ed25519KeyPair:
    """Generate a fresh key pair and write its key file (mode 0600) to ``out``."""
    pair = Ed25519KeyPair.generate(did_web=did_web)
    pair.write(out)
    return pair
