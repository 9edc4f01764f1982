"""The shared registry projection answers "quality assured on D?" as the registry would.

Rules tier: events are applied by calling the projection's handlers on a
connection of a fresh database (no broker), as the consumer runner would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool
from meriter_shared.db.types import Connection, Pool
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import (
    AgencyRegistered,
    AgencyUpdated,
    InstitutionRegistered,
    InstitutionUpdated,
    OfferingPublished,
    ReportFlagged,
    ReportFlagLifted,
    ReportRecorded,
    ReportWithdrawn,
)
from meriter_shared.messaging.consumer import Delivery, Subscription
from meriter_shared.projections import registry as projection
from meriter_shared.settings import PostgresSettings

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ON = date(2026, 6, 1)


@pytest.fixture
async def pool(fresh_db: str) -> AsyncIterator[Pool]:
    p = await create_pool(PostgresSettings(dsn=fresh_db))
    await migrate(p, projection.PROJECTION_MIGRATIONS)
    yield p
    await p.close()


class Applier:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.changed: list[list[str]] = []

        async def on_change(_conn: Connection, ids: Sequence[str]) -> None:
            self.changed.append(sorted(ids))

        self.subs: dict[str, Subscription[Any]] = {
            s.event_type: s for s in projection.subscriptions(on_change)
        }

    async def __call__(self, payload: EventPayload, at: datetime = T0) -> None:
        event = CloudEvent.of(payload, time=at)
        async with self.pool.acquire() as conn, conn.transaction():
            await self.subs[payload.event_type].handle(conn, [Delivery(event, payload)])


def institution(name: str = "Uppsala universitet") -> dict[str, Any]:
    return {
        "institution_id": "inst-1",
        "deqar_id": "DEQARINST0001",
        "name_official": name,
        "country": "SE",
    }


def agency(registered_to: str | None = None) -> dict[str, Any]:
    return {
        "id": "ag-1",
        "acronym": "UKÄ",
        "name": "Universitetskanslersämbetet",
        "eqar_registrations": [{"registered_from": "2020-01-01", "registered_to": registered_to}],
    }


def report(version: int = 1, **changes: Any) -> dict[str, Any]:
    body = {
        "id": "rep-1",
        "agency_id": "ag-1",
        "local_identifier": "UKA-1",
        "version": version,
        "activity_type": "institutional",
        "status": "part of obligatory EQA system",
        "decision": "positive",
        "valid_from": "2024-01-01",
        "valid_to": None,
        "valid_until": "2030-01-01",
        "institution_ids": ["inst-1"],
        "recorded_at": T0.isoformat(),
        "withdrawn_at": None,
    }
    return {**body, **changes}


async def verdict(pool: Pool, on: date = ON, as_of: datetime | None = None) -> bool:
    async with pool.acquire() as conn:
        v, _, _ = await projection.qa_verdict(conn, "inst-1", on, as_of or T0 + timedelta(days=9))
    return v.quality_assured


async def covered(pool: Pool) -> Applier:
    apply = Applier(pool)
    await apply(InstitutionRegistered.model_validate(institution()))
    await apply(AgencyRegistered.model_validate(agency()))
    await apply(ReportRecorded.model_validate(report()))
    return apply


async def test_an_institution_with_a_valid_obligatory_report_is_quality_assured(
    pool: Pool,
) -> None:
    apply = await covered(pool)
    assert await verdict(pool)
    assert ["inst-1"] in apply.changed
    async with pool.acquire() as conn:
        found = await projection.institution(conn, "DEQARINST0001")
    assert found is not None
    assert found.institution_id == "inst-1"


async def test_a_report_without_valid_to_counts_for_six_years(pool: Pool) -> None:
    await covered(pool)
    assert await verdict(pool, date(2029, 12, 31))
    assert not await verdict(pool, date(2030, 1, 2))


async def test_a_withdrawn_report_no_longer_counts(pool: Pool) -> None:
    apply = await covered(pool)
    withdrawn = T0 + timedelta(days=1)
    await apply(ReportWithdrawn.model_validate(report(withdrawn_at=withdrawn.isoformat())))
    assert not await verdict(pool)
    assert await verdict(pool, as_of=T0 + timedelta(hours=1))  # as it was known before


async def test_a_report_withdrawn_on_a_day_still_counts_for_the_days_before(pool: Pool) -> None:
    apply = await covered(pool)
    withdrawn = report(withdrawn_at=(T0 + timedelta(days=1)).isoformat(), withdrawn_on="2025-01-01")
    await apply(ReportWithdrawn.model_validate(withdrawn))
    assert await verdict(pool, date(2024, 12, 31))
    assert not await verdict(pool, date(2025, 1, 1))


async def test_a_replayed_older_version_does_not_undo_a_newer_one(pool: Pool) -> None:
    apply = await covered(pool)
    await apply(ReportRecorded.model_validate(report(version=2, decision="negative")))
    await apply(ReportRecorded.model_validate(report(version=1)))  # redelivered late
    assert not await verdict(pool)


async def test_a_high_flag_takes_the_report_out_while_it_is_up(pool: Pool) -> None:
    apply = await covered(pool)
    flag = {
        "id": "flag-1",
        "report_id": "rep-1",
        "level": "high",
        "reason": "under review",
        "raised_at": (T0 + timedelta(days=1)).isoformat(),
    }
    await apply(ReportFlagged.model_validate(flag))
    assert not await verdict(pool)
    lifted = {**flag, "lifted_at": (T0 + timedelta(days=2)).isoformat()}
    await apply(ReportFlagLifted.model_validate(lifted))
    assert await verdict(pool)


async def test_an_agency_whose_registration_lapsed_before_the_date_does_not_count(
    pool: Pool,
) -> None:
    apply = await covered(pool)
    apply.changed.clear()
    await apply(AgencyUpdated.model_validate(agency("2026-03-31")), T0 + timedelta(days=1))
    assert not await verdict(pool)
    assert apply.changed == [["inst-1"]]  # its institutions may have changed answer


async def test_institution_updates_apply_in_event_time_order_only(pool: Pool) -> None:
    apply = Applier(pool)
    await apply(InstitutionRegistered.model_validate(institution("Old name")), T0)
    await apply(InstitutionUpdated.model_validate(institution("New name")), T0 + timedelta(1))
    await apply(InstitutionUpdated.model_validate(institution("Old name")), T0)  # replay
    async with pool.acquire() as conn:
        found = await projection.institution(conn, "inst-1")
    assert found is not None
    assert found.name_official == "New name"


async def test_offerings_keep_their_latest_version(pool: Pool) -> None:
    apply = Applier(pool)
    offering = {
        "id": "off-1",
        "institution_id": "inst-1",
        "version": 2,
        "title": "Data",
        "learning_outcomes": ["x"],
        "ects": 3.0,
        "eqf_level": 6,
        "assessment_type": "exam",
        "participation_form": "online",
        "language": "sv",
        "field_of_study": "0613",
    }
    await apply(OfferingPublished.model_validate(offering))
    await apply(OfferingPublished.model_validate({**offering, "version": 1, "title": "Old"}))
    async with pool.acquire() as conn:
        found = await projection.offering(conn, "off-1")
    assert found is not None
    assert (found.version, found.title) == (2, "Data")
