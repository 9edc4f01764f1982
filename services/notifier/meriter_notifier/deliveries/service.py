"""From events to delivery records: who is told what, on which channel.

Invariants:
- Runs in the consumer's transaction: the records (and contact data) commit
  with the inbox row of the event, or not at all.
- One record per (credential, event type, channel) for mail and per
  (endpoint, event) for webhooks (``delivery_key``, unique): an event
  delivered again, or announced twice, adds nothing.
- The record's Message-ID / webhook-id is fixed here, before any send, and
  derived from that key alone, so every retry carries the same one.
- Nothing personal goes into a webhook body or a log: contact data lives in
  ``contacts`` only, for delivery, until purged. Mail not yet sent when its
  contact data is purged (erased, or past retention) fails and is never sent.
- An institution (or the admin) reads only its own credentials' deliveries;
  another's are answered as not found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from prometheus_client import Counter

from meriter_notifier.contacts import service as contacts
from meriter_notifier.contacts.service import Contact
from meriter_notifier.deliveries import repository
from meriter_notifier.deliveries.dispatch import Item
from meriter_notifier.deliveries.repository import NewDelivery, Outcome
from meriter_notifier.deliveries.schemas import CredentialDeliveries, DeliveryStatus, State
from meriter_notifier.mail.render import institution_name
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.clock import Clock
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.credentials import (
    CredentialIssued,
    CredentialReinstated,
    CredentialRevoked,
    CredentialSuspended,
)
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.results import ResultHeld, ResultRejected
from meriter_shared.observability.tracing import inject_headers

# What the channels (mail, webhooks) plug into the sender loop with.
__all__ = ["Item", "Outcome"]

RECORDED = Counter(
    "meriter_notifier_deliveries_recorded_total", "Delivery records written", ["channel", "type"]
)

# What an institution may subscribe its endpoints to.
WEBHOOK_EVENT_TYPES = (
    CredentialIssued.event_type,
    CredentialRevoked.event_type,
    CredentialSuspended.event_type,
    CredentialReinstated.event_type,
    ResultHeld.event_type,
    ResultRejected.event_type,
)


def message_id(key: str, domain: str) -> str:
    """The RFC 5322 Message-ID of the mail for ``key``: the same at every try."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def webhook_data(payload: EventPayload) -> dict[str, Any]:
    """What an institution's endpoint is told: the event without contact data."""
    data = payload.to_data()
    data.pop("delivery", None)
    return data


def webhook_body(event: CloudEvent, payload: EventPayload) -> str:
    """The body POSTed (Standard Webhooks' ``type``/``timestamp``/``data`` shape)."""
    return json.dumps(
        {"type": event.type, "timestamp": event.time.isoformat(), "data": webhook_data(payload)},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    )


def _traceparent() -> str | None:
    return inject_headers().get("traceparent")


