"""VC-API rules (Postgres alone): an institution signs a credential it built itself, as
itself, under the same rules as the results path; what would break them is refused with
every reason before anything is allocated or signed."""

from __future__ import annotations

from typing import Any

import pytest
from issuer.rules_support import ADMIN, Issuer, Outbox, institution_client, vc

from meriter_issuer.vcapi import service as vcapi
from meriter_issuer.vcapi.schemas import IssueRequest, UpdateStatusRequest
from meriter_shared.errors import NotFound, ValidationProblem

DID = "did:web:credentials.example.se:issuers:inst-a"
BOTH = [
    {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
]


async def issue(
    issuer: Issuer, credential: dict[str, Any], institution_id: str = "inst-a", **options: Any
) -> tuple[str, dict[str, Any]]:
    request = IssueRequest.model_validate({"credential": credential, "options": options})
    return await vcapi.issue(issuer.conn, issuer.components, issuer.signer, institution_id, request)


async def refused(issuer: Issuer, credential: dict[str, Any], **options: Any) -> set[str]:
    """The codes of every reason the credential is refused for; nothing was stored."""
    with pytest.raises(ValidationProblem) as refusal:
        await issue(issuer, credential, **options)
    assert await issuer.conn.fetchval("SELECT count(*) FROM credentials") == 0
    assert await issuer.conn.fetchval("SELECT count(*) FROM status_allocators") == 0
    return {e["code"] for e in refusal.value.errors}


async def test_an_institution_signs_its_own_credential_under_its_did(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    outbox = await Outbox(issuer.conn).start()
    credential_id, signed = await issue(issuer, vc(), credentialStatus=BOTH)
    assert signed["issuer"] == DID
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert [s["statusPurpose"] for s in signed["credentialStatus"]] == ["revocation", "suspension"]
    types = await outbox.types()
    assert types[-1] == "credential.issued"
    stored = await issuer.conn.fetchval(
        "SELECT source FROM credentials WHERE credential_id = $1", credential_id
    )
    assert stored == "vcapi"


async def test_jcs_is_signed_when_asked_for(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    _, signed = await issue(issuer, vc(), cryptosuite="eddsa-jcs-2022")
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"


async def test_a_credential_naming_another_issuer_is_refused(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    other = vc(issuer="did:web:credentials.example.se:issuers:inst-b")
    assert await refused(issuer, other) == {"issuer-not-institution"}


async def test_a_credential_that_already_carries_a_proof_is_refused(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    assert await refused(issuer, vc(proof={"type": "DataIntegrityProof"})) == {"proof-present"}


async def test_a_malformed_status_entry_is_refused_with_each_reason(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    entry = {
        "id": "https://example.com/status/1#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": 1,
        "statusListIndex": "07",
        "statusListCredential": "not a url",
    }
    codes = await refused(issuer, vc(credentialStatus=entry))
    assert {"status-index", "status-list-url", "status-purpose"} <= codes


async def test_a_credential_breaking_the_data_model_is_refused_before_anything_is_allocated(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    broken = vc()
    del broken["credentialSubject"]
    assert await refused(issuer, broken, credentialStatus=BOTH)


async def test_an_institution_the_registry_does_not_know_cannot_issue(issuer: Issuer) -> None:
    with pytest.raises(NotFound):
        await issue(issuer, vc(), institution_id="inst-nowhere")


async def test_status_is_changed_by_the_issuing_institution_or_the_admin_only(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    credential = vc()
    await issue(issuer, credential, credentialStatus=BOTH)

    async def update(principal: Any, status: bool = True) -> list[dict[str, Any]]:
        change = UpdateStatusRequest.model_validate(
            {
                "credentialId": credential["id"],  # the institution's own id for it
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "suspension",
                },
                "status": status,
            }
        )
        return await vcapi.update_status(
            issuer.conn, issuer.components, issuer.signer, principal, change
        )

    with pytest.raises(NotFound):  # another institution's credential is not found
        await update(institution_client("inst-b"))
    (changed,) = await update(institution_client("inst-a"))
    assert changed["status"] == "suspended"
    (cleared,) = await update(ADMIN, status=False)
    assert cleared["status"] == "active"
