"""Registry domain operations: each change and its event commit together."""

from __future__ import annotations

import uuid

import asyncpg

from meriter_registry.schemas import InstitutionIn, InstitutionOut
from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import INSTITUTION_REGISTERED, InstitutionState
from meriter_shared.events.topics import Topics

SOURCE = "urn:meriter:registry"


async def register_institution(conn: Connection, data: InstitutionIn) -> InstitutionOut:
    institution_id = str(uuid.uuid4())
    async with conn.transaction():
        try:
            await conn.execute(
                "INSERT INTO institutions (id, deqar_id, name_official, name_english, country, "
                "city, website) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                institution_id,
                data.deqar_id,
                data.name_official,
                data.name_english,
                data.country,
                data.city,
                str(data.website) if data.website else None,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(f"an institution with DEQAR ID {data.deqar_id} exists") from exc
        out = InstitutionOut(id=institution_id, **data.model_dump())
        state = InstitutionState(
            institution_id=institution_id,
            **data.model_dump(mode="json", exclude={"website"}),
            website=str(data.website) if data.website else None,
        )
        event = CloudEvent.new(
            type=INSTITUTION_REGISTERED, source=SOURCE, subject=institution_id, data=state
        )
        await enqueue(conn, event, topic=Topics.REGISTRY)
    return out
