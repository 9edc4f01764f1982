"""OAuth client rules on Postgres alone (no HTTP, no broker)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from importlib import resources

import pytest
from registry.rules_support import (
    ADMIN,
    MASTER_KEYS,
    NOW,
    SYSTEM,
    agency_client,
    an_agency,
    an_institution,
    new_events,
    outbox_size,
)

from meriter_registry.clients import service
from meriter_registry.clients.schemas import ClientIn
from meriter_registry.errors import InvalidClient
from meriter_shared.auth import AuthSettings, Role, TokenValidator
from meriter_shared.db.types import Connection, Pool
from meriter_shared.errors import Conflict, Forbidden, NotFound, ValidationProblem

AUTH = AuthSettings(issuer="https://registry.example", audience="meriter")


def client(role: str, tenant_id: str | None = None) -> ClientIn:
    return ClientIn.model_validate({"name": f"{role} client", "role": role, "tenant_id": tenant_id})


async def test_a_created_client_gets_a_token_carrying_its_role_and_tenant(
    conn: Connection,
) -> None:
    aaa = await an_agency(conn)
    async with new_events(conn) as events:
        created = await service.create_client(conn, client("agency", aaa), ADMIN)
    assert events == [("client.created", created.client_id)]
    data = await conn.fetchval(
        "SELECT event -> 'data' FROM outbox WHERE event ->> 'type' = 'client.created'"
    )
    assert data == {"client_id": created.client_id, "role": "agency", "tenant_id": aaa}
    now = datetime.now(UTC)
    issued = await service.issue_access_token(
        conn,
        created.client_id,
        created.client_secret,
        keys=MASTER_KEYS,
        auth=AUTH,
        lifetime_s=60,
        now=now,
    )
    token = issued.access_token
    assert issued.expires_in == 60
    jwks = await service.public_jwks(conn, MASTER_KEYS)
    validator = TokenValidator(AUTH.model_copy(update={"jwks_json": json.dumps(jwks)}))
    principal = await validator.validate(token)
    assert (principal.client_id, principal.role, principal.tenant_id) == (
        created.client_id,
        Role.AGENCY,
        aaa,
    )


async def test_only_the_national_body_creates_or_revokes_clients(conn: Connection) -> None:
    aaa = await an_agency(conn)
    existing = await service.create_client(conn, client("admin"), SYSTEM)
    before = await outbox_size(conn)
    with pytest.raises(Forbidden):
        await service.create_client(conn, client("agency", aaa), agency_client(aaa))
    with pytest.raises(Forbidden):
        await service.revoke_client(conn, existing.client_id, agency_client(aaa), NOW)
    assert await outbox_size(conn) == before
    assert await service.is_active(conn, existing.client_id)


async def test_a_tenant_client_must_name_an_existing_tenant(conn: Connection) -> None:
    aaa = await an_agency(conn, "AAA")
    iid = await an_institution(conn, "DEQARINST0001")
    before = await outbox_size(conn)
    for bad in (client("agency", "nope"), client("agency", iid), client("institution", aaa)):
        with pytest.raises(ValidationProblem):
            await service.create_client(conn, bad, ADMIN)
    assert await outbox_size(conn) == before
    await service.create_client(conn, client("agency", aaa), ADMIN)
    await service.create_client(conn, client("institution", iid), ADMIN)


async def test_a_tenant_named_by_deqar_id_or_acronym_is_stored_as_its_platform_id(
    conn: Connection,
) -> None:
    aaa = await an_agency(conn, "AAA")
    await conn.execute("UPDATE agencies SET deqar_id = 'EQAR-7' WHERE id = $1", aaa)
    iid = await an_institution(conn, "DEQARINST0001")
    named = [
        ("agency", "AAA", aaa),
        ("agency", "EQAR-7", aaa),
        ("institution", "DEQARINST0001", iid),
    ]
    for role, key, platform_id in named:
        async with new_events(conn) as events:
            created = await service.create_client(conn, client(role, key), ADMIN)
        assert created.tenant_id == platform_id
        data = await conn.fetchval(
            "SELECT event -> 'data' FROM outbox WHERE event ->> 'subject' = $1",
            created.client_id,
        )
        assert (events, data["tenant_id"]) == ([("client.created", created.client_id)], platform_id)
        stored = await conn.fetchval(
            "SELECT tenant_id FROM oauth_clients WHERE client_id = $1", created.client_id
        )
        assert stored == platform_id


async def test_a_revoked_client_gets_no_token_and_is_revoked_once(conn: Connection) -> None:
    await service.create_client(conn, client("admin"), ADMIN)  # the admin who stays
    created = await service.create_client(conn, client("admin"), ADMIN)
    async with new_events(conn) as events:
        await service.revoke_client(conn, created.client_id, ADMIN, NOW)
    assert events == [("client.revoked", created.client_id)]
    assert not await service.is_active(conn, created.client_id)
    assert await service.was_issued(conn, created.client_id)
    with pytest.raises(InvalidClient):
        await service.issue_access_token(
            conn,
            created.client_id,
            created.client_secret,
            keys=MASTER_KEYS,
            auth=AUTH,
            lifetime_s=60,
            now=NOW,
        )
    before = await outbox_size(conn)
    with pytest.raises(NotFound):
        await service.revoke_client(conn, created.client_id, ADMIN, NOW)
    assert await outbox_size(conn) == before


async def test_a_wrong_secret_gets_no_token(conn: Connection) -> None:
    created = await service.create_client(conn, client("admin"), ADMIN)
    with pytest.raises(InvalidClient):
        await service.issue_access_token(
            conn, created.client_id, "guess", keys=MASTER_KEYS, auth=AUTH, lifetime_s=60, now=NOW
        )


async def test_one_signing_key_is_made_on_first_use_and_only_its_public_half_shown(
    conn: Connection,
) -> None:
    first = await service.signing_key(conn, MASTER_KEYS)
    again = await service.signing_key(conn, MASTER_KEYS)
    assert first.kid == again.kid == "k1"
    jwks = await service.public_jwks(conn, MASTER_KEYS)
    assert [(k["kid"], k["alg"], "d" in k) for k in jwks["keys"]] == [("k1", "EdDSA", False)]


async def test_the_last_active_admin_client_cannot_be_revoked(conn: Connection) -> None:
    aaa = await an_agency(conn)
    agency = await service.create_client(conn, client("agency", aaa), ADMIN)
    first = await service.create_client(conn, client("admin"), ADMIN)
    second = await service.create_client(conn, client("admin"), ADMIN)
    await service.revoke_client(conn, first.client_id, ADMIN, NOW)
    before = await outbox_size(conn)
    with pytest.raises(Conflict, match="last active admin client"):
        await service.revoke_client(conn, second.client_id, ADMIN, NOW)
    assert await outbox_size(conn) == before
    assert await service.is_active(conn, second.client_id)
    await service.revoke_client(conn, agency.client_id, ADMIN, NOW)  # others still go


async def test_concurrent_revocations_of_the_last_two_admins_leave_one(db: Pool) -> None:
    async with db.acquire() as conn:
        admins = [await service.create_client(conn, client("admin"), ADMIN) for _ in range(2)]

    async def revoke(client_id: str) -> bool:
        async with db.acquire() as conn:
            try:
                await service.revoke_client(conn, client_id, ADMIN, NOW)
            except Conflict:
                return False
            return True

    done = await asyncio.gather(*(revoke(a.client_id) for a in admins))
    assert sorted(done) == [False, True]
    async with db.acquire() as conn:
        assert [await service.is_active(conn, a.client_id) for a in admins].count(True) == 1


async def test_an_older_institution_client_stored_by_deqar_id_is_moved_to_the_platform_id(
    conn: Connection,
) -> None:
    iid = await an_institution(conn, "DEQARINST0001")
    await conn.execute(
        "INSERT INTO oauth_clients (client_id, secret_hash, role, tenant_id, name) "
        "VALUES ('old', '\\x00', 'institution', 'DEQARINST0001', 'from before')"
    )
    sql = (
        resources.files("meriter_registry")
        / "migrations"
        / "0006_client_tenants_by_platform_id.sql"
    ).read_text()
    await conn.execute(sql)
    assert await conn.fetchval("SELECT tenant_id FROM oauth_clients WHERE client_id = 'old'") == iid
