"""How a consumer declares what it handles: subscriptions to payload contracts.

A handler names the contract it takes (``on(InstitutionRegistered, handle)``
or ``on_batch(...)`` for runs of events at once) and is given the payload
decoded; the runner (``consumer.py``) does the decoding, the inbox, the
transactions and the retries. Nothing here needs the Kafka client, so
modules that only declare handlers load none of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from meriter_shared.db.types import Connection
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.envelope import CloudEvent

__all__ = [
    "BatchHandler",
    "ContractViolation",
    "Delivery",
    "Handler",
    "Subscription",
    "TransientError",
    "on",
    "on_batch",
]

P = TypeVar("P", bound=EventPayload)


class Delivery(NamedTuple, Generic[P]):
    """One event handed to a handler: its envelope and its decoded payload."""

    event: CloudEvent
    payload: P


Handler = Callable[[Connection, P, CloudEvent], Awaitable[None]]
BatchHandler = Callable[[Connection, Sequence[Delivery[P]]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Subscription(Generic[P]):
    """A consumer's handler for one event type, with the contract it decodes."""

    contract: type[P]
    handle: BatchHandler[P]

    @property
    def event_type(self) -> str:
        return self.contract.event_type


def on(contract: type[P], handler: Handler[P]) -> Subscription[P]:
    """Handle events of ``contract`` one at a time: ``handler(conn, payload, event)``."""

    async def each(conn: Connection, deliveries: Sequence[Delivery[P]]) -> None:
        for event, payload in deliveries:
            await handler(conn, payload, event)

    return Subscription(contract, each)


def on_batch(contract: type[P], handler: BatchHandler[P]) -> Subscription[P]:
    """Handle consecutive events of ``contract`` together: ``handler(conn, deliveries)``.

    The runner hands over every run of such events in a fetched batch at once
    (one transaction), or a run of one while it isolates a failing event.
    """
    return Subscription(contract, handler)


class ContractViolation(ValueError):
    """The event's payload does not satisfy its contract (poison, not transient)."""


class TransientError(Exception):
    """Raise from a handler for a failure worth retrying indefinitely."""
