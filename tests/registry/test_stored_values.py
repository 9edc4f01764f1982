"""Every listing and export answers whatever text was stored, as that text.

Nothing decodes a stored string because it looks like JSON (a shortcut once
did, and a 500 followed for an acronym starting with ``[``): only json/jsonb
columns are decoded, by the pool's codecs.
"""

from __future__ import annotations

import csv
import io

from registry.registry_support import Registry, offering

LOOKS_LIKE_JSON = "[1, 2]"
ALSO = '{"a": 1}'


async def test_every_listing_and_export_answers_text_that_looks_like_json(
    registry: Registry,
) -> None:
    r = await registry.http.post(
        "/v1/agencies",
        json={
            "acronym": LOOKS_LIKE_JSON,
            "name": ALSO,
            "eqar_registrations": [{"registered_from": "2005-01-01"}],
        },
        headers=registry.admin,
    )
    assert r.status_code == 201, r.text
    agency = r.json()["id"]
    iid = await registry.institution(
        "DEQARINST0001", name_official=ALSO, name_english="[", city="{", eter_id="[x]"
    )
    _, headers = await registry.submitted_report(agency, LOOKS_LIKE_JSON, "[r1]", "DEQARINST0001")
    inst = await registry.token_for("institution", iid)
    r = await registry.http.post(
        f"/v1/institutions/{iid}/offerings",
        json=offering(title="[x", learning_outcomes=["{y", "[]"]),
        headers=inst,
    )
    assert r.status_code == 201, r.text

    reads = {
        "/v1/agencies": None,
        "/v1/institutions": None,
        "/v1/institutions?format=csv": None,
        f"/v1/institutions/{iid}": None,
        "/v1/institutions/by-identifier/ETER/[x]": None,
        "/v1/reports": None,
        "/v1/reports?format=csv": None,
        "/v1/offerings": None,
        f"/v1/institutions/{iid}/offerings": None,
        f"/v1/institutions/{iid}/qa-status?on=2021-01-01": None,
    }
    for url in reads:
        answer = await registry.http.get(url)
        assert answer.status_code == 200, f"{url}: {answer.text}"
    agencies = (await registry.http.get("/v1/agencies")).json()["results"]
    assert [(a["acronym"], a["name"]) for a in agencies] == [(LOOKS_LIKE_JSON, ALSO)]
    institution = (await registry.http.get(f"/v1/institutions/{iid}")).json()
    assert (institution["name_official"], institution["name_english"], institution["city"]) == (
        ALSO,
        "[",
        "{",
    )
    exported = (await registry.http.get("/v1/institutions?format=csv")).text
    (row,) = csv.DictReader(io.StringIO(exported))
    assert row["name_official"] == ALSO
    reports = (await registry.http.get("/v1/reports")).json()["results"]
    assert [r["local_identifier"] for r in reports] == ["[r1]"]
    offerings = (await registry.http.get("/v1/offerings")).json()["results"]
    assert [(o["title"], o["learning_outcomes"]) for o in offerings] == [("[x", ["{y", "[]"])]
    assert headers  # the agency's own token submitted the report


async def test_blank_deqar_and_eter_ids_of_institutions_are_stored_as_none(
    registry: Registry,
) -> None:
    for name in ("First", "Second"):
        r = await registry.http.post(
            "/v1/institutions",
            json={"name_official": name, "country": "SE", "deqar_id": "", "eter_id": " "},
            headers=registry.admin,
        )
        assert r.status_code == 201, r.text
        assert (r.json()["deqar_id"], r.json()["eter_id"]) == (None, None)
    found = (await registry.http.get("/v1/institutions")).json()["results"]
    assert sorted((i["name_official"], i["deqar_id"], i["eter_id"]) for i in found) == [
        ("First", None, None),
        ("Second", None, None),
    ]
