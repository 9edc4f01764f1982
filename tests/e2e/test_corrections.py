"""A corrected result through the running platform: the old credential is revoked as
superseded where every verifier sees it (the signed status list), a new one is issued
and linked, the learner gets exactly one more mail (with the new claim link) and none
for the revocation, and the result shows its history.

One stack for the module, as ``make up`` runs it.
"""

from __future__ import annotations

import asyncio
import email
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.verification import verify_credential
from support.driver import Platform, result
from support.stack import RunningStack, new_stack
from support.waiting import eventually


@pytest.fixture(scope="module")
def stack(workdir: Path) -> Iterator[RunningStack]:
    s = new_stack(workdir / "stack-corrections")
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def platform(stack: RunningStack) -> Platform:
    urls = {s: stack.url(s) for s in ("registry", "issuer", "verifier", "notifier")}
    return await Platform.connect(urls, stack.state_dir / "admin-client.json")


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
