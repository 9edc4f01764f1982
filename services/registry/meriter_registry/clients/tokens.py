"""The registry as OAuth2 authorization server (client credentials grant).

Invariants: one active Ed25519 signing key lives in ``signing_keys`` and is
created on first use (concurrent first uses converge on one key through the
primary key); its private part is never logged or returned. Access tokens are
EdDSA JWTs carrying ``iss``, ``aud``, ``sub``/``client_id``, ``role``,
``tenant``, ``iat``, ``exp`` and a ``jti``; their lifetime is short (default
5 minutes) because revocation works by not issuing new ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from meriter_shared.db.types import Connection


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def secret_matches(secret: str, stored: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": "EdDSA", "use": "sig"})
        return jwk


def _load(kid: str, pem: str) -> SigningKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"signing key {kid} is not Ed25519")
    return SigningKey(kid, key)


async def active_key(conn: Connection) -> SigningKey:
    row = await conn.fetchrow(
        "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL "
        "ORDER BY created_at DESC LIMIT 1"
    )
    if row is not None:
        return _load(row["kid"], row["private_pem"])
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    # A fixed kid for the first key makes concurrent first uses collide on the
    # primary key instead of creating two keys.
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_pem) VALUES ('k1', $1) ON CONFLICT DO NOTHING", pem
    )
    row = await conn.fetchrow("SELECT kid, private_pem FROM signing_keys WHERE kid = 'k1'")
    assert row is not None
    return _load(row["kid"], row["private_pem"])


async def public_jwks(conn: Connection) -> dict[str, Any]:
    await active_key(conn)
    rows = await conn.fetch("SELECT kid, private_pem FROM signing_keys ORDER BY created_at")
    return {"keys": [_load(r["kid"], r["private_pem"]).public_jwk() for r in rows]}


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
