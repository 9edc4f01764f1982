"""Offering rules on Postgres alone (no HTTP, no broker)."""

from __future__ import annotations

import pytest
from registry.registry_support import offering
from registry.rules_support import (
    ADMIN,
    NOW,
    agency_client,
    an_institution,
    institution_client,
    new_events,
    outbox_size,
)

from meriter_registry.offerings import repository, service
from meriter_registry.offerings.schemas import OfferingIn
from meriter_shared.db.outbox import MAX_EVENT_BYTES
from meriter_shared.db.types import Connection
from meriter_shared.errors import Forbidden, NotFound, ValidationProblem


def spec(**extra: object) -> OfferingIn:
    return OfferingIn.model_validate(offering(**extra))


async def test_publishing_then_updating_counts_versions_with_one_event_each(
    conn: Connection,
) -> None:
    own = await an_institution(conn)
    me = institution_client(own)
    async with new_events(conn) as published:
        first = await service.publish_offering(conn, "DEQARINST0001", spec(), me, NOW)
    async with new_events(conn) as updated:
        second = await service.publish_offering(conn, own, spec(ects=5), me, NOW, first.id)
    assert published == [("offering.published", first.id)]
    assert updated == [("offering.updated", first.id)]
    assert (first.version, second.version, second.ects) == (1, 2, 5)
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM offering_versions WHERE offering_id = $1", first.id
        )
        == 2
    )


async def test_another_institution_or_an_agency_is_refused_and_nothing_is_written(
    conn: Connection,
) -> None:
    own = await an_institution(conn, "DEQARINST0001")
    other = await an_institution(conn, "DEQARINST0002")
    existing = await service.publish_offering(conn, own, spec(), institution_client(own), NOW)
    before = await outbox_size(conn)
    for who in (institution_client(other), agency_client("a")):
        with pytest.raises(Forbidden):
            await service.publish_offering(conn, own, spec(), who, NOW)
        with pytest.raises(Forbidden):
            await service.publish_offering(conn, own, spec(ects=9), who, NOW, existing.id)
    assert await outbox_size(conn) == before


async def test_an_offering_is_changed_only_under_the_institution_that_owns_it(
    conn: Connection,
) -> None:
    own = await an_institution(conn, "DEQARINST0001")
    other = await an_institution(conn, "DEQARINST0002")
    existing = await service.publish_offering(conn, own, spec(), ADMIN, NOW)
    with pytest.raises(NotFound):
        await service.publish_offering(conn, other, spec(), ADMIN, NOW, existing.id)


async def test_the_offer_is_searched_by_the_specifications_fields(conn: Connection) -> None:
    uu = await an_institution(conn, "DEQARINST0001")
    lu = await an_institution(conn, "DEQARINST0002")
    me = institution_client(uu)
    data = await service.publish_offering(conn, uu, spec(title="Data literacy"), me, NOW)
    await service.publish_offering(
        conn, uu, spec(title="Statistics", eqf_level=7, qf_ehea_cycle="second"), me, NOW
    )
    await service.publish_offering(
        conn, lu, spec(title="Open data", language="sv"), institution_client(lu), NOW
    )
    found, _ = await service.search_offerings(conn, eqf_level=6, title="DATA")
    assert sorted(o["title"] for o in found) == ["Data literacy", "Open data"]
    mine, _ = await service.search_offerings(conn, institution="DEQARINST0001", language="en")
    assert sorted(o["title"] for o in mine) == ["Data literacy", "Statistics"]
    page, cursor = await service.search_offerings(conn, limit=2)
    rest, end = await service.search_offerings(conn, limit=2, cursor=cursor)
    assert (len(page), len(rest), end) == (2, 1, None)
    listed = await service.list_offerings(conn, uu)
    assert data.id in [o["id"] for o in listed]
    assert {o["institution_id"] for o in listed} == {uu}


async def test_the_largest_offering_the_schema_admits_makes_an_event_far_under_the_limit(
    conn: Connection,
) -> None:
    own = await an_institution(conn)
    widest = "\x01"  # JSON writes it as \u0001: six bytes for one character
    fields = OfferingIn.model_fields
    largest = spec(
        title=widest * _max_length(fields["title"].metadata),
        learning_outcomes=[widest * 1000] * 30,
        prerequisites=widest * 5000,
        stackability=widest * 5000,
        field_of_study=widest * _max_length(fields["field_of_study"].metadata),
    )
    await service.publish_offering(conn, own, largest, ADMIN, NOW)
    size = await conn.fetchval(
        "SELECT octet_length(event::text) FROM outbox WHERE event ->> 'type' = 'offering.published'"
    )
    assert size < MAX_EVENT_BYTES / 2


def _max_length(metadata: list[object]) -> int:
    return next(int(m.max_length) for m in metadata if hasattr(m, "max_length"))


# --- what the credential engine could not issue -------------------------------


async def _offerings(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM offering_versions"))


@pytest.mark.parametrize(
    ("change", "pointer", "says"),
    [
        ({"eqf_level": 7}, "/qf_ehea_cycle", "QF-EHEA first cycle corresponds to EQF level 6"),
        ({"ects": 2.25}, "/ects", "at most one decimal"),
        ({"title": "   "}, "/title", "must not be blank"),
        ({"learning_outcomes": ["Reads a chart", " "]}, "/learning_outcomes/1", "blank"),
        ({"prerequisites": "  "}, "/prerequisites", "blank"),
    ],
)
async def test_an_offering_no_credential_could_be_made_of_is_refused_and_nothing_is_written(
    conn: Connection, change: dict[str, object], pointer: str, says: str
) -> None:
    own = await an_institution(conn)
    existing = await service.publish_offering(conn, own, spec(), ADMIN, NOW)
    before = (await outbox_size(conn), await _offerings(conn))
    for offering_id in (None, existing.id):  # neither published nor changed to it
        with pytest.raises(ValidationProblem) as refused:
            await service.publish_offering(conn, own, spec(**change), ADMIN, NOW, offering_id)
        [fault] = refused.value.errors
        assert fault["pointer"] == pointer
        assert fault["field"] == pointer[1:].replace("/", ".")
        assert says in fault["message"]
    assert (await outbox_size(conn), await _offerings(conn)) == before


async def test_a_stored_offering_no_credential_can_be_made_of_stays_readable_and_is_found(
    conn: Connection,
) -> None:
    own = await an_institution(conn)
    fine = await service.publish_offering(conn, own, spec(), ADMIN, NOW)
    # As an older registry stored it: any text was taken for the assessment type.
    old = {**spec().model_dump(mode="json"), "assessment_type": "written exam"}
    await repository.insert(conn, "0-stored-before", own, old, NOW)
    listed = {o["id"]: o for o in await service.list_offerings(conn, own)}
    assert listed["0-stored-before"]["assessment_type"] == "written exam"
    assert fine.id in listed
    checked, found = await service.offerings_that_cannot_issue(conn, page=1)
    assert checked == 2
    [bad] = found
    assert (bad.offering_id, bad.institution_id, bad.version) == ("0-stored-before", own, 1)
    [reason] = bad.reasons
    assert reason.startswith("assessment_type: Input should be 'written-examination'")
    assert "'level-of-attendance'" in reason
    await service.publish_offering(conn, own, spec(), ADMIN, NOW, "0-stored-before")
    assert await service.offerings_that_cannot_issue(conn) == (2, [])
