"""Status rules (Postgres alone): the issuing institution (or the admin) revokes, suspends
and reinstates its credentials, with a reason; revocation is final; each change flips
one bit of a re-signed list and is announced once."""

from __future__ import annotations

from typing import Any

import pytest
from issuer.rules_support import ADMIN, Issuer, Outbox, institution_client

from meriter_issuer.credentials.service import status_of
from meriter_issuer.status.schemas import StatusOut
from meriter_issuer.status.service import Purpose
from meriter_shared.auth import Principal
from meriter_shared.errors import Conflict, Forbidden, NotFound

OWNER = institution_client("inst-a")


async def change(
    issuer: Issuer,
    credential_id: str,
    purpose: Purpose,
    value: bool,
    principal: Principal = OWNER,
) -> StatusOut:
    parts = issuer.components
    out = await parts.status_lists.change(
        issuer.conn,
        principal,
        credential_id,
        purpose,
        value,
        "a reason",
        parts.identities,
        issuer.signer,
        issuer.clock(),
    )
    return StatusOut.model_validate(out)


async def issued(issuer: Issuer) -> str:
    await issuer.institution("inst-a")
    credential_id = (await issuer.issued("inst-a", "R-1")).credential_id
    assert credential_id is not None
    return credential_id


async def published(issuer: Issuer, purpose: str) -> tuple[dict[str, Any], str]:
    return await issuer.components.status_lists.published(issuer.conn, f"inst-a-1-{purpose}")


async def test_the_issuing_institution_revokes_its_credential_and_the_list_is_re_signed(
    issuer: Issuer,
) -> None:
    credential_id = await issued(issuer)
    _, etag_before = await published(issuer, "revocation")
    outbox = await Outbox(issuer.conn).start()
    out = await change(issuer, credential_id, "revocation", True)
    assert (out.revoked, out.suspended, out.status) == (True, False, "revoked")
    (event,) = await outbox.since()
    assert (event.type, event.data["reason"]) == ("credential.revoked", "a reason")
    _, etag_after = await published(issuer, "revocation")
    assert etag_after != etag_before


async def test_a_revoked_credential_stays_revoked(issuer: Issuer) -> None:
    credential_id = await issued(issuer)
    await change(issuer, credential_id, "revocation", True)
    with pytest.raises(Conflict, match="stays revoked"):
        await change(issuer, credential_id, "revocation", False)


async def test_a_suspended_credential_is_reinstated(issuer: Issuer) -> None:
    credential_id = await issued(issuer)
    outbox = await Outbox(issuer.conn).start()
    assert (await change(issuer, credential_id, "suspension", True)).status == "suspended"
    assert (await change(issuer, credential_id, "suspension", False)).status == "active"
    assert await outbox.types() == ["credential.suspended", "credential.reinstated"]


async def test_asking_for_the_status_a_credential_already_has_changes_and_announces_nothing(
    issuer: Issuer,
) -> None:
    credential_id = await issued(issuer)
    _, etag = await published(issuer, "suspension")
    outbox = await Outbox(issuer.conn).start()
    assert (await change(issuer, credential_id, "suspension", False)).status == "active"
    assert await outbox.since() == []
    assert (await published(issuer, "suspension"))[1] == etag


async def test_another_institution_may_not_change_a_credentials_status_the_admin_may(
    issuer: Issuer,
) -> None:
    credential_id = await issued(issuer)
    with pytest.raises(Forbidden):
        await change(issuer, credential_id, "revocation", True, institution_client("inst-b"))
    assert (await change(issuer, credential_id, "suspension", True, ADMIN)).suspended


async def test_an_unknown_credential_is_not_found(issuer: Issuer) -> None:
    with pytest.raises(NotFound):
        await change(issuer, "urn:uuid:nothing", "revocation", True)


def test_revoked_wins_over_suspended_which_wins_over_active() -> None:
    assert status_of(revoked=True, suspended=True) == "revoked"
    assert status_of(revoked=False, suspended=True) == "suspended"
    assert status_of(revoked=False, suspended=False) == "active"


async def test_a_credential_named_by_its_bare_uuid_is_revoked(issuer: Issuer) -> None:
    credential_id = await issued(issuer)
    out = await change(issuer, credential_id.removeprefix("urn:uuid:"), "revocation", True)
    assert (out.credential_id, out.status) == (credential_id, "revoked")
