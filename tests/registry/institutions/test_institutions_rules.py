"""Institution rules on Postgres alone (no HTTP, no broker)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from registry.rules_support import (
    ADMIN,
    NOW,
    SYSTEM,
    agency_client,
    an_institution,
    institution_client,
    new_events,
    outbox_size,
)

from meriter_registry.institutions import service
from meriter_registry.institutions.schemas import InstitutionIn, StatusChange
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, Forbidden, NotFound


def body(deqar_id: str = "DEQARINST0001", **extra: object) -> InstitutionIn:
    return InstitutionIn.model_validate(
        {"deqar_id": deqar_id, "name_official": "Uppsala universitet", "country": "SE", **extra}
    )


async def test_registering_writes_the_institution_and_one_institution_registered(
    conn: Connection,
) -> None:
    async with new_events(conn) as events:
        out = await service.register_institution(
            conn, body(identifiers=[{"resource": "SCHAC", "identifier": "uu.se"}]), ADMIN
        )
    assert events == [("institution.registered", out.id)]
    assert await service.get_institution(conn, "DEQARINST0001") == out
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM institution_versions WHERE institution_id = $1", out.id
        )
        == 1
    )


async def test_only_the_national_body_registers_or_updates_institutions(conn: Connection) -> None:
    own = await an_institution(conn)
    before = await outbox_size(conn)
    with pytest.raises(Forbidden):
        await service.register_institution(conn, body("DEQARINST0002"), agency_client("a"))
    with pytest.raises(Forbidden):
        await service.update_institution(conn, own, body(), institution_client(own))
    assert await outbox_size(conn) == before


async def test_an_identifier_held_by_another_institution_is_a_conflict_and_writes_nothing(
    conn: Connection,
) -> None:
    await an_institution(conn, "DEQARINST0001", eter_id="SE0001")
    other = await an_institution(conn, "DEQARINST0002")
    before = await outbox_size(conn)
    with pytest.raises(Conflict):
        await service.register_institution(conn, body("DEQARINST0001"), SYSTEM)
    with pytest.raises(Conflict):
        await service.update_institution(
            conn, other, body("DEQARINST0002", eter_id="SE0001"), ADMIN
        )
    assert await outbox_size(conn) == before
    assert (await service.get_institution(conn, other)).eter_id is None


async def test_an_update_replaces_the_identifiers_and_appends_to_history(
    conn: Connection,
) -> None:
    iid = await an_institution(conn, identifiers=[{"resource": "SCHAC", "identifier": "old.se"}])
    new = body(identifiers=[{"resource": "Erasmus", "identifier": "S UPPSALA01"}])
    async with new_events(conn) as events:
        out = await service.update_institution(conn, "DEQARINST0001", new, ADMIN)
    assert events == [("institution.updated", iid)]
    assert [i.resource for i in out.identifiers] == ["Erasmus"]
    assert await service.get_institution(conn, iid) == out
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM institution_versions WHERE institution_id = $1", iid
        )
        == 2
    )


async def test_an_institution_is_named_by_platform_or_deqar_id(conn: Connection) -> None:
    iid = await an_institution(conn)
    assert await service.resolve_institution(conn, iid) == iid
    assert await service.resolve_institution(conn, "DEQARINST0001") == iid
    with pytest.raises(NotFound):
        await service.resolve_institution(conn, "DEQARINST9999")


async def test_search_filters_by_identifier_resource_and_pages_by_id(conn: Connection) -> None:
    uu = await an_institution(
        conn, eter_id="SE0001", identifiers=[{"resource": "SCHAC", "identifier": "uu.se"}]
    )
    for n in range(2, 5):
        await an_institution(conn, f"DEQARINST000{n}", country="FI")
    for resource, value in (("DEQAR", "DEQARINST0001"), ("eter", "SE0001"), ("SCHAC", "uu.se")):
        found, _ = await service.search_institutions(conn, resource=resource, identifier=value)
        assert [i.id for i in found] == [uu], resource
    first, cursor = await service.search_institutions(conn, country="FI", limit=2)
    rest, last = await service.search_institutions(conn, country="FI", limit=2, cursor=cursor)
    assert (len(first), cursor) == (2, first[-1].id)
    assert (len(rest), last) == (1, None)
    named, _ = await service.search_institutions(conn, name="univ deqarinst0003")
    assert [i.deqar_id for i in named] == ["DEQARINST0003"]


# --- deactivation -------------------------------------------------------------

WHY = StatusChange(reason="licence withdrawn")


async def _announced_deactivated_at(conn: Connection, subject: str) -> datetime | None:
    """``deactivated_at`` in the last event about ``subject`` (which must carry the field)."""
    event = await conn.fetchval(
        "SELECT event FROM outbox WHERE event ->> 'subject' = $1 ORDER BY seq DESC LIMIT 1",
        subject,
    )
    at = event["data"]["deactivated_at"]
    return None if at is None else datetime.fromisoformat(at)


async def _versions(conn: Connection, institution_id: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM institution_versions WHERE institution_id = $1",
            institution_id,
        )
    )


async def test_deactivating_keeps_the_institution_and_announces_deactivated_at(
    conn: Connection,
) -> None:
    own = await an_institution(conn)
    async with new_events(conn) as events:
        out = await service.deactivate_institution(conn, "DEQARINST0001", WHY, ADMIN, NOW)
    assert (out.deactivated_at, out.deactivation_reason) == (NOW, "licence withdrawn")
    assert events == [("institution.updated", own)]
    last = await conn.fetchval(
        "SELECT body FROM institution_versions WHERE institution_id = $1 "
        "ORDER BY recorded_at DESC LIMIT 1",
        own,
    )
    assert last["change"] == {
        "action": "deactivated",
        "reason": "licence withdrawn",
        "client_id": ADMIN.client_id,
    }
    assert last["deactivated_at"] is not None
    assert await _announced_deactivated_at(conn, own) == NOW
    assert await service.get_institution(conn, own) == out
    found, _ = await service.search_institutions(conn, name="Univ")
    assert [(i.id, i.deactivated_at) for i in found] == [(own, NOW)]
    assert await _versions(conn, own) == 2  # registered, deactivated


async def test_deactivating_twice_keeps_the_first_instant_and_announces_nothing_more(
    conn: Connection,
) -> None:
    own = await an_institution(conn)
    await service.deactivate_institution(conn, own, WHY, ADMIN, NOW)
    async with new_events(conn) as events:
        again = await service.deactivate_institution(
            conn, own, StatusChange(reason="another"), ADMIN, NOW + timedelta(days=1)
        )
    assert (again.deactivated_at, again.deactivation_reason, events) == (
        NOW,
        "licence withdrawn",
        [],
    )
    assert await _versions(conn, own) == 2


async def test_reactivating_clears_the_mark_once_and_is_idempotent(conn: Connection) -> None:
    own = await an_institution(conn)
    async with new_events(conn) as still_active:
        active = await service.reactivate_institution(conn, own, WHY, ADMIN)
    assert (active.deactivated_at, still_active) == (None, [])
    await service.deactivate_institution(conn, own, WHY, ADMIN, NOW)
    async with new_events(conn) as events:
        back = await service.reactivate_institution(conn, own, WHY, ADMIN)
        await service.reactivate_institution(conn, own, WHY, ADMIN)
    assert (back.deactivated_at, back.deactivation_reason) == (None, None)
    assert events == [("institution.updated", own)]
    assert await _announced_deactivated_at(conn, own) is None


async def test_an_update_of_its_data_keeps_an_institution_deactivated(conn: Connection) -> None:
    own = await an_institution(conn)
    await service.deactivate_institution(conn, own, WHY, ADMIN, NOW)
    out = await service.update_institution(conn, own, body(name_official="Renamed"), ADMIN)
    assert (out.name_official, out.deactivated_at) == ("Renamed", NOW)
    assert await _announced_deactivated_at(conn, own) == NOW
    assert (await service.get_institution(conn, own)).deactivated_at == NOW


async def test_only_the_national_body_deactivates_or_reactivates(conn: Connection) -> None:
    own = await an_institution(conn)
    before = await outbox_size(conn)
    for who in (institution_client(own), agency_client("a")):
        with pytest.raises(Forbidden):
            await service.deactivate_institution(conn, own, WHY, who, NOW)
        with pytest.raises(Forbidden):
            await service.reactivate_institution(conn, own, WHY, who)
    with pytest.raises(NotFound):
        await service.deactivate_institution(conn, "DEQARINST9999", WHY, SYSTEM, NOW)
    assert await outbox_size(conn) == before
    assert (await service.get_institution(conn, own)).deactivated_at is None
