"""Issuer consumers: where handlers are wired to topics.

- ``issuer.registry-projection`` keeps the shared registry projection
  (``meriter_shared.projections.registry``) so issuing never calls the
  registry; when an institution's QA answer may have changed, its held
  results are released to be decided again.
- ``issuer.issuance`` decides batches of ``result.registered`` and
  ``result.released`` (``issuance/service.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from meriter_issuer.issuance.service import Issuance
from meriter_shared.db.types import Connection
from meriter_shared.events.results import ResultRegistered, ResultReleased
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import Delivery, on_batch
from meriter_shared.projections import registry as registry_projection
from meriter_shared.runtime import ConsumerSpec


def registry_consumer(issuance: Issuance) -> ConsumerSpec:
    return ConsumerSpec(
        name="issuer.registry-projection",
        topics=[Topics.REGISTRY],
        handlers=registry_projection.subscriptions(on_change=issuance.release),
    )


def issuance_consumer(issuance: Issuance) -> ConsumerSpec:
    async def decide(
        conn: Connection, batch: Sequence[Delivery[ResultRegistered | ResultReleased]]
    ) -> None:
        await issuance.issue(conn, [(d.payload.institution_id, d.payload.result_id) for d in batch])

    return ConsumerSpec(
        name="issuer.issuance",
        topics=[Topics.RESULTS],
        handlers=[on_batch(ResultRegistered, decide), on_batch(ResultReleased, decide)],
        # Issuing costs less per result the bigger the batch (one signing round,
        # one insert per table): a fetch, and what a partition's lane gathers
        # into one batch, may hold up to 3,000 results instead of 500.
        options={"max_poll_records": 3000},
    )
