"""The notifier's HTTP API: webhooks and delivery status, each institution its own only."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from notifier.notifier_support import issued, record, settings

from meriter_notifier.app import create_app
from meriter_shared.auth import AuthSettings
from meriter_shared.db.types import Pool

ISS = "https://registry.test"
KEY = Ed25519PrivateKey.generate()
JWK: dict[str, Any] = {**json.loads(OKPAlgorithm.to_jwk(KEY.public_key())), "kid": "k1"}


def bearer(role: str, tenant: str | None) -> dict[str, str]:
    claims: dict[str, Any] = {
        "iss": ISS,
        "aud": "meriter",
        "sub": f"{role}-{tenant}",
        "role": role,
        "exp": int(time.time()) + 300,
    }
    if tenant:
        claims["tenant"] = tenant
    return {"Authorization": "Bearer " + jwt.encode(claims, KEY, "EdDSA", {"kid": "k1"})}


@pytest.fixture
async def api(fresh_db: str) -> AsyncIterator[tuple[httpx.AsyncClient, Pool]]:
    s = settings(
        fresh_db,
        process_role="serve",
        auth=AuthSettings(issuer=ISS, jwks_json=json.dumps({"keys": [JWK]})),
    )
    app = create_app(s)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as http:
            yield http, app.state.runtime.pool


HOOK = {"url": "https://hooks.uu.example/meriter", "event_types": ["credential.issued"]}


async def test_an_institution_registers_an_endpoint_and_sees_its_secret_once(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, _ = api
    me = bearer("institution", "inst-a1")
    r = await http.post("/v1/institutions/inst-a1/webhooks", json=HOOK, headers=me)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["secret"].startswith("whsec_")
    assert r.headers["location"] == f"/v1/institutions/inst-a1/webhooks/{body['id']}"
    listed = await http.get("/v1/institutions/inst-a1/webhooks", headers=me)
    assert [e["id"] for e in listed.json()["items"]] == [body["id"]]
    assert "secret" not in listed.json()["items"][0]
    gone = await http.delete(f"/v1/institutions/inst-a1/webhooks/{body['id']}", headers=me)
    assert gone.status_code == 204
    again = await http.delete(f"/v1/institutions/inst-a1/webhooks/{body['id']}", headers=me)
    assert again.status_code == 404


async def test_registering_again_with_the_same_idempotency_key_answers_the_first_endpoint(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, _ = api
    me = {**bearer("institution", "inst-a2"), "Idempotency-Key": "k-1"}
    first = await http.post("/v1/institutions/inst-a2/webhooks", json=HOOK, headers=me)
    second = await http.post("/v1/institutions/inst-a2/webhooks", json=HOOK, headers=me)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()


async def test_only_the_institution_itself_or_the_admin_manages_its_webhooks(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, _ = api
    path = "/v1/institutions/inst-a3/webhooks"
    assert (await http.post(path, json=HOOK)).status_code == 401
    other = await http.post(path, json=HOOK, headers=bearer("institution", "inst-x"))
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"
    agency = await http.get(path, headers=bearer("agency", "ag-1"))
    assert agency.status_code == 403
    admin = await http.post(path, json=HOOK, headers=bearer("admin", None))
    assert admin.status_code == 201


async def test_a_private_endpoint_is_refused_with_the_field_at_fault(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, _ = api
    r = await http.post(
        "/v1/institutions/inst-a4/webhooks",
        json={**HOOK, "url": "https://192.168.1.10/hook"},
        headers=bearer("institution", "inst-a4"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/url"


async def test_an_institution_reads_the_delivery_status_of_its_own_credentials_only(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, pool = api
    event = issued("inst-a5", 1)
    await record(pool, [event])
    path = f"/v1/institutions/inst-a5/credentials/{event.credential_id}/deliveries"
    mine = await http.get(path, headers=bearer("institution", "inst-a5"))
    assert mine.status_code == 200, mine.text
    (delivery,) = mine.json()["deliveries"]
    assert (delivery["channel"], delivery["state"]) == ("email", "queued")
    assert "learner1@example.se" not in mine.text
    assert (await http.get(path, headers=bearer("institution", "inst-x"))).status_code == 403
    foreign = f"/v1/institutions/inst-x/credentials/{event.credential_id}/deliveries"
    assert (await http.get(foreign, headers=bearer("institution", "inst-x"))).status_code == 404


async def test_the_mail_page_exists_only_with_a_local_sink(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, _ = api
    assert (await http.get("/mail")).status_code == 404


async def test_an_institution_id_of_any_text_gives_an_ascii_location(
    api: tuple[httpx.AsyncClient, Pool],
) -> None:
    http, _ = api
    r = await http.post(
        "/v1/institutions/S\U000dc264æp/webhooks", json=HOOK, headers=bearer("admin", None)
    )
    assert r.status_code == 201, r.text
    assert r.headers["location"].startswith("/v1/institutions/S%F3%9C%89%A4%C3%A6p/webhooks/")
