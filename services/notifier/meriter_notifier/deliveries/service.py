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
  ``contacts`` only, for delivery, until purged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter

from meriter_notifier.contacts.repository import Contact, keep
from meriter_notifier.deliveries import repository
from meriter_notifier.deliveries.repository import NewDelivery
from meriter_shared.db.types import Connection
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

RECORDED = Counter(
    "meriter_notifier_deliveries_recorded_total", "Delivery records written", ["channel", "type"]
)
Clock = Callable[[], datetime]

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
        contacts: list[Contact] = []
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
                contacts.append(
                    Contact(
                        credential_id=payload.credential_id,
                        institution_id=institution,
                        name=d.name,
                        email=d.email,
                        domain=d.email.rpartition("@")[2].lower(),
                        language=d.language,
                        title=payload.title,
                        institution_name=payload.institution_name,
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
        await keep(conn, contacts)
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