class Intake:
    """Turns consumed events into delivery records (and contact data)."""

    def __init__(self, *, mail_domain: str, contact_retention: timedelta, clock: Clock) -> None:
        self.mail_domain = mail_domain
        self.retention = contact_retention
        self.clock = clock

    async def events(
        self, conn: Connection, deliveries: Sequence[tuple[CloudEvent, EventPayload]]
    ) -> None:
        """Record every delivery these events call for (any mix of types)."""
        if not deliveries:
            return
        endpoints: dict[str, list[Any]] = {}
        institutions = [_institution(p) for _, p in deliveries]
        for row in await repository.webhook_endpoints_of(conn, institutions):
            endpoints.setdefault(row["institution_id"], []).append(row)
        records: list[NewDelivery] = []
        kept: list[Contact] = []
        revoked: list[str] = []
        now = self.clock()
        trace = _traceparent()
        for event, payload in deliveries:
            institution = _institution(payload)
            credential = getattr(payload, "credential_id", None)
            result = getattr(payload, "result_id", None)
            if isinstance(payload, CredentialIssued) and payload.delivery is not None:
                d = payload.delivery
                key = f"email/{event.type}/{payload.credential_id}"
                kept.append(
                    Contact(
                        credential_id=payload.credential_id,
                        institution_id=institution,
                        name=d.name,
                        email=d.email,
                        domain=d.email.rpartition("@")[2].lower(),
                        language=d.language,
                        title=payload.title,
                        institution_name=institution_name(
                            d.language, payload.institution_name, payload.institution_name_english
                        ),
                        claim_url=d.claim_url,
                        claim_expires_at=d.claim_expires_at,
                        purge_after=now + self.retention,
                    )
                )
                records.append(
                    NewDelivery(
                        delivery_key=key,
                        channel="email",
                        institution_id=institution,
                        credential_id=payload.credential_id,
                        result_id=result,
                        event_id=event.id,
                        event_type=event.type,
                        endpoint_id=None,
                        message_id=message_id(key, self.mail_domain),
                        body=None,
                        traceparent=trace,
                    )
                )
            if isinstance(payload, CredentialRevoked):
                revoked.append(payload.credential_id)
            body: str | None = None
            for endpoint in endpoints.get(institution, []):
                if event.type not in endpoint["event_types"]:
                    continue
                body = body or webhook_body(event, payload)
                records.append(
                    NewDelivery(
                        delivery_key=f"webhook/{endpoint['id']}/{event.id}",
                        channel="webhook",
                        institution_id=institution,
                        credential_id=credential,
                        result_id=result,
                        event_id=event.id,
                        event_type=event.type,
                        endpoint_id=str(endpoint["id"]),
                        message_id=f"msg_{event.id}",
                        body=body,
                        traceparent=trace,
                    )
                )
        await contacts.keep(conn, kept)
        await repository.insert(conn, records)
        if revoked:
            # A credential revoked before its mail went out is not announced.
            await repository.fail_pending_email(
                conn, revoked, "credential revoked before the mail went out", "credential.issued"
            )
        for r in records:
            RECORDED.labels(r.channel, r.event_type).inc()


def _institution(payload: EventPayload) -> str:
    return str(payload.institution_id)  # type: ignore[attr-defined]


async def forget_learner(conn: Connection, institution_id: str, credential_ids: list[str]) -> int:
    """``learner.erased``: purge the learner's contact data now; their mail not yet sent
    fails. How many credentials' contact data was purged."""
    erased = await contacts.erase(conn, institution_id, credential_ids)
    await repository.fail_pending_email(conn, erased, "the learner's data was erased")
    return len(erased)


async def purge_expired_contacts(conn: Connection, now: datetime) -> int:
    """Purge contact data past its retention (a batch); mail still waiting for it fails."""
    purged = await contacts.purge_expired(conn, now)
    await repository.fail_pending_email(
        conn, purged, "contact data expired before the mail went out"
    )
    return len(purged)


async def purge_finished_deliveries(conn: Connection, now: datetime, kept: timedelta) -> int:
    """Forget a batch of finished deliveries older than ``kept``; how many went."""
    return await repository.purge_finished(conn, now - kept)


def public_state(state: str, attempts: int) -> State:
    """What a caller sees: a record being sent is still queued (or retrying)."""
    if state == "sending":
        return "retrying" if attempts else "queued"
    assert state in ("queued", "sent", "retrying", "failed", "bounced")
    return cast(State, state)


async def credential_deliveries(
    conn: Connection, principal: Principal, institution_id: str, credential_id: str
) -> CredentialDeliveries:
    """Every delivery about one of the institution's credentials (its own only)."""
    authorize(principal, Role.INSTITUTION, tenant_id=institution_id)
    rows = await repository.of_credential(conn, credential_id)
    mine = [r for r in rows if r["institution_id"] == institution_id]
    if not mine:
        raise NotFound(f"no deliveries for credential {credential_id} of this institution")
    return CredentialDeliveries(
        credential_id=credential_id,
        deliveries=[
            DeliveryStatus(
                channel=r["channel"],
                event_type=r["event_type"],
                event_id=r["event_id"],
                endpoint_id=r["endpoint_id"],
                state=public_state(r["state"], r["attempts"]),
                attempts=r["attempts"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                sent_at=r["sent_at"],
                last_error=r["last_error"],
                parked=r["parked_at"] is not None,
            )
            for r in mine
        ],
    )


async def parked_webhooks(
    conn: Connection, institution_id: str, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """The institution's webhook deliveries parked after every try, oldest first."""
    return await repository.parked_webhooks(conn, institution_id, after, limit)


async def replay_parked(conn: Connection, institution_id: str, ids: list[int] | None) -> int:
    """Parked webhook deliveries of the institution (those named, or all) go out again."""
    return await repository.replay_parked(conn, institution_id, ids)
