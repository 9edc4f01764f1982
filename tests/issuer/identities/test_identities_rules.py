"""Identity rules (Postgres alone): an institution's DID is made on first use (did:web),
changed to did:key or rotated by the institution itself or the admin; every change is
announced with every DID used before."""

from __future__ import annotations

import pytest
from issuer.rules_support import ADMIN, Issuer, Outbox, institution_client
from pydantic import ValidationError

from meriter_issuer.identities.schemas import MethodIn
from meriter_shared.errors import Forbidden, NotFound

OWNER = institution_client("inst-a")
DID_WEB = "did:web:credentials.example.se:issuers:inst-a"


async def test_an_identity_is_made_on_first_use_under_did_web_and_announced(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    outbox = await Outbox(issuer.conn).start()
    identities = issuer.components.identities
    identity = await identities.issuer(issuer.conn, OWNER, "inst-a")
    again = await identities.issuer(issuer.conn, OWNER, "inst-a")
    assert (identity.method, identity.did) == ("web", DID_WEB)
    assert again.signing.key_id == identity.signing.key_id
    assert await outbox.types() == ["issuer.identity_changed"]
    described = identities.describe(identity)
    assert described.did_document_url == "https://credentials.example.se/issuers/inst-a/did.json"
    assert "sealed_seed" not in described.model_dump_json()


async def test_another_institution_may_not_read_or_change_an_identity(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    identities, other = issuer.components.identities, institution_client("inst-b")
    with pytest.raises(Forbidden):
        await identities.issuer(issuer.conn, other, "inst-a")
    with pytest.raises(Forbidden):
        await identities.choose_method(issuer.conn, other, "inst-a", "key")
    with pytest.raises(Forbidden):
        await identities.rotate(issuer.conn, other, "inst-a")
    assert await issuer.conn.fetchval("SELECT count(*) FROM issuer_identities") == 0


async def test_an_institution_the_registry_does_not_know_has_no_identity(issuer: Issuer) -> None:
    with pytest.raises(NotFound):
        await issuer.components.identities.issuer(issuer.conn, ADMIN, "inst-nowhere")


async def test_choosing_did_key_announces_the_new_did_and_the_former_one(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    identities = issuer.components.identities
    await identities.issuer(issuer.conn, OWNER, "inst-a")
    outbox = await Outbox(issuer.conn).start()
    changed = await identities.choose_method(issuer.conn, OWNER, "inst-a", "key")
    assert changed.did.startswith("did:key:z")
    (event,) = await outbox.since()
    assert event.data["did"] == changed.did
    assert event.data["former_dids"] == [DID_WEB]
    assert identities.describe(changed).did_document_url is None
    same = await identities.choose_method(issuer.conn, ADMIN, "inst-a", "key")
    assert same.did == changed.did
    assert await outbox.since() == []  # no change, nothing announced


async def test_a_rotated_key_signs_from_now_on_and_the_old_one_stays_published_retired(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    identities = issuer.components.identities
    first = await identities.issuer(issuer.conn, OWNER, "inst-a")
    rotated = await identities.rotate(issuer.conn, OWNER, "inst-a")
    assert rotated.signing.key_id != first.signing.key_id
    document = await identities.did_document(issuer.conn, "inst-a")
    published = {m["publicKeyMultibase"] for m in document["verificationMethod"]}
    assert published == {first.signing.public_multibase, rotated.signing.public_multibase}
    retired = [m for m in identities.describe(rotated).verification_methods if m["retired"]]
    assert [m["publicKeyMultibase"] for m in retired] == [first.signing.public_multibase]


def test_the_method_is_chosen_as_did_method_or_by_its_first_name_method() -> None:
    assert MethodIn.model_validate({"did_method": "key"}).did_method == "key"
    assert MethodIn.model_validate({"method": "web"}).did_method == "web"
    for wrong in ({"did_method": "bogus"}, {}, {"did_method": "key", "seed": "00"}):
        with pytest.raises(ValidationError):
            MethodIn.model_validate(wrong)
    assert list(MethodIn.model_json_schema()["properties"]) == ["did_method"]
