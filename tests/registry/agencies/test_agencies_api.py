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
                "activities": [],
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
                "activities": [],
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


async def test_acronyms_and_names_that_look_like_json_are_listed_as_the_text_they_are(
    registry: Registry,
) -> None:
    looks_like_json = ["[", "{", "[1, 2]", '{"a": 1}', "[not json"]
    for n, text in enumerate(looks_like_json):
        r = await registry.http.post(
            "/v1/agencies",
            json={"acronym": text, "name": text, "deqar_id": f"{{{n}}}"},
            headers=registry.admin,
        )
        assert r.status_code == 201, r.text
    listed = await registry.http.get("/v1/agencies")
    assert listed.status_code == 200, listed.text
    assert sorted(a["acronym"] for a in listed.json()["results"]) == sorted(looks_like_json)
    assert all(a["name"] == a["acronym"] for a in listed.json()["results"])


async def test_a_blank_deqar_id_means_none_so_agencies_without_one_never_collide(
    registry: Registry,
) -> None:
    for acronym, blank in (("AAA", ""), ("BBB", "   ")):
        r = await registry.http.post(
            "/v1/agencies",
            json={"acronym": acronym, "name": acronym, "deqar_id": blank},
            headers=registry.admin,
        )
        assert r.status_code == 201, r.text
        assert r.json()["deqar_id"] is None
    listed = (await registry.http.get("/v1/agencies")).json()["results"]
    assert [(a["acronym"], a["deqar_id"]) for a in listed] == [("AAA", None), ("BBB", None)]


async def test_two_registration_periods_starting_the_same_day_are_a_422_naming_them(
    registry: Registry,
) -> None:
    body = {
        "acronym": "AAA",
        "name": "Agency AAA",
        "eqar_registrations": [
            {"registered_from": "2010-01-01", "registered_to": "2012-12-31"},
            {"registered_from": "2010-01-01"},
        ],
    }
    r = await registry.http.post("/v1/agencies", json=body, headers=registry.admin)
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == ["/eqar_registrations"]
    aaa = await registry.agency("AAA")
    r = await registry.http.put(f"/v1/agencies/{aaa}", json=body, headers=registry.admin)
    assert r.status_code == 422, r.text
    assert (await registry.http.get("/v1/agencies")).json()["results"][0]["eqar_registrations"] == [
        {"registered_from": "2005-01-01", "registered_to": None}
    ]
