"""Institutions over HTTP against real Postgres and the session broker."""

from __future__ import annotations

import json
from datetime import datetime

from registry.registry_support import Registry

from support.kafka import read_all
from support.waiting import eventually

WHY = {"reason": "merged"}


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


async def test_the_national_body_deactivates_and_reactivates_an_institution_which_stays_listed(
    registry: Registry, kafka_bootstrap: str
) -> None:
    iid = await registry.institution("DEQARINST0001")
    r = await registry.http.post(
        "/v1/institutions/DEQARINST0001/deactivate", json=WHY, headers=registry.admin
    )
    assert r.status_code == 200, r.text
    deactivated_at = r.json()["deactivated_at"]
    assert deactivated_at is not None
    again = await registry.http.post(
        f"/v1/institutions/{iid}/deactivate", json=WHY, headers=registry.admin
    )
    assert again.json()["deactivated_at"] == deactivated_at  # idempotent: the first instant
    shown = (await registry.http.get(f"/v1/institutions/{iid}")).json()
    assert (shown["deactivated_at"], shown["deactivation_reason"]) == (deactivated_at, "merged")
    listed = (await registry.http.get("/v1/institutions", params={"country": "SE"})).json()
    assert [(i["id"], i["deactivated_at"]) for i in listed["results"]] == [(iid, deactivated_at)]
    exported = await registry.http.get("/v1/institutions", params={"format": "csv"})
    assert "deactivated_at" in exported.text.splitlines()[0]

    async def announced() -> list[object]:
        records = await read_all(kafka_bootstrap, "registry.events")
        return [
            json.loads(rec.value)["deactivated_at"]
            for rec in records
            if dict(rec.headers).get("ce_subject") == iid.encode()
            and dict(rec.headers).get("ce_type") == b"institution.updated"
        ]

    found = await eventually(announced, lambda seen: len(seen) == 1)
    assert datetime.fromisoformat(str(found[0])) == datetime.fromisoformat(deactivated_at)

    back = await registry.http.post(
        f"/v1/institutions/{iid}/reactivate", json={"reason": "in error"}, headers=registry.admin
    )
    assert (back.status_code, back.json()["deactivated_at"]) == (200, None)
    await eventually(announced, lambda seen: seen[-1:] == [None] and len(seen) == 2)


async def test_deactivating_needs_the_admin_a_reason_and_an_institution_that_exists(
    registry: Registry,
) -> None:
    iid = await registry.institution("DEQARINST0001")
    own = await registry.token_for("institution", iid)
    url = f"/v1/institutions/{iid}/deactivate"
    r = await registry.http.post(url, json=WHY, headers=own)
    assert r.status_code == 403
    r = await registry.http.post(
        "/v1/institutions/nope/deactivate", json=WHY, headers=registry.admin
    )
    assert r.status_code == 404
    r = await registry.http.post(url, json={"reason": ""}, headers=registry.admin)
    assert [e["pointer"] for e in r.json()["errors"]] == ["/reason"]
    assert r.headers["content-type"].startswith("application/problem+json")
    shown = (await registry.http.get(f"/v1/institutions/{iid}")).json()
    assert shown["deactivated_at"] is None
