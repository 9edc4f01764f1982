"""Contact data's lifetime, on Postgres alone: kept once per credential, erased only
for the institution that asks, purged past its retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meriter_notifier.contacts import service as contacts
from meriter_notifier.contacts.repository import Contact
from meriter_shared.db.types import Pool

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def contact(credential_id: str, institution_id: str = "inst-c", days: int = 30) -> Contact:
    return Contact(
        credential_id=credential_id,
        institution_id=institution_id,
        name="Åsa Öberg",
        email="asa@example.se",
        domain="example.se",
        language="sv",
        title="Data literacy",
        institution_name="Uppsala universitet",
        claim_url=f"https://issuer.example/claim/{credential_id}",
        claim_expires_at=T0 + timedelta(days=days),
        purge_after=T0 + timedelta(days=days),
    )


async def test_contact_data_is_kept_once_per_credential(db: Pool) -> None:
    async with db.acquire() as conn:
        await contacts.keep(conn, [contact("urn:uuid:c1")])
        again = contact("urn:uuid:c1")
        await contacts.keep(conn, [again])
        assert await conn.fetchval("SELECT count(*) FROM contacts") == 1


async def test_an_erasure_purges_only_the_asking_institutions_credentials(db: Pool) -> None:
    async with db.acquire() as conn:
        await contacts.keep(conn, [contact("urn:uuid:c2"), contact("urn:uuid:c3", "inst-x")])
        assert await contacts.erase(conn, "inst-c", ["urn:uuid:c2", "urn:uuid:c3"]) == [
            "urn:uuid:c2"
        ]
        assert await conn.fetchval("SELECT count(*) FROM contacts") == 1


async def test_contact_data_is_purged_only_past_its_retention(db: Pool) -> None:
    async with db.acquire() as conn:
        await contacts.keep(conn, [contact("urn:uuid:c4", days=30)])
        assert await contacts.purge_expired(conn, T0 + timedelta(days=29)) == []
        assert await contacts.purge_expired(conn, T0 + timedelta(days=30, seconds=1)) == [
            "urn:uuid:c4"
        ]
