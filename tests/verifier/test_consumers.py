"""The worker's consumers, seen from the HTTP process: a change they record empties
the caches read from the projections."""

from __future__ import annotations

from typing import Any

from meriter_shared.events.credentials import CredentialRevoked
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.messaging.consumer import Delivery
from meriter_verifier.consumers import issuer_consumer
from support.waiting import eventually
from verifier.conftest import NOW, World, check


async def test_a_revocation_event_makes_the_http_process_fetch_the_list_again(
    world: World,
) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer, index=11)
    assert check(await world.verify({"credential": signed}), "status")["status"] == "pass"
    issuer.revocation.set(11)
    world.publish(issuer)  # the issuer re-signs its list; the verifier still holds the old one
    assert check(await world.verify({"credential": signed}), "status")["status"] == "pass"
    event = CredentialRevoked(
        credential_id=signed["id"],
        institution_id=issuer.institution_id,
        purpose="revocation",
        reason="issued in error",
        changed_at=NOW,
    )
    handlers = {h.contract: h for h in issuer_consumer().handlers}
    async with world.pool.acquire() as conn:
        await handlers[CredentialRevoked].handle(conn, [Delivery(CloudEvent.of(event), event)])

    async def verified() -> dict[str, Any]:
        return await world.verify({"credential": signed})

    # The HTTP process sees the change at its next poll of the projections.
    answer = await eventually(
        verified, lambda a: check(a, "status")["status"] == "fail", interval_s=0.05
    )
    assert check(answer, "status")["message"] == "The issuer has revoked this credential."
