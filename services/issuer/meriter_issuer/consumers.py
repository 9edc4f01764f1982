"""Issuer consumers: projections of other services' events."""

from __future__ import annotations

from meriter_shared.db.types import Connection
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import (
    InstitutionRegistered,
    InstitutionState,
    InstitutionUpdated,
)
from meriter_shared.events.topics import Topics
from meriter_shared.messaging.consumer import on
from meriter_shared.runtime import ConsumerSpec


async def on_institution(conn: Connection, state: InstitutionState, event: CloudEvent) -> None:
    # Events of one institution arrive in order (keyed by its id); the time
    # guard keeps a replayed older event from overwriting newer state.
    await conn.execute(
        """INSERT INTO institutions AS i (institution_id, deqar_id, name_official, country,
                                         state, last_event_id, last_event_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (institution_id) DO UPDATE
              SET deqar_id = EXCLUDED.deqar_id, name_official = EXCLUDED.name_official,
                  country = EXCLUDED.country, state = EXCLUDED.state,
                  last_event_id = EXCLUDED.last_event_id, last_event_at = EXCLUDED.last_event_at,
                  applied_count = i.applied_count + 1
            WHERE i.last_event_at <= EXCLUDED.last_event_at""",
        state.institution_id,
        state.deqar_id,
        state.name_official,
        state.country,
        state.model_dump(mode="json"),
        event.id,
        event.time,
    )


def registry_projection() -> ConsumerSpec:
    return ConsumerSpec(
        name="issuer.registry-projection",
        topics=[Topics.REGISTRY],
        handlers=[
            on(InstitutionRegistered, on_institution),
            on(InstitutionUpdated, on_institution),
        ],
    )
