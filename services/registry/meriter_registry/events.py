"""Every registry event leaves through :func:`emit`.

Invariants: the event is enqueued in the caller's transaction (the kernel
outbox), so it is published if and only if the change commits, and once.
Its payload is the model its type's contract in
:mod:`meriter_shared.events.registry` names, validated again from its JSON
form before it is written, so what a consumer decodes is what was checked;
a payload of another model, or one breaking its contract, raises and the
change rolls back. Source ``urn:meriter:registry``, topic
``registry.events``, keyed by the subject (the aggregate's id).

One function on purpose: when the kernel's event API changes (typed payload
models carrying their own type and version), the registry changes here.
"""

from __future__ import annotations

from pydantic import BaseModel

from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.events import registry as contracts
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.topics import Topics

SOURCE = "urn:meriter:registry"


async def emit(conn: Connection, event_type: str, subject: str, payload: BaseModel) -> None:
    """Enqueue ``event_type`` about ``subject`` in the caller's transaction."""
    contract = contracts.PAYLOADS[event_type]
    if not isinstance(payload, contract):
        raise TypeError(f"{event_type} carries {contract.__name__}, not {type(payload).__name__}")
    data = contract.model_validate(payload.model_dump(mode="json"))
    event = CloudEvent.new(type=event_type, source=SOURCE, subject=subject, data=data)
    await enqueue(conn, event, topic=Topics.REGISTRY)
