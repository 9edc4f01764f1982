"""Institution rules on Postgres alone (no HTTP, no broker)."""

from __future__ import annotations

import pytest
from registry.rules_support import (
    ADMIN,
    SYSTEM,
    agency_client,
    an_institution,
    institution_client,
    new_events,
    outbox_size,
)

from meriter_registry.institutions import service
from meriter_registry.institutions.schemas import InstitutionIn
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
