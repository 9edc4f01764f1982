"""Report rules on Postgres alone (no HTTP, no broker): versions, withdrawal,
flags, the QA answer and search, each change with exactly one event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from registry.registry_support import report
from registry.rules_support import (
    ADMIN,
    agency_client,
    an_agency,
    an_institution,
    institution_client,
    new_events,
    outbox_size,
)

from meriter_registry.qa import service as qa
from meriter_registry.reports import service
from meriter_registry.reports.schemas import FlagIn, ReportQuery, ReportSubmission
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, Forbidden, NotFound, ValidationProblem

# Agency history is stamped by the database clock, so the rules' instants
# follow the real one here: each test's minute 0 is when it starts.
_start: list[datetime] = [datetime.now(UTC)]


@pytest.fixture(autouse=True)
def _minute_zero_is_now() -> None:
    _start[0] = datetime.now(UTC)


def at(minutes: int) -> datetime:
    return _start[0] + timedelta(minutes=minutes)


def submission(agency: str, local_id: str, *deqar_ids: str, **extra: Any) -> ReportSubmission:
    return ReportSubmission.model_validate(report(agency, local_id, *deqar_ids, **extra))


async def stored_version(conn: Connection, report_id: str, version: int) -> dict[str, Any]:
    """The version as a reader finds it, shaped like the report.* payload."""
    row = await conn.fetchrow(
        "SELECT v.*, r.local_identifier, array(SELECT institution_id "
        "FROM report_institutions x WHERE x.report_id = v.report_id AND x.version = v.version "
        "ORDER BY 1) AS institution_ids FROM report_versions v JOIN reports r "
        "ON r.id = v.report_id WHERE v.report_id = $1 AND v.version = $2",
        report_id,
        version,
    )
    assert row is not None
    shaped = {
        "id": row["report_id"],
        **{k: row[k] for k in ("agency_id", "local_identifier", "version", "activity_type")},
        **{k: row[k] for k in ("status", "decision", "valid_from", "valid_to", "valid_until")},
        "institution_ids": list(row["institution_ids"]),
        "recorded_at": row["recorded_at"],
        "withdrawn_at": row["withdrawn_at"],
        "withdrawn_on": row["withdrawn_on"],
    }
    return {
        k: v.isoformat().replace("+00:00", "Z") if isinstance(v, datetime) else
        v.isoformat() if isinstance(v, date) else v
        for k, v in shaped.items()
    }  # fmt: skip


async def event_data(conn: Connection, event_type: str, subject: str) -> dict[str, Any]:
    data: dict[str, Any] = await conn.fetchval(
        "SELECT event -> 'data' FROM outbox WHERE event ->> 'type' = $1 "
        "AND event ->> 'subject' = $2 ORDER BY seq DESC LIMIT 1",
        event_type,
        subject,
    )
    return data


async def setup(conn: Connection) -> tuple[str, str, str]:
    aaa = await an_agency(conn, "AAA")
    bbb = await an_agency(conn, "BBB")
    iid = await an_institution(conn, "DEQARINST0001")
    return aaa, bbb, iid


# --- submission ------------------------------------------------------------


async def test_a_submission_records_version_1_and_one_report_recorded_as_stored(
    conn: Connection,
) -> None:
    aaa, _, _ = await setup(conn)
    await an_institution(conn, "DEQARINST0002")
    sub = submission("AAA", "r1", "DEQARINST0002", "DEQARINST0001", "DEQARINST0002")
    async with new_events(conn) as events:
        result = await service.submit_report(conn, sub, agency_client(aaa), at(0))
    assert (result.version, result.created) == (1, True)
    assert events == [("report.recorded", result.submitted_report_id)]
    payload = await event_data(conn, "report.recorded", result.submitted_report_id)
    assert payload == await stored_version(conn, result.submitted_report_id, 1)
    assert len(payload["institution_ids"]) == 2


async def test_the_same_content_again_records_nothing(conn: Connection) -> None:
    aaa, _, _ = await setup(conn)
    first = await service.submit_report(
        conn, submission("AAA", "r1", "DEQARINST0001"), agency_client(aaa), at(0)
    )
    async with new_events(conn) as events:
        again = await service.submit_report(
            conn, submission("AAA", "r1", "DEQARINST0001"), agency_client(aaa), at(1)
        )
    assert events == []
    assert (again.submitted_report_id, again.version, again.created) == (
        first.submitted_report_id,
        1,
        False,
    )


async def test_changed_content_records_the_next_version_and_the_past_answers_stay(
    conn: Connection,
) -> None:
    aaa, _, iid = await setup(conn)
    first = await service.submit_report(
        conn, submission("AAA", "r1", "DEQARINST0001"), agency_client(aaa), at(0)
    )
    rid = first.submitted_report_id
    negative = submission("AAA", "r1", "DEQARINST0001", decision="negative")
    async with new_events(conn) as events:
        second = await service.submit_report(conn, negative, agency_client(aaa), at(10))
    assert events == [("report.updated", rid)]
    assert (second.submitted_report_id, second.version, second.created) == (rid, 2, False)
    assert await event_data(conn, "report.updated", rid) == await stored_version(conn, rid, 2)
    on = date(2021, 1, 1)
    assert (await qa.qa_status(conn, iid, on, at(20))).quality_assured is False
    assert (await qa.qa_status(conn, iid, on, at(5))).quality_assured is True


async def test_an_agency_submits_only_its_own_reports(conn: Connection) -> None:
    _, bbb, iid = await setup(conn)
    before = await outbox_size(conn)
    for who in (agency_client(bbb), institution_client(iid)):
        with pytest.raises(Forbidden):
            await service.submit_report(conn, submission("AAA", "r1", "DEQARINST0001"), who, at(0))
    assert await outbox_size(conn) == before
    assert await conn.fetchval("SELECT count(*) FROM reports") == 0


async def test_unknown_agency_and_institutions_are_reported_together(conn: Connection) -> None:
    await setup(conn)
    sub = submission("ZZZ", "r1", "DEQARINST0001", "DEQARINST9999")
    with pytest.raises(ValidationProblem) as refused:
        await service.submit_report(conn, sub, ADMIN, at(0))
    assert [(e["in"], e["pointer"], e["code"]) for e in refused.value.errors] == [
        ("body", "/agency", "unknown_agency"),
        ("body", "/institutions/1", "unknown_institution"),
    ]


# --- withdrawal --------------------------------------------------------------


async def test_withdrawal_by_its_agency_is_one_report_withdrawn_and_happens_once(
    conn: Connection,
) -> None:
    aaa, bbb, iid = await setup(conn)
    sub = submission("AAA", "r1", "DEQARINST0001", valid_to=None)
    rid = (await service.submit_report(conn, sub, agency_client(aaa), at(0))).submitted_report_id
    before = await outbox_size(conn)
    with pytest.raises(Forbidden):
        await service.withdraw_report(conn, rid, agency_client(bbb), at(5))
    assert await outbox_size(conn) == before
    async with new_events(conn) as events:
        out = await service.withdraw_report(
            conn, rid, agency_client(aaa), at(10), withdrawn_on=date(2025, 1, 1)
        )
    assert events == [("report.withdrawn", rid)]
    assert (out.withdrawn_at, out.withdrawn_on, out.version) == (at(10), date(2025, 1, 1), 1)
    assert await event_data(conn, "report.withdrawn", rid) == await stored_version(conn, rid, 1)
    with pytest.raises(Conflict):
        await service.withdraw_report(conn, rid, ADMIN, at(11))
    with pytest.raises(NotFound):
        await service.withdraw_report(conn, "no-such-report", ADMIN, at(11))
    on = date(2025, 12, 31)
    assert (await qa.qa_status(conn, iid, on, at(20))).quality_assured is False
    assert (await qa.qa_status(conn, iid, on, at(5))).quality_assured is True
    # The days before the withdrawal takes effect are still covered.
    earlier = await qa.qa_status(conn, iid, date(2024, 12, 31), at(20))
    assert earlier.quality_assured is True


async def test_a_withdrawal_without_a_date_takes_effect_on_the_day_it_is_recorded(
    conn: Connection,
) -> None:
    aaa, _, iid = await setup(conn)
    sub = submission("AAA", "r1", "DEQARINST0001", valid_to="2099-12-31")
    rid = (await service.submit_report(conn, sub, agency_client(aaa), at(0))).submitted_report_id
    out = await service.withdraw_report(conn, rid, agency_client(aaa), at(10))
    assert out.withdrawn_on == at(10).date()
    day_before = at(10).date() - timedelta(days=1)
    assert (await qa.qa_status(conn, iid, day_before, at(20))).quality_assured is True
    verdict = await qa.qa_status(conn, iid, at(10).date(), at(20))
    assert (verdict.quality_assured, list(verdict.not_counted.values())) == (False, ["withdrawn"])


async def test_an_agency_withdraws_by_its_local_identifier_and_only_its_own(
    conn: Connection,
) -> None:
    aaa, bbb, _ = await setup(conn)
    own = submission("AAA", "shared-id", "DEQARINST0001")
    rid = (await service.submit_report(conn, own, agency_client(aaa), at(0))).submitted_report_id
    other = submission("BBB", "shared-id", "DEQARINST0001")
    await service.submit_report(conn, other, agency_client(bbb), at(0))
    with pytest.raises(Conflict):  # the admin must say whose
        await service.withdraw_report(conn, "shared-id", ADMIN, at(1))
    out = await service.withdraw_report(conn, "shared-id", agency_client(aaa), at(1))
    assert out.id == rid


async def test_resubmitting_a_withdrawn_report_reinstates_it(conn: Connection) -> None:
    aaa, _, iid = await setup(conn)
    sub = submission("AAA", "r1", "DEQARINST0001")
    rid = (await service.submit_report(conn, sub, agency_client(aaa), at(0))).submitted_report_id
    await service.withdraw_report(conn, rid, agency_client(aaa), at(1))
    async with new_events(conn) as events:
        again = await service.submit_report(conn, sub, agency_client(aaa), at(2))
    assert events == [("report.updated", rid)]
    assert (again.version, again.created) == (2, False)
    assert (await qa.qa_status(conn, iid, date(2021, 1, 1), at(3))).quality_assured is True


# --- flags -------------------------------------------------------------------


async def test_a_high_flag_stops_a_report_counting_while_it_is_up(conn: Connection) -> None:
    aaa, _, iid = await setup(conn)
    rid = (
        await service.submit_report(
            conn, submission("AAA", "r1", "DEQARINST0001"), agency_client(aaa), at(0)
        )
    ).submitted_report_id
    on = date(2021, 6, 1)
    high = FlagIn(level="high", reason="agency not registered for this activity")
    async with new_events(conn) as raised:
        flag = await service.raise_flag(conn, rid, high, ADMIN, at(10))
    assert raised == [("report.flagged", rid)]
    async with new_events(conn) as lifted:
        done = await service.lift_flag(conn, rid, flag.id, ADMIN, at(20))
    assert lifted == [("report.flag_lifted", rid)]
    assert done.lifted_at == at(20)
    answers = [(await qa.qa_status(conn, iid, on, at(m))).quality_assured for m in (5, 15, 25)]
    assert answers == [True, False, True]
    with pytest.raises(NotFound):
        await service.lift_flag(conn, rid, flag.id, ADMIN, at(30))


async def test_a_low_flag_is_a_remark_not_a_verdict(conn: Connection) -> None:
    aaa, _, iid = await setup(conn)
    sub = submission("AAA", "r1", "DEQARINST0001")
    rid = (await service.submit_report(conn, sub, agency_client(aaa), at(0))).submitted_report_id
    await service.raise_flag(conn, rid, FlagIn(level="low", reason="summary missing"), ADMIN, at(1))
    assert (await qa.qa_status(conn, iid, date(2021, 6, 1), at(2))).quality_assured is True


async def test_only_the_national_body_flags_and_only_existing_reports(conn: Connection) -> None:
    aaa, _, _ = await setup(conn)
    sub = submission("AAA", "r1", "DEQARINST0001")
    rid = (await service.submit_report(conn, sub, agency_client(aaa), at(0))).submitted_report_id
    before = await outbox_size(conn)
    flag = FlagIn(level="high", reason="x")
    with pytest.raises(Forbidden):
        await service.raise_flag(conn, rid, flag, agency_client(aaa), at(1))
    with pytest.raises(NotFound):
        await service.raise_flag(conn, "no-such-report", flag, ADMIN, at(1))
    assert await outbox_size(conn) == before


# --- search ------------------------------------------------------------------


async def test_search_filters_current_versions_and_pages_by_id(conn: Connection) -> None:
    aaa, bbb, _ = await setup(conn)
    await an_institution(conn, "DEQARINST0002", country="FI")
    for n, decision in enumerate(("positive", "negative", "positive")):
        await service.submit_report(
            conn,
            submission("AAA", f"a{n}", "DEQARINST0002", decision=decision),
            agency_client(aaa),
            at(0),
        )
    await service.submit_report(
        conn, submission("BBB", "b1", "DEQARINST0001"), agency_client(bbb), at(0)
    )

    async def local_ids(**filters: Any) -> list[str]:
        found, _ = await service.search_reports(conn, ReportQuery(**filters))
        return sorted(r.local_identifier for r in found)

    assert await local_ids(agency="AAA", decision="positive") == ["a0", "a2"]
    assert await local_ids(country="FI", valid_on=date(2024, 1, 1)) == ["a0", "a1", "a2"]
    assert await local_ids(institution="DEQARINST0001") == ["b1"]
    assert await local_ids(valid_on=date(2030, 1, 1)) == []
    assert await local_ids(agency="nobody") == []
    with pytest.raises(NotFound):
        await service.search_reports(conn, ReportQuery(institution="DEQARINST9999"))
    page, cursor = await service.search_reports(conn, limit=3)
    rest, end = await service.search_reports(conn, limit=3, cursor=cursor)
    assert (len(page), len(rest), end) == (3, 1, None)
