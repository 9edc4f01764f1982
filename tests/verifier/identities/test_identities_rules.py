"""The issuer-identity projection's rules, on Postgres alone (no HTTP, no broker).

An institution's newest identity event wins by event time (a replayed older
one changes nothing); every DID it ever issued under keeps resolving to its
current document; retired keys stay in it, so old credentials keep verifying.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Pool
from meriter_shared.events.credentials import IssuerIdentityChanged, VerificationMethod
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.settings import PostgresSettings
from meriter_verifier.app import MIGRATIONS
from meriter_verifier.identities import repository
from meriter_verifier.identities.service import apply_identity

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pool(fresh_db: str) -> AsyncIterator[Pool]:
    pool = await create_pool(PostgresSettings(dsn=SecretStr(fresh_db)))
    await migrate(pool, *MIGRATIONS)
    yield pool
    await pool.close()


def identity(did: str, *keys: str, former: tuple[str, ...] = ()) -> IssuerIdentityChanged:
    return IssuerIdentityChanged(
        institution_id="inst-1",
        did=did,
        method="web" if did.startswith("did:web:") else "key",
        former_dids=list(former),
        verification_methods=[
            VerificationMethod(id=f"{did}#{k}", controller=did, public_key_multibase=f"z{k}")
            for k in keys
        ],
    )


async def test_a_did_resolves_to_its_institution_and_keys(pool: Pool) -> None:
    async with pool.acquire() as conn:
        await apply_identity(
            conn,
            identity("did:web:u.example", "k1"),
            CloudEvent.of(identity("did:web:u.example", "k1"), time=T0),
        )
        found = await repository.by_did(conn, "did:web:u.example")
    assert found is not None
    institution, did, document = found
    assert (institution, did) == ("inst-1", "did:web:u.example")
    assert [m["id"] for m in document["verificationMethod"]] == ["did:web:u.example#k1"]
    assert document["assertionMethod"] == ["did:web:u.example#k1"]


async def test_an_older_event_replayed_changes_nothing(pool: Pool) -> None:
    new = identity("did:web:u.example", "k1", "k2")
    old = identity("did:web:u.example", "k1")
    async with pool.acquire() as conn:
        await apply_identity(conn, new, CloudEvent.of(new, time=T0))
        await apply_identity(conn, old, CloudEvent.of(old, time=T0 - timedelta(hours=1)))
        found = await repository.by_did(conn, "did:web:u.example")
    assert found is not None
    assert len(found[2]["verificationMethod"]) == 2


async def test_a_former_did_still_resolves_to_the_current_document(pool: Pool) -> None:
    first = identity("did:key:zOld", "k1")
    moved = identity("did:web:u.example", "k2", former=("did:key:zOld",))
    async with pool.acquire() as conn:
        await apply_identity(conn, first, CloudEvent.of(first, time=T0))
        await apply_identity(conn, moved, CloudEvent.of(moved, time=T0 + timedelta(days=1)))
        found = await repository.by_did(conn, "did:key:zOld")
        unknown = await repository.by_did(conn, "did:web:elsewhere.example")
    assert found is not None
    assert found[1] == "did:web:u.example"
    assert unknown is None


async def test_every_applied_event_moves_the_change_counter(pool: Pool) -> None:
    event = identity("did:web:u.example", "k1")
    async with pool.acquire() as conn:
        before = await repository.change_seq(conn)
        await apply_identity(conn, event, CloudEvent.of(event, time=T0))
        assert await repository.change_seq(conn) == before + 1
