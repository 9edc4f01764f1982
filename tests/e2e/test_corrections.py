"""A corrected result through the running platform: the old credential is revoked as
superseded where every verifier sees it (the signed status list), a new one is issued
and linked, the learner gets exactly one more mail (with the new claim link) and none
for the revocation, and the result shows its history.

One stack for the module, as ``make up`` runs it.
"""

from __future__ import annotations

import asyncio
import email
import json
import uuid
from email.message import EmailMessage
from email.policy import default
from typing import Any

import asyncpg
import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.verification import verify_credential
from meriter_shared.db.outbox import enqueue_event
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.topics import Topics
from support.driver import OFFERING, Platform, result
from support.stack import RunningStack
from support.waiting import eventually


@pytest.fixture(scope="module")
async def institution(platform: Platform) -> dict[str, Any]:
    agency, acronym = await platform.agency()
    institution_id, deqar = await platform.institution()
    await platform.report(agency, acronym, deqar)
    headers = await platform.client_for("institution", institution_id)
    offering = await platform.offering(institution_id, headers)
    return {"id": institution_id, "headers": headers, "offering": offering}


def mails_to(stack: RunningStack, address: str) -> list[EmailMessage]:
    out = []
    for sub in ("new", "cur"):
        folder = stack.mail_dir / sub
        for path in folder.iterdir() if folder.is_dir() else []:
            msg = email.message_from_bytes(path.read_bytes(), policy=default)
            assert isinstance(msg, EmailMessage)
            if msg["To"].addresses[0].addr_spec == address:
                out.append(msg)
    return out


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def document(platform: Platform, headers: dict[str, str], credential_id: str) -> Any:
    # The bare UUID names the credential as well as its urn:uuid: id.
    bare = credential_id.removeprefix("urn:uuid:")
    r = await platform.call("issuer", "GET", f"/v1/credentials/{bare}", headers)
    assert r.status_code == 200, r.text
    return r.json()


async def verified(platform: Platform, signed: dict[str, Any]) -> bool:
    base = platform.urls["issuer"]
    issuer = signed["issuer"]["id"]
    did = await platform.call("issuer", "GET", f"/issuers/{issuer.rsplit(':', 1)[1]}/did.json")
    status_url = signed["credentialStatus"]["statusListCredential"]
    status_list = await platform.call("issuer", "GET", status_url.removeprefix(base))
    report = verify_credential(
        signed,
        resolver=OfflineResolver({issuer: did.json()}),
        status_lists={status_url: status_list.json()},
    )
    return report.verified


async def test_a_corrected_grade_supersedes_the_credential_with_one_new_mail(
    stack: RunningStack, platform: Platform, institution: dict[str, Any]
) -> None:
    headers, offering = institution["headers"], institution["offering"]
    body = result("FIX-1", offering)
    assert (await platform.call("issuer", "POST", "/v1/results", headers, json=body)).is_success
    first = await platform.wait_result(headers, "FIX-1", {"issued"})
    await eventually(
        lambda: asyncio.to_thread(mails_to, stack, "fix-1@example.se"),
        lambda found: len(found) == 1,
        timeout_s=90,
    )
    old = await document(platform, headers, first["credential_id"])
    assert old["credentialSubject"]["activityEndDate"] == "2026-06-01T00:00:00Z"

    # POSTing other content is a conflict that says where to PUT it.
    conflict = await platform.call(
        "issuer", "POST", "/v1/results", headers, json={**body, "grade": "B"}
    )
    assert conflict.status_code == 409
    assert conflict.json()["correct_with"] == {"method": "PUT", "url": "/v1/results/FIX-1"}

    put = await platform.call(
        "issuer", "PUT", "/v1/results/FIX-1", headers, json={**body, "grade": "B"}
    )
    assert put.status_code == 202, put.text
    assert put.json()["revision"] == 2
    again = await platform.call(
        "issuer", "PUT", "/v1/results/FIX-1", headers, json={**body, "grade": "B"}
    )
    assert again.status_code == 200, again.text

    async def reissued() -> dict[str, Any]:
        return await platform.wait_result(headers, "FIX-1", {"issued"})

    now = await eventually(
        reissued, lambda r: r["credential_id"] != first["credential_id"], timeout_s=60
    )
    assert now["revision"] == 2
    assert [(h["revision"], h["changed"], h["credential_id"]) for h in now["history"]] == [
        (1, ["grade"], first["credential_id"])
    ]
    new = await document(platform, headers, now["credential_id"])
    assert new["credentialSubject"]["result"][0]["value"] == "B"
    assert await verified(platform, new)
    assert not await verified(platform, old)  # revoked in the list every verifier reads

    listing = await platform.call("issuer", "GET", "/v1/credentials?limit=1000", headers)
    linked = {i["credential_id"]: i for i in listing.json()["items"]}
    assert linked[first["credential_id"]]["superseded_by"] == now["credential_id"]
    assert linked[first["credential_id"]]["status"] == "revoked"
    assert linked[now["credential_id"]]["supersedes"] == first["credential_id"]

    mails = await eventually(
        lambda: asyncio.to_thread(mails_to, stack, "fix-1@example.se"),
        lambda found: len(found) >= 2,
        timeout_s=90,
    )
    await asyncio.sleep(3)  # nothing more comes: no mail for the revocation
    mails = mails_to(stack, "fix-1@example.se")
    assert len(mails) == 2
    claim_links = [m for m in mails if "/claim/" in text_of(m)]
    assert len(claim_links) == 2

    # Issued now: nothing to retry.
    retry = await platform.call("issuer", "POST", "/v1/results/FIX-1/retry", headers)
    assert retry.status_code == 409
    assert retry.headers["content-type"] == "application/problem+json"


