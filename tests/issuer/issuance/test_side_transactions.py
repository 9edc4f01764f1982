"""What an issuance batch shares with the institution's batches on other partitions —
a new identity, status-list slots, a new generation's signed lists — is committed in a
transaction of its own, so they see it instead of waiting for this batch to commit."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from meriter_issuer.components import Components
from meriter_issuer.config import Settings
from meriter_issuer.issuance.service import Issuance
from meriter_issuer.issuance.signing import Signer
from meriter_shared.db.types import Pool
from meriter_shared.secrets import new_master_key_text


def issuance(pool: Pool | None) -> Issuance:
    components = Components.build(
        Settings(
            master_key=SecretStr(new_master_key_text()),
            public_base_url="https://credentials.example.se",
        )
    )
    made = components.issuance(Signer(keystore=components.keystore))
    if pool is not None:
        made.pool = lambda: pool
    return made


async def test_a_new_identity_is_seen_by_others_while_the_batch_is_still_open(
    pool: Pool,
) -> None:
    issuer = issuance(pool)
    async with pool.acquire() as batch, batch.transaction():
        identity = await issuer._identity(batch, "inst-a")
        assert identity.did == "did:web:credentials.example.se:issuers:inst-a"
        seen = await pool.fetchval(
            "SELECT did FROM issuer_identities WHERE institution_id = $1", "inst-a"
        )
        assert seen == identity.did
        # Asked again (another batch of the same institution): the same identity.
        again = await issuer._identity(batch, "inst-a")
        assert again.signing.key_id == identity.signing.key_id


class BatchFailed(Exception):
    pass


async def failing_batch(pool: Pool, issuer: Issuance, institution_id: str) -> None:
    """A batch that meets the institution, then fails and rolls back."""
    async with pool.acquire() as batch, batch.transaction():
        await issuer._identity(batch, institution_id)
        raise BatchFailed


async def identities_of(pool: Pool, institution_id: str) -> tuple[int, int]:
    sql = "SELECT count(*) FROM {} WHERE institution_id = $1"
    return (
        await pool.fetchval(sql.format("issuer_identities"), institution_id),
        await pool.fetchval(sql.format("issuer_keys"), institution_id),
    )


async def test_an_identity_made_for_a_batch_that_rolls_back_stays(pool: Pool) -> None:
    with pytest.raises(BatchFailed):
        await failing_batch(pool, issuance(pool), "inst-b")
    assert await identities_of(pool, "inst-b") == (1, 1)


async def test_without_a_pool_the_identity_is_made_in_the_callers_transaction(pool: Pool) -> None:
    with pytest.raises(BatchFailed):
        await failing_batch(pool, issuance(None), "inst-c")
    assert await identities_of(pool, "inst-c") == (0, 0)


async def test_slots_and_a_new_generations_signed_lists_are_committed_while_the_batch_is_open(
    pool: Pool,
) -> None:
    issuer = issuance(pool)
    async with pool.acquire() as batch, batch.transaction():
        identity = await issuer._identity(batch, "inst-d")
        slots = await issuer._allocate(batch, "inst-d", 5, identity.signing)
        assert len(set(slots)) == 5
        lists = await pool.fetch(
            "SELECT purpose, document IS NOT NULL AS signed FROM status_lists "
            "WHERE institution_id = 'inst-d' ORDER BY purpose"
        )
        assert [(r["purpose"], r["signed"]) for r in lists] == [
            ("revocation", True),
            ("suspension", True),
        ]
        more = await issuer._allocate(batch, "inst-d", 5, identity.signing)
        assert not set(more) & set(slots)
