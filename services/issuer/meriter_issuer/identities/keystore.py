"""Institution signing keys: generated here, stored sealed, opened only to sign.

:class:`KeyStore` is the seam a KMS or HSM would take: it makes a key for an
institution and hands out :class:`SigningKey` — the public half and the
private seed *sealed* under the master key (``meriter_shared.secrets``). The
seed is opened only inside a signing process (``issuance.signing``), whose
initializer loaded the master key ring; it never appears in a log, an event,
a response or an error (``SigningKey`` and ``Ed25519KeyPair`` redact it).
"""

from __future__ import annotations

import os
import secrets as token_source
from dataclasses import dataclass, field

from meriter_credentials.keys import Ed25519KeyPair
from meriter_shared.secrets import MasterKeys


def seed_purpose(key_id: str) -> str:
    """What a sealed seed is for: it opens for this key and nothing else."""
    return f"issuer/institution-key/{key_id}"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key ready to sign with, the private seed still sealed."""

    key_id: str
    controller: str  # the DID
    vm_id: str  # the verification method
    public_multibase: str
    sealed_seed: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: str
    public_multibase: str
    sealed_seed: str = field(repr=False)


class KeyStore:
    """Keys sealed under the platform's master key, stored in the issuer's database."""

    def __init__(self, master_keys: MasterKeys) -> None:
        self._master = master_keys

    def new_key(self) -> NewKey:
        key_id = "k" + token_source.token_hex(8)
        seed = os.urandom(32)
        public = Ed25519KeyPair.from_seed(seed).public_key_multibase
        return NewKey(key_id, public, self._master.seal(seed, seed_purpose(key_id)))

    def open(self, key: SigningKey) -> Ed25519KeyPair:
        """The key pair itself — call only where signing happens."""
        seed = self._master.open(key.sealed_seed, seed_purpose(key.key_id))
        pair = Ed25519KeyPair.from_seed(
            seed, did_web=key.controller if key.controller.startswith("did:web:") else None
        )
        if pair.public_key_multibase != key.public_multibase:
            raise ValueError(f"key {key.key_id} does not match its public half")
        return pair
