"""Helpers for the rules tier: principals, a fixed instant, factories, the outbox.

Rules are called as the app calls them — a connection, a principal, an
instant — on a database with the registry's migrations and nothing else.
``new_events`` collects the outbox rows a block wrote, so a test can say
that a change wrote exactly one event of the expected type.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from meriter_registry.agencies import service as agencies
from meriter_registry.agencies.schemas import AgencyIn
from meriter_registry.institutions import service as institutions
from meriter_registry.institutions.schemas import InstitutionIn
from meriter_shared.auth import Principal, Role
from meriter_shared.db.types import Connection
from meriter_shared.secrets import MasterKeys, new_master_key_text

SYSTEM = Principal.system("tests")
# The master key the rules seal signing keys under (a fresh one per session).
MASTER_KEYS = MasterKeys.from_text(new_master_key_text())
ADMIN = Principal("admin-client", Role.ADMIN, None)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def agency_client(agency_id: str) -> Principal:
    return Principal(f"client-of-{agency_id}", Role.AGENCY, agency_id)


def institution_client(institution_id: str) -> Principal:
    return Principal(f"client-of-{institution_id}", Role.INSTITUTION, institution_id)


@asynccontextmanager
async def new_events(conn: Connection) -> AsyncIterator[list[tuple[str, str]]]:
    """(type, subject) of each outbox row written inside the block, in order."""
    start = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM outbox")
    found: list[tuple[str, str]] = []
    try:
        yield found
    finally:
        rows = await conn.fetch("SELECT event FROM outbox WHERE seq > $1 ORDER BY seq", start)
        found += [(r["event"]["type"], r["event"]["subject"]) for r in rows]


async def outbox_size(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox"))


async def an_agency(
    conn: Connection, acronym: str = "AAA", registered_from: date = date(2005, 1, 1)
) -> str:
    data = AgencyIn.model_validate(
        {
            "acronym": acronym,
            "name": f"Agency {acronym}",
            "eqar_registrations": [{"registered_from": registered_from}],
        }
    )
    return (await agencies.register_agency(conn, data, SYSTEM)).id


async def an_institution(conn: Connection, deqar_id: str = "DEQARINST0001", **extra: Any) -> str:
    body = {"deqar_id": deqar_id, "name_official": f"Univ {deqar_id}", "country": "SE", **extra}
    return (
        await institutions.register_institution(conn, InstitutionIn.model_validate(body), SYSTEM)
    ).id
