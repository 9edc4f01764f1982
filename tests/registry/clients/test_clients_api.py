"""OAuth clients and tokens over HTTP against real Postgres and the session broker."""

from __future__ import annotations

import jwt
from registry.registry_support import Registry, offering, report


async def test_jwks_endpoint_serves_the_key_tokens_are_signed_with(registry: Registry) -> None:
    jwks = (await registry.http.get("/.well-known/jwks.json")).json()
    assert [k["alg"] for k in jwks["keys"]] == ["EdDSA"]
    assert "d" not in jwks["keys"][0]


async def test_wrong_client_secret_gets_401(registry: Registry) -> None:
    r = await registry.http.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
    )
    assert r.status_code == 401


async def test_a_revoked_clients_unexpired_token_is_refused_at_once(registry: Registry) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    created = await registry.http.post(
        "/v1/clients",
        json={"name": "AAA uploader", "role": "agency", "tenant_id": aaa},
        headers=registry.admin,
    )
    assert created.status_code == 201, created.text
    client = created.json()
    token = await registry.http.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    url = "/submissionapi/v2/submit/report"
    ok = await registry.http.post(url, json=report("AAA", "r1", "DEQARINST0001"), headers=headers)
    assert ok.status_code == 200, ok.text
    client_url = f"/v1/clients/{client['client_id']}"
    revoked = await registry.http.delete(client_url, headers=registry.admin)
    assert revoked.status_code == 204
    refused = await registry.http.post(
        url, json=report("AAA", "r2", "DEQARINST0001"), headers=headers
    )
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


async def test_revoking_the_last_active_admin_client_is_a_409_saying_why(
    registry: Registry,
) -> None:
    claims = jwt.decode(
        registry.admin["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    own = f"/v1/clients/{claims['client_id']}"
    r = await registry.http.delete(own, headers=registry.admin)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "last active admin client" in r.json()["detail"]
    spare = await registry.http.post(
        "/v1/clients", json={"name": "spare", "role": "admin"}, headers=registry.admin
    )
    assert spare.status_code == 201, spare.text
    assert (await registry.http.delete(own, headers=registry.admin)).status_code == 204


async def token_of(registry: Registry, client: dict[str, str]) -> dict[str, str]:
    r = await registry.http.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_an_institution_client_created_by_deqar_id_publishes_its_offerings(
    registry: Registry,
) -> None:
    iid = await registry.institution("DEQARINST0001")
    created = await registry.http.post(
        "/v1/clients",
        json={"name": "UU", "role": "institution", "tenant_id": "DEQARINST0001"},
        headers=registry.admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["tenant_id"] == iid
    headers = await token_of(registry, created.json())
    for key in ("DEQARINST0001", iid):
        r = await registry.http.post(
            f"/v1/institutions/{key}/offerings", json=offering(), headers=headers
        )
        assert r.status_code == 201, r.text


async def test_an_agency_client_created_by_acronym_submits_its_reports(registry: Registry) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    created = await registry.http.post(
        "/v1/clients",
        json={"name": "AAA", "role": "agency", "tenant_id": "AAA"},
        headers=registry.admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["tenant_id"] == aaa
    headers = await token_of(registry, created.json())
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST0001"),
        headers=headers,
    )
    assert r.status_code == 200, r.text


async def test_clients_are_created_by_the_keys_deqar_users_know(registry: Registry) -> None:
    r = await registry.http.post(
        "/v1/agencies",
        json={"acronym": "UKA", "name": "UKA", "deqar_id": "12"},
        headers=registry.admin,
    )
    uka = r.json()["id"]
    r = await registry.http.post(
        "/v1/agencies", json={"acronym": "UKÄ", "name": "UKÄ"}, headers=registry.admin
    )
    ukae = r.json()["id"]
    iid = await registry.institution("DEQARINST0382")
    for role, key, expected in (
        ("agency", 12, uka),  # DEQAR's agency id, a number in its JSON
        ("agency", "12", uka),
        ("agency", "uka", uka),  # an acronym in any case, as DEQAR matches it
        ("agency", "uKä", ukae),  # beyond ASCII too (the database's locale lowers ASCII only)
        ("agency", uka, uka),
        ("institution", "DEQARINST0382", iid),
        ("institution", 382, iid),  # DEQAR's numeric institution id
        ("institution", iid, iid),
    ):
        created = await registry.http.post(
            "/v1/clients",
            json={"name": "x", "role": role, "tenant_id": key},
            headers=registry.admin,
        )
        assert created.status_code == 201, (key, created.text)
        assert created.json()["tenant_id"] == expected
