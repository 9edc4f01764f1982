"""Agencies over HTTP against real Postgres and the session broker."""

from __future__ import annotations

from registry.registry_support import Registry


async def test_the_agency_list_shows_each_agency_with_its_registrations(
    registry: Registry,
) -> None:
    r = await registry.http.post(
        "/v1/agencies",
        json={
            "acronym": "UKA",
            "name": "Swedish Higher Education Authority",
            "deqar_id": "EQAR-5",
            "country": "SE",
            "website": "https://www.uka.se",
            "eqar_registrations": [
                {"registered_from": "2010-01-01", "registered_to": "2015-12-31"},
            ],
        },
        headers=registry.admin,
    )
    assert r.status_code == 201, r.text
    uka = r.json()["id"]
    bare = await registry.agency("AAA")
    await registry.http.put(
        f"/v1/agencies/{bare}",
        json={"acronym": "AAA", "name": "Agency AAA"},
        headers=registry.admin,
    )
    listed = (await registry.http.get("/v1/agencies")).json()
    assert listed == {
        "results": [
            {
                "id": bare,
                "deqar_id": None,
                "acronym": "AAA",
                "name": "Agency AAA",
                "country": None,
                "website": None,
                "eqar_registrations": [],
            },
            {
                "id": uka,
                "deqar_id": "EQAR-5",
                "acronym": "UKA",
                "name": "Swedish Higher Education Authority",
                "country": "SE",
                "website": "https://www.uka.se/",
                "eqar_registrations": [
                    {"registered_from": "2010-01-01", "registered_to": "2015-12-31"}
                ],
            },
        ]
    }


async def test_an_agency_acronym_is_taken_once(registry: Registry) -> None:
    await registry.agency("AAA")
    again = await registry.http.post(
        "/v1/agencies", json={"acronym": "AAA", "name": "Again"}, headers=registry.admin
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
