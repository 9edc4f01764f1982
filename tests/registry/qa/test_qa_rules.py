"""qa-status rules on Postgres alone (no HTTP, no broker): the answer, the reports
that justify it, why the others in the window do not count, and the typed
rows the rule reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from registry.registry_support import report
from registry.rules_support import agency_client, an_agency, an_institution

from meriter_registry.qa import repository, service
from meriter_registry.reports import service as reports
from meriter_registry.reports.schemas import ReportSubmission
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound
from meriter_shared.qa import Registration

ON = date(2021, 6, 1)


def soon(minutes: int = 1) -> datetime:
    # Agency history is stamped by the database clock: ask about instants after it.
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def submitted(
    conn: Connection, agency_id: str, acronym: str, local: str, **extra: Any
) -> str:
    sub = ReportSubmission.model_validate(report(acronym, local, "DEQARINST0001", **extra))
    now = datetime.now(UTC)
    return (
        await reports.submit_report(conn, sub, agency_client(agency_id), now)
    ).submitted_report_id


async def test_the_qa_answer_says_which_reports_count_and_why_others_do_not(
    conn: Connection,
) -> None:
    aaa = await an_agency(conn, "AAA")
    late = await an_agency(conn, "LATE", registered_from=date(2022, 1, 1))
    iid = await an_institution(conn, "DEQARINST0001")
    await submitted(conn, aaa, "AAA", "ok")
    await submitted(conn, late, "LATE", "late")
    await submitted(conn, aaa, "AAA", "vol", status="voluntary")
    answer = await service.qa_status(conn, "DEQARINST0001", ON, soon())
    assert answer.institution_id == iid
    assert answer.quality_assured is True
    assert [r.local_identifier for r in answer.reports] == ["ok"]
    assert sorted(answer.not_counted.values()) == [
        "agency not EQAR-registered on the date",
        "voluntary",
    ]


async def test_an_unknown_institution_is_a_404(conn: Connection) -> None:
    with pytest.raises(NotFound):
        await service.qa_status(conn, "DEQARINST9999", ON, soon())


async def test_an_institution_without_reports_is_not_quality_assured(conn: Connection) -> None:
    iid = await an_institution(conn, "DEQARINST0001")
    answer = await service.qa_status(conn, iid, ON, soon())
    assert (answer.quality_assured, answer.reports, answer.not_counted) == (False, [], {})


async def test_the_rows_read_are_typed_with_the_rules_registrations(conn: Connection) -> None:
    aaa = await an_agency(conn, "AAA", registered_from=date(2005, 1, 1))
    iid = await an_institution(conn, "DEQARINST0001")
    rid = await submitted(conn, aaa, "AAA", "r1")
    assert await repository.qa_rows(conn, "DEQARINST9999", soon(), ON) is None
    rows = await repository.qa_rows(conn, "DEQARINST0001", soon(), ON)
    assert rows is not None
    assert rows.institution_id == iid
    assert [(r.facts.report_id, r.institution_ids) for r in rows.reports] == [(rid, (iid,))]
    assert rows.registrations == {aaa: (Registration(date(2005, 1, 1), None),)}
    snapshot = await repository.snapshot(conn)
    assert [r.facts for r in snapshot.reports] == [r.facts for r in rows.reports]
    assert snapshot.institutions == ((iid, "DEQARINST0001"),)
