"""The notifier's consumer: where handlers are wired to topics.

``notifier.deliveries`` (``settings.consumer_group``) reads the issuer's
``credentials.events`` and ``results.events``: each credential, status and
result event becomes delivery records (``deliveries/service.py``) in the
same transaction as its inbox row; ``learner.erased`` purges contact data at
once (``deliveries.service.forget_learner``). Sending is not done here but by
the senders (``mail/sender.py``, ``webhooks/sender.py``), so a slow relay
never holds a partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meriter_notifier.config import Settings
from meriter_notifier.deliveries import service as deliveries
from meriter_notifier.deliveries.service import Intake
from meriter_shared.db.types import Connection
from meriter_shared.events.credentials import (
    CredentialIssued,
    CredentialReinstated,
    CredentialRevoked,
    CredentialSuspended,
    LearnerErased,
)
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.results import ResultHeld, ResultRejected
from meriter_shared.messaging.consumer import Delivery, Subscription, on, on_batch
from meriter_shared.runtime import ConsumerSpec

NOTIFIED = (
    CredentialIssued,
    CredentialRevoked,
    CredentialSuspended,
    CredentialReinstated,
    ResultHeld,
    ResultRejected,
)


def deliveries_consumer(settings: Settings, intake: Intake) -> ConsumerSpec:
    async def record(conn: Connection, batch: Sequence[Delivery[Any]]) -> None:
        await intake.events(conn, [(d.event, d.payload) for d in batch])

    async def erase(conn: Connection, erased: LearnerErased, event: CloudEvent) -> None:
        await deliveries.forget_learner(conn, erased.institution_id, erased.credential_ids)

    handlers: list[Subscription[Any]] = [on_batch(c, record) for c in NOTIFIED]
    handlers.append(on(LearnerErased, erase))
    return ConsumerSpec(
        name=settings.consumer_group, topics=list(settings.consume_topics), handlers=handlers
    )
