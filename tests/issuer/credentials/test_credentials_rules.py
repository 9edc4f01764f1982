"""Credential reads (Postgres alone): an institution sees its own credentials and
offerings only; another's are not found, never forbidden."""

from __future__ import annotations

import json

import pytest
from issuer.rules_support import Issuer

from meriter_issuer.credentials import service as credentials
from meriter_shared.errors import NotFound


async def test_an_institution_lists_its_own_credentials_oldest_first_page_by_page(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    mine = [(await issuer.issued("inst-a", f"R-{n}")).credential_id for n in range(3)]
    await issuer.issued("inst-b", "R-9")
    first = await credentials.page(issuer.conn, "inst-a", None, 2)
    rest = await credentials.page(issuer.conn, "inst-a", first.next_cursor, 2)
    assert [c.credential_id for c in first.items + rest.items] == mine
    assert {c.status for c in first.items + rest.items} == {"active"}
    assert rest.next_cursor is None


async def test_the_signed_credential_is_the_owners_alone(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    credential_id = (await issuer.issued("inst-a", "R-1")).credential_id
    assert credential_id is not None
    document = await credentials.signed_document(issuer.conn, "inst-a", credential_id)
    assert json.loads(document)["id"] == credential_id
    with pytest.raises(NotFound):
        await credentials.signed_document(issuer.conn, "inst-b", credential_id)


async def test_an_offering_is_known_to_its_own_institution_only(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    offering = await credentials.known_offering(issuer.conn, "inst-a", "off-inst-a")
    assert offering.institution_id == "inst-a"
    for institution_id, offering_id in (("inst-b", "off-inst-a"), ("inst-a", "off-none")):
        with pytest.raises(NotFound):
            await credentials.known_offering(issuer.conn, institution_id, offering_id)


async def test_a_credential_is_found_by_its_bare_uuid_as_well_as_its_urn(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    credential_id = (await issuer.issued("inst-a", "R-1")).credential_id
    assert credential_id is not None
    assert credential_id.startswith("urn:uuid:")
    bare = credential_id.removeprefix("urn:uuid:")
    for name in (bare, bare.upper(), credential_id):
        document = await credentials.signed_document(issuer.conn, "inst-a", name)
        assert json.loads(document)["id"] == credential_id
    with pytest.raises(NotFound):
        await credentials.signed_document(issuer.conn, "inst-a", "not-a-uuid")


async def test_the_list_links_a_superseded_credential_and_its_replacement(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    old = (await issuer.issued("inst-a", "R-1")).credential_id
    await issuer.conn.execute("UPDATE results SET grade = 'B', content_hash = 'x'")
    await issuer.conn.execute(
        "UPDATE results SET state = 'accepted', revision = 2 WHERE result_id = 'R-1'"
    )
    await issuer.decide("inst-a", "R-1")
    first, second = (await credentials.page(issuer.conn, "inst-a", None, 10)).items
    assert (first.credential_id, first.status, first.superseded_by) == (
        old,
        "revoked",
        second.credential_id,
    )
    assert (second.status, second.supersedes) == ("active", old)
