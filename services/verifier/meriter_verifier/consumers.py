"""Verifier consumers: where handlers are wired to topics.

- ``verifier.registry-projection`` keeps the shared registry projection
  (``meriter_shared.projections.registry``): which institutions exist, their
  DEQAR ids, and the reports, agencies and flags the QA rule reads.
- ``verifier.issuer-identities`` keeps each platform institution's DID
  document from ``issuer.identity_changed``; ``credential.revoked``,
  ``…suspended`` and ``…reinstated`` only tell the HTTP processes to forget
  the platform's status lists they hold.

Every change bumps the projection counter in the same transaction, which
the HTTP processes poll to empty their caches.
"""

from __future__ import annotations

from collections.abc import Sequence

from meriter_shared.db.types import Connection
from meriter_shared.events.credentials import (
    CredentialReinstated,
    CredentialRevoked,
    CredentialSuspended,
    IssuerIdentityChanged,
)
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import on
from meriter_shared.projections import registry as registry_projection
from meriter_shared.runtime import ConsumerSpec
from meriter_verifier.identities import repository
from meriter_verifier.identities.service import apply_identity


async def _changed(conn: Connection, _institution_ids: Sequence[str]) -> None:
    await repository.bump(conn)


async def _status_changed(
    conn: Connection,
    _payload: CredentialRevoked | CredentialSuspended | CredentialReinstated,
    _event: CloudEvent,
) -> None:
    await repository.bump(conn)


def registry_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="verifier.registry-projection",
        topics=[Topics.REGISTRY],
        handlers=registry_projection.subscriptions(on_change=_changed),
    )


def issuer_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="verifier.issuer-identities",
        topics=[Topics.CREDENTIALS],
        handlers=[
            on(IssuerIdentityChanged, apply_identity),
            on(CredentialRevoked, _status_changed),
            on(CredentialSuspended, _status_changed),
            on(CredentialReinstated, _status_changed),
        ],
    )
