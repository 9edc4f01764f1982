"""Every registry event leaves through :func:`emit`.

Invariants: the event is enqueued in the caller's transaction (the kernel
outbox), so it is published if and only if the change commits, and once.
Its payload is the state model its type's contract in
:mod:`meriter_shared.events.registry` derives from, turned into that contract
(which carries the type, version, topic ``registry.events`` and source
``urn:meriter:registry``) and validated again from its JSON form, so what a
consumer decodes is what was checked; a payload of another model, one
breaking its contract or one about another subject raises, and the change
rolls back.
"""

from __future__ import annotations

from pydantic import BaseModel

from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.events import registry as contracts


async def emit(conn: Connection, event_type: str, subject: str, payload: BaseModel) -> None:
    """Enqueue ``event_type`` about ``subject`` in the caller's transaction."""
    contract = contracts.PAYLOADS[event_type]
    if not issubclass(contract, type(payload)):
        raise TypeError(f"{event_type} carries {contract.__name__}, not {type(payload).__name__}")
    typed = contract.model_validate(payload.model_dump(mode="json"))
    if typed.subject != subject:
        raise ValueError(f"{event_type} payload is about {typed.subject}, not {subject}")
    await enqueue(conn, typed)
