"""Institutions over HTTP against real Postgres and the session broker."""

from __future__ import annotations

from registry.registry_support import Registry


async def test_write_without_token_is_401(registry: Registry) -> None:
    r = await registry.http.post("/v1/institutions", json={"name_official": "X", "country": "SE"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_institutions_search_pages_by_cursor_and_exports_csv(registry: Registry) -> None:
    for n in range(3):
        await registry.institution(f"DEQARINST000{n}", country="FI")
    first = (await registry.http.get("/v1/institutions?country=FI&limit=2")).json()
    rest = (
        await registry.http.get(
            f"/v1/institutions?country=FI&limit=2&cursor={first['next_cursor']}"
        )
    ).json()
    assert len(first["results"]) + len(rest["results"]) == 3
    exported = await registry.http.get("/v1/institutions?country=FI&format=csv&limit=10")
    assert exported.text.count("\n") == 4  # header + 3 rows


async def test_institution_is_found_by_identifier_resource(registry: Registry) -> None:
    iid = await registry.institution(
        "DEQARINST0001",
        eter_id="SE0001",
        identifiers=[{"resource": "SCHAC", "identifier": "uu.se"}],
    )
    for resource, value in (("DEQAR", "DEQARINST0001"), ("ETER", "SE0001"), ("SCHAC", "uu.se")):
        r = await registry.http.get(f"/v1/institutions/by-identifier/{resource}/{value}")
        assert r.json()["id"] == iid


async def test_institution_update_by_non_admin_is_403(registry: Registry) -> None:
    iid = await registry.institution("DEQARINST0001")
    headers = await registry.token_for("institution", iid)
    body = {"deqar_id": "DEQARINST0001", "name_official": "Renamed", "country": "SE"}
    r = await registry.http.put(f"/v1/institutions/{iid}", json=body, headers=headers)
    assert r.status_code == 403
    r = await registry.http.put(f"/v1/institutions/{iid}", json=body, headers=registry.admin)
    assert r.json()["name_official"] == "Renamed"
