"""From events to delivery records, and contact data's lifetime (Postgres alone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.notifier_support import envelope, intake, issued, record, states

from meriter_notifier.deliveries import service as deliveries
from meriter_shared.db.types import Pool
from meriter_shared.events.credentials import CredentialRevoked


async def contact_count(db: Pool) -> int:
    n: int = await db.fetchval("SELECT count(*) FROM contacts")
    return n


async def test_one_mail_record_per_credential_however_often_it_is_announced(db: Pool) -> None:
    event = issued("inst-r1", 1)
    await record(db, [event])
    await record(db, [event])  # redelivered under a new event id, or announced twice
    async with db.acquire() as conn, conn.transaction():
        same = envelope(event)
        await intake().events(conn, [(same, event), (same, event)])
    rows = await db.fetch("SELECT channel, message_id, delivery_key FROM deliveries")
    assert len(rows) == 1
    assert rows[0]["delivery_key"] == f"email/credential.issued/{event.credential_id}"
    assert rows[0]["message_id"].endswith("@meriter.example>")


async def test_the_message_id_depends_on_credential_event_and_channel_alone(db: Pool) -> None:
    from meriter_notifier.deliveries.service import message_id

    key = "email/credential.issued/urn:uuid:1"
    assert message_id(key, "m.example") == message_id(key, "m.example")
    assert message_id(key, "m.example") != message_id(key.replace("1", "2"), "m.example")


async def test_an_erasure_purges_contact_data_at_once_and_its_mail_is_not_sent(db: Pool) -> None:
    kept, erased = issued("inst-r2", 1), issued("inst-r2", 2)
    await record(db, [kept, erased])
    async with db.acquire() as conn, conn.transaction():
        assert await deliveries.forget_learner(conn, "inst-r2", [erased.credential_id]) == 1
    remaining = await db.fetch("SELECT credential_id FROM contacts")
    assert [r["credential_id"] for r in remaining] == [kept.credential_id]
    row = await db.fetchrow(
        "SELECT state, last_error FROM deliveries WHERE credential_id = $1", erased.credential_id
    )
    assert row is not None
    assert (row["state"], row["last_error"]) == ("failed", "the learner's data was erased")


async def test_an_erasure_for_another_institution_purges_nothing(db: Pool) -> None:
    event = issued("inst-r3", 1)
    await record(db, [event])
    async with db.acquire() as conn, conn.transaction():
        assert await deliveries.forget_learner(conn, "inst-other", [event.credential_id]) == 0
    assert await contact_count(db) == 1


async def test_contact_data_is_purged_after_the_retention_period(db: Pool) -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    await record(db, [issued("inst-r4", 1)], at=intake(clock=lambda: start, days=30))
    async with db.acquire() as conn, conn.transaction():
        assert await deliveries.purge_expired_contacts(conn, start + timedelta(days=29)) == 0
        assert (
            await deliveries.purge_expired_contacts(conn, start + timedelta(days=30, seconds=1))
            == 1
        )
    assert await contact_count(db) == 0
    assert await states(db) == {"failed": 1}  # it had not gone out: it never will


async def test_a_credential_revoked_before_its_mail_went_out_is_not_announced(db: Pool) -> None:
    event = issued("inst-r5", 1)
    await record(db, [event])
    await record(
        db,
        [
            CredentialRevoked(
                credential_id=event.credential_id,
                institution_id="inst-r5",
                purpose="revocation",
                reason="issued in error",
                changed_at=event.issued_at,
            )
        ],
    )
    assert await states(db) == {"failed": 1}
