"""Token validation as every service does it (meriter_shared.auth)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm

from meriter_shared.auth import (
    AuthSettings,
    Principal,
    PrincipalDep,
    Role,
    TokenValidator,
    authorize,
    install_validator,
    require_roles,
)
from meriter_shared.errors import Forbidden, Unauthorized, install_problem_handlers

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


async def test_an_expired_tokens_401_says_it_expired_and_where_to_get_a_new_one() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    install_validator(app, static({"keys": [JWK]}))

    @app.get("/mine")
    async def mine(principal: PrincipalDep) -> dict[str, str]:
        return {"client_id": principal.client_id}

    expired = token(KEY, "k1", exp=int(time.time()) - 3600)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        r = await http.get("/mine", headers={"Authorization": f"Bearer {expired}"})
        fresh = await http.get("/mine", headers={"Authorization": f"Bearer {token(KEY, 'k1')}"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert "expired" in problem["detail"]
    assert "get a new one from the token endpoint" in problem["detail"]
    assert f"POST {ISS}/v1/oauth/token" in problem["detail"]
    assert problem["token_endpoint"] == f"{ISS}/v1/oauth/token"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert fresh.status_code == 200


async def test_an_expired_token_names_the_configured_token_endpoint() -> None:
    settings = AuthSettings(
        issuer=ISS,
        audience=AUD,
        jwks_json=json.dumps({"keys": [JWK]}),
        token_url="https://idp.example/oauth2/token",
    )
    with pytest.raises(Unauthorized) as refused:
        await TokenValidator(settings).validate(token(KEY, "k1", exp=int(time.time()) - 3600))
    assert refused.value.extensions["token_endpoint"] == "https://idp.example/oauth2/token"


async def test_a_token_refused_for_another_reason_does_not_say_expired() -> None:
    with pytest.raises(Unauthorized) as refused:
        await static({"keys": [JWK]}).validate(token(KEY, "k1", aud="elsewhere"))
    assert "expired" not in str(refused.value.detail)


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


async def test_a_token_claiming_the_system_role_is_refused() -> None:
    validator = static({"keys": [JWK]})
    with pytest.raises(Unauthorized, match="role"):
        await validator.validate(token(KEY, "k1", role="system", tenant=None))
    with pytest.raises(Unauthorized, match="role"):
        await validator.validate(token(KEY, "k1", role="system"))


ADMIN = Principal("root", Role.ADMIN, None)
AGENCY_A = Principal("c-a", Role.AGENCY, "a")
INSTITUTION_I = Principal("c-i", Role.INSTITUTION, "i")


def test_the_system_principal_is_made_by_code_and_names_its_purpose() -> None:
    system = Principal.system("bootstrap-admin")
    assert (system.client_id, system.role, system.tenant_id) == (
        "system:bootstrap-admin",
        Role.SYSTEM,
        None,
    )


def test_admin_and_system_pass_every_check() -> None:
    for who in (ADMIN, Principal.system("test")):
        assert authorize(who) is who
        assert authorize(who, Role.AGENCY, tenant_id="someone-else") is who


def test_a_role_not_asked_for_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="role agency"):
        authorize(AGENCY_A, Role.INSTITUTION)
    with pytest.raises(Forbidden):
        authorize(AGENCY_A)  # no roles named: admin only


def test_another_tenants_resource_is_forbidden_with_the_given_detail() -> None:
    assert authorize(AGENCY_A, Role.AGENCY, tenant_id="a") is AGENCY_A
    with pytest.raises(Forbidden, match="own reports"):
        authorize(
            AGENCY_A, Role.AGENCY, tenant_id="b", detail="an agency submits only its own reports"
        )
    with pytest.raises(Forbidden, match="another tenant"):
        authorize(INSTITUTION_I, Role.INSTITUTION, tenant_id="j")


async def test_route_guards_admit_their_roles_and_the_admin_only() -> None:
    agency_guard = require_roles(Role.AGENCY)
    assert await agency_guard(AGENCY_A) is AGENCY_A
    assert await agency_guard(ADMIN) is ADMIN
    with pytest.raises(Forbidden):
        await agency_guard(INSTITUTION_I)
    with pytest.raises(Forbidden):
        await require_roles(Role.ADMIN)(AGENCY_A)
