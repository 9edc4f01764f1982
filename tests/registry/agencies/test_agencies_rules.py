"""Agency rules on Postgres alone (no HTTP, no broker)."""

from __future__ import annotations

from datetime import date

import pytest
from registry.rules_support import ADMIN, SYSTEM, agency_client, an_agency, new_events, outbox_size

from meriter_registry.agencies import service
from meriter_registry.agencies.schemas import AgencyIn
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, Forbidden, NotFound


def body(acronym: str = "AAA", *periods: tuple[str, str | None], **extra: object) -> AgencyIn:
    return AgencyIn.model_validate(
        {
            "acronym": acronym,
            "name": f"Agency {acronym}",
            "eqar_registrations": [
                {"registered_from": start, "registered_to": end} for start, end in periods
            ],
            **extra,
        }
    )


async def test_registering_writes_one_agency_registered_carrying_its_registrations(
    conn: Connection,
) -> None:
    async with new_events(conn) as events:
        out = await service.register_agency(conn, body("AAA", ("2005-01-01", None)), ADMIN)
    assert events == [("agency.registered", out.id)]
    data = await conn.fetchval(
        "SELECT event -> 'data' FROM outbox WHERE event ->> 'subject' = $1", out.id
    )
    assert data["eqar_registrations"] == [{"registered_from": "2005-01-01", "registered_to": None}]


async def test_only_the_national_body_registers_or_updates_agencies(conn: Connection) -> None:
    aaa = await an_agency(conn)
    before = await outbox_size(conn)
    with pytest.raises(Forbidden):
        await service.register_agency(conn, body("BBB"), agency_client(aaa))
    with pytest.raises(Forbidden):
        await service.update_agency(conn, aaa, body("AAA"), agency_client(aaa))
    assert await outbox_size(conn) == before


async def test_a_taken_acronym_is_a_conflict_and_writes_nothing(conn: Connection) -> None:
    await an_agency(conn, "AAA")
    bbb = await an_agency(conn, "BBB")
    before = await outbox_size(conn)
    with pytest.raises(Conflict):
        await service.register_agency(conn, body("AAA"), SYSTEM)
    with pytest.raises(Conflict):
        await service.update_agency(conn, bbb, body("AAA"), SYSTEM)
    assert await outbox_size(conn) == before


async def test_an_update_replaces_the_registrations_and_appends_to_history(
    conn: Connection,
) -> None:
    aaa = await an_agency(conn, "AAA")
    new = body("AAA", ("2005-01-01", "2022-12-31"), ("2024-01-01", None))
    async with new_events(conn) as events:
        out = await service.update_agency(conn, "AAA", new, ADMIN)
    assert events == [("agency.updated", aaa)]
    assert out.id == aaa
    (listed,) = await service.list_agencies(conn)
    assert [(p.registered_from, p.registered_to) for p in listed.eqar_registrations] == [
        (date(2005, 1, 1), date(2022, 12, 31)),
        (date(2024, 1, 1), None),
    ]
    assert (
        await conn.fetchval("SELECT count(*) FROM agency_versions WHERE agency_id = $1", aaa) == 2
    )


async def test_an_agency_is_named_by_id_deqar_id_or_acronym(conn: Connection) -> None:
    out = await service.register_agency(conn, body("UKA", deqar_id="EQAR-5"), SYSTEM)
    for key in (out.id, "EQAR-5", "UKA"):
        assert await service.find_agency(conn, key) == out.id
    assert await service.find_agency(conn, "nobody") is None
    with pytest.raises(NotFound):
        await service.update_agency(conn, "nobody", body("X"), SYSTEM)
