"""Every registry event goes through events.emit, held to its shared contract."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from meriter_registry.events import emit
from meriter_shared.db.types import Pool
from meriter_shared.events.registry import (
    AGENCY_REGISTERED,
    CLIENT_REVOKED,
    AgencyRegistered,
    AgencyState,
    ClientState,
    RegistrationPeriod,
)


async def test_an_event_is_one_outbox_row_on_registry_events(db: Pool) -> None:
    state = AgencyState(
        id="a1",
        acronym="AAA",
        name="Agency",
        eqar_registrations=[RegistrationPeriod(registered_from=date(2005, 1, 1))],
    )
    async with db.acquire() as conn, conn.transaction():
        await emit(conn, AGENCY_REGISTERED, "a1", state)
    rows = await db.fetch("SELECT topic, key, event FROM outbox")
    assert [(r["topic"], r["key"]) for r in rows] == [("registry.events", "a1")]
    event = rows[0]["event"]
    assert (event["type"], event["source"], event["subject"]) == (
        AGENCY_REGISTERED,
        AgencyRegistered.source,
        "a1",
    )
    # Every field travels, None included: consumers never find a key missing.
    assert event["data"] == {
        "id": "a1",
        "deqar_id": None,
        "acronym": "AAA",
        "name": "Agency",
        "country": None,
        "website": None,
        "eqar_registrations": [{"registered_from": "2005-01-01", "registered_to": None}],
    }


async def test_a_payload_of_another_model_is_refused_and_nothing_is_written(db: Pool) -> None:
    async with db.acquire() as conn:
        with pytest.raises(TypeError, match="AgencyRegistered"):
            async with conn.transaction():
                await emit(conn, AGENCY_REGISTERED, "c1", ClientState(client_id="c1"))
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_payload_breaking_its_contract_is_refused(db: Pool) -> None:
    broken = AgencyState(id="a1", acronym="A", name="x").model_copy(update={"acronym": None})
    async with db.acquire() as conn:
        with pytest.raises(ValidationError):
            async with conn.transaction():
                await emit(conn, AGENCY_REGISTERED, "a1", broken)
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0


async def test_emit_outside_a_transaction_is_refused(db: Pool) -> None:
    async with db.acquire() as conn:
        with pytest.raises(RuntimeError, match="transaction"):
            await emit(conn, CLIENT_REVOKED, "c1", ClientState(client_id="c1"))
