"""Token validation as every service does it (meriter_shared.auth)."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from meriter_shared.auth import AuthSettings, Role, TokenValidator
from meriter_shared.errors import Unauthorized

ISS, AUD = "https://registry.example", "meriter"


def keypair(kid: str) -> tuple[Ed25519PrivateKey, dict[str, Any]]:
    private = Ed25519PrivateKey.generate()
    jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "EdDSA"})
    return private, jwk


def token(private: Ed25519PrivateKey, kid: str, **claims: Any) -> str:
    base: dict[str, Any] = {"iss": ISS, "aud": AUD, "sub": "c1", "role": "agency", "tenant": "a1"}
    base["exp"] = int(time.time()) + 300
    base.update(claims)
    return jwt.encode(base, private, algorithm="EdDSA", headers={"kid": kid})


def static(jwks: dict[str, Any]) -> TokenValidator:
    return TokenValidator(AuthSettings(issuer=ISS, audience=AUD, jwks_json=json.dumps(jwks)))


KEY, JWK = keypair("k1")


async def test_valid_token_yields_client_role_and_tenant() -> None:
    p = await static({"keys": [JWK]}).validate(token(KEY, "k1"))
    assert (p.client_id, p.role, p.tenant_id) == ("c1", Role.AGENCY, "a1")


async def test_expired_token_is_refused() -> None:
    with pytest.raises(Unauthorized):
        await static({"keys": [JWK]}).validate(token(KEY, "k1", exp=int(time.time()) - 3600))


async def test_token_for_another_audience_is_refused() -> None:
    with pytest.raises(Unauthorized):
        await static({"keys": [JWK]}).validate(token(KEY, "k1", aud="elsewhere"))


async def test_token_from_another_issuer_is_refused() -> None:
    with pytest.raises(Unauthorized):
        await static({"keys": [JWK]}).validate(token(KEY, "k1", iss="https://evil.example"))


async def test_hmac_token_is_refused_even_with_a_known_kid() -> None:
    forged = jwt.encode(
        {"iss": ISS, "aud": AUD, "sub": "c1", "role": "admin", "exp": int(time.time()) + 60},
        "secret-guess-long-enough-for-hmac-sha256",
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthorized):
        await static({"keys": [JWK]}).validate(forged)


async def test_token_signed_by_another_key_under_a_known_kid_is_refused() -> None:
    other, _ = keypair("k1")
    with pytest.raises(Unauthorized):
        await static({"keys": [JWK]}).validate(token(other, "k1"))


async def test_non_admin_token_without_tenant_is_refused() -> None:
    with pytest.raises(Unauthorized):
        await static({"keys": [JWK]}).validate(token(KEY, "k1", tenant=None))


async def test_unknown_kid_refetches_the_jwks_once_within_the_refresh_floor() -> None:
    new_key, new_jwk = keypair("k2")
    served = {"keys": [JWK]}
    calls: list[str] = []

    async def fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        return served

    clock = [0.0]
    validator = TokenValidator(
        AuthSettings(issuer=ISS, audience=AUD, jwks_url="https://idp/jwks", jwks_min_refresh_s=10),
        fetcher=fetch,
        clock=lambda: clock[0],
    )
    await validator.validate(token(KEY, "k1"))
    served = {"keys": [JWK, new_jwk]}
    clock[0] = 1.0
    with pytest.raises(Unauthorized):
        await validator.validate(token(new_key, "k2"))  # rotated key, but inside the floor
    clock[0] = 11.0
    p = await validator.validate(token(new_key, "k2"))
    assert p.client_id == "c1"
    assert len(calls) == 2