async def test_a_bad_offering_is_refused_at_the_registry_and_a_fixed_one_issues_the_rejected_result(
    stack: RunningStack, platform: Platform, institution: dict[str, Any]
) -> None:
    """The first day's walk: the registry names the allowed values; a result rejected
    for an offering a registry of before the rule published is issued, under its own
    result id, once the offering is corrected."""
    inst, headers = institution["id"], institution["headers"]
    bad = {**OFFERING, "assessment_type": "written exam"}
    refused = await platform.call(
        "registry", "POST", f"/v1/institutions/{inst}/offerings", headers, json=bad
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "assessment_type" in refused.text
    assert "written-examination" in refused.text  # the allowed values are named

    # An offering stored before the rule: the registry announced an assessment
    # type no credential can carry (written here as that registry wrote it).
    offering = await platform.offering(inst, headers)
    registry = await asyncpg.connect(stack.pg_dsn_base + "/registry")
    await registry.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )
    try:
        async with registry.transaction():
            version = await registry.fetchval(
                "UPDATE offerings SET version = version + 1 WHERE id = $1 RETURNING version",
                offering,
            )
            published = await registry.fetchval(
                "SELECT event FROM outbox_log WHERE event ->> 'subject' = $1 ORDER BY seq LIMIT 1",
                offering,
            )
            old = CloudEvent.model_validate(published)
            legacy = old.model_copy(
                update={
                    "id": str(uuid.uuid4()),
                    "type": "offering.updated",
                    "data": {**old.data, "version": version, "assessment_type": "oral-exam"},
                }
            )
            await enqueue_event(registry, legacy, topic=Topics.REGISTRY)
    finally:
        await registry.close()

    async def issuer_version() -> int:
        r = await platform.call("issuer", "GET", f"/v1/offerings/{offering}", headers)
        return int(r.json().get("version", 0)) if r.status_code == 200 else 0

    await eventually(issuer_version, lambda v: v == version, timeout_s=30)
    body = result("WALK-1", offering)
    assert (await platform.call("issuer", "POST", "/v1/results", headers, json=body)).is_success
    rejected = await platform.wait_result(headers, "WALK-1", {"rejected", "issued"})
    assert rejected["state"] == "rejected", rejected
    assert rejected["reason_kind"] == "offering", rejected

    fixed = await platform.call(
        "registry", "PUT", f"/v1/institutions/{inst}/offerings/{offering}", headers, json=OFFERING
    )
    assert fixed.status_code == 200, fixed.text
    issued = await platform.wait_result(headers, "WALK-1", {"issued"}, timeout_s=60)
    assert issued["result_id"] == "WALK-1"
    assert issued["credential_id"]
