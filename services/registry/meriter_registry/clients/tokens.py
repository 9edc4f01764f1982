"""The cryptography of the registry as OAuth2 authorization server: client
secrets, Ed25519 signing keys, access tokens. Pure functions; where keys and
clients are stored (the private keys sealed under the master key) is
:mod:`.repository`, when they are used and sealed :mod:`.service`.

Invariants: a client secret has 256 bits from the OS generator and only its
SHA-256 is stored (compared in constant time). A signing key's private part
is never logged or returned; its public JWK carries ``kid``, ``alg=EdDSA``,
``use=sig``. Access tokens are EdDSA JWTs carrying ``iss``, ``aud``,
``sub``/``client_id``, ``role``, ``tenant``, ``iat``, ``exp`` and a ``jti``;
their lifetime is short (default 5 minutes) because revocation works by not
issuing new ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(secret: str, stored: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey = field(repr=False)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": "EdDSA", "use": "sig"})
        return jwk


def load_key(kid: str, pem: bytes) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as exc:  # its message names no key material
        raise ValueError(f"signing key {kid} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"signing key {kid} is not Ed25519")
    return SigningKey(kid, key)


def new_private_pem() -> bytes:
    """A fresh Ed25519 private key, PKCS#8 PEM."""
    private = Ed25519PrivateKey.generate()
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    client_id: str,
    role: str,
    tenant_id: str | None,
    lifetime_s: int,
    now: float | None = None,
) -> str:
    iat = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": client_id,
        "client_id": client_id,
        "role": role,
        "iat": iat,
        "exp": iat + lifetime_s,
        "jti": str(uuid.uuid4()),
    }
    if tenant_id is not None:
        claims["tenant"] = tenant_id
    return jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.kid})
