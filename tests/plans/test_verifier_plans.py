"""The verifier's per-request and per-event statements stay bounded as the registry grows.

The verifier keeps nothing per verification or per credential: what grows is
its copy of the registry (``meriter_shared.projections``, shared with the
issuer) and of the platform's issuers. Filled as after years: 50,000
institutions, 1,000,000 offerings, 1,000,000 reports (twenty per institution,
some naming two), 100,000 flags, 50 agencies, 50,000 issuer DIDs. A request
checks an issuer (``by_did``, ``institution``) and its quality assurance
(``qa_verdict``); the consumers apply registry and identity events. Each runs on
a recording connection in a transaction rolled back afterwards, and every
statement it sent is explained as a generic plan and checked by
``plans_support.faults``.

Not checked here: the kernel's inbox statements (checked with the kernel).
"""

# ruff: noqa: S608 (the fill SQL is formatted from this module's own constants)

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import cast

import pytest
from plans.plans_support import assert_all_bounded, filled, recorded

from meriter_shared.db.types import Connection, Pool
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.events.registry import (
    AgencyState,
    InstitutionState,
    OfferingState,
    ReportFlagState,
    ReportState,
)
from meriter_shared.projections import registry as projection
from meriter_verifier.app import MIGRATIONS
from meriter_verifier.identities import repository as identities
from support.infra import Postgres

BIG = (
    "registry_institutions",
    "registry_offerings",
    "registry_reports",
    "registry_report_flags",
    "issuer_dids",
)
NOW = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)
INST = "inst-00007"
_INST = "'inst-' || lpad((g % 50000)::text, 5, '0')"
FILL = [
    """INSERT INTO registry_agencies (agency_id, state, event_at)
        SELECT 'agency-' || g, jsonb_build_object('id', 'agency-' || g, 'acronym', 'A' || g,
               'name', 'Agency ' || g, 'eqar_registrations',
               jsonb_build_array(jsonb_build_object('registered_from', '2010-01-01'))),
               timestamptz '2024-01-01'
          FROM generate_series(0, 49) g""",
    f"""INSERT INTO registry_institutions (institution_id, deqar_id, state, event_at)
        SELECT {_INST}, 'DEQARINST' || g, jsonb_build_object('institution_id', {_INST},
               'deqar_id', 'DEQARINST' || g, 'name_official', 'University ' || g,
               'country', 'SE'), timestamptz '2024-01-01'
          FROM generate_series(0, 49999) g""",
    f"""INSERT INTO registry_offerings (offering_id, institution_id, version, state)
        SELECT 'off-' || g, {_INST}, 1, jsonb_build_object('id', 'off-' || g,
               'institution_id', {_INST}, 'version', 1, 'title', 'Course ' || g,
               'learning_outcomes', jsonb_build_array('x'), 'ects', 5, 'eqf_level', 6,
               'assessment_type', 'exam', 'participation_form', 'onsite', 'language', 'en',
               'field_of_study', '0613')
          FROM generate_series(1, 1000000) g""",
    # Report g names institution g % 50000, every tenth also the next one.
    f"""INSERT INTO registry_reports (report_id, version, institution_ids, state, event_at)
        SELECT 'report-' || g, 1, i.ids, jsonb_build_object('id', 'report-' || g,
               'agency_id', 'agency-' || (g % 50), 'local_identifier', 'L' || g, 'version', 1,
               'activity_type', 'institutional', 'status', 'voluntary',
               'decision', 'positive', 'valid_from', '2020-01-01', 'valid_to', NULL,
               'valid_until', '2026-01-01', 'institution_ids', to_jsonb(i.ids),
               'recorded_at', '2020-01-01T00:00:00Z'), timestamptz '2024-01-01'
          FROM generate_series(1, 1000000) g,
               LATERAL (SELECT CASE WHEN g % 10 = 0
                            THEN ARRAY[{_INST}, 'inst-' || lpad(((g + 1) % 50000)::text, 5, '0')]
                            ELSE ARRAY[{_INST}] END AS ids) i""",
    """INSERT INTO registry_report_flags (flag_id, report_id, level, raised_at, lifted_at)
        SELECT 'flag-' || g, 'report-' || (g * 10), CASE WHEN g % 3 = 0 THEN 'high' ELSE 'low' END,
               timestamptz '2024-01-01', CASE WHEN g % 2 = 0 THEN timestamptz '2025-01-01' END
          FROM generate_series(1, 100000) g""",
    f"""INSERT INTO issuer_identities (institution_id, did, method, document, event_at)
        SELECT {_INST}, 'did:web:credentials.example.se:issuers:' || {_INST}, 'web',
               '{{"id": "x"}}'::jsonb, timestamptz '2024-01-01'
          FROM generate_series(0, 49999) g""",
    f"""INSERT INTO issuer_dids (did, institution_id)
        SELECT 'did:web:credentials.example.se:issuers:' || {_INST}, {_INST}
          FROM generate_series(0, 49999) g""",
]


@pytest.fixture(scope="module")
async def big(pg: Postgres) -> AsyncIterator[Pool]:
    async with filled(pg.base_dsn, MIGRATIONS, FILL) as pool:
        yield pool


EVENT = cast(CloudEvent, SimpleNamespace(time=NOW))


async def _run(name: str, conn: Connection) -> None:
    match name:
        case "identities.by_did":
            await identities.by_did(conn, f"did:web:credentials.example.se:issuers:{INST}")
        case "identities.change_seq":
            await identities.change_seq(conn)
        case "identities.upsert":
            await identities.upsert_identity(
                conn, INST, "did:key:z6Mk", "key", {"id": "did:key:z6Mk"}, ["did:key:z6Mk"], NOW
            )
            await identities.bump(conn)
        case "projection.institution":
            await projection.institution(conn, INST)
            await projection.institution(conn, "DEQARINST7")
        case "projection.offering":
            await projection.offering(conn, "off-7")
            await projection.offering_owners(conn, [f"off-{g}" for g in range(7, 3007, 10)])
        case "projection.qa_verdict":
            await projection.qa_verdict(conn, INST, date(2025, 1, 1), NOW)
        case "projection.apply_institution":
            state = InstitutionState(
                institution_id=INST, deqar_id="DEQARINST7", name_official="U", country="SE"
            )
            await projection.apply_institution(conn, state, EVENT)
        case "projection.apply_agency":
            agency = AgencyState(id="agency-7", acronym="A7", name="Agency 7")
            await projection.apply_agency(conn, agency, EVENT)
        case "projection.apply_report":
            report = ReportState(
                id="report-7",
                agency_id="agency-7",
                local_identifier="L7",
                version=2,
                activity_type="institutional",
                status="voluntary",
                decision="positive",
                valid_from=date(2020, 1, 1),
                valid_to=None,
                valid_until=date(2026, 1, 1),
                institution_ids=[INST],
                recorded_at=NOW,
            )
            await projection.apply_report(conn, report)
        case "projection.apply_flag":
            flag = ReportFlagState(
                id="flag-new", report_id="report-7", level="high", reason="r", raised_at=NOW
            )
            await projection.apply_flag(conn, flag)
        case "projection.apply_offering":
            offering = OfferingState(
                id="off-7",
                institution_id=INST,
                version=2,
                title="Course",
                learning_outcomes=["x"],
                ects=5,
                eqf_level=6,
                assessment_type="exam",
                participation_form="onsite",
                language="en",
                field_of_study="0613",
            )
            await projection.apply_offering(conn, offering)
        case _:
            raise AssertionError(name)


CALLS = [
    "identities.by_did",
    "identities.change_seq",
    "identities.upsert",
    "projection.institution",
    "projection.offering",
    "projection.qa_verdict",
    "projection.apply_institution",
    "projection.apply_agency",
    "projection.apply_report",
    "projection.apply_flag",
    "projection.apply_offering",
]


# Reads a generic plan overstates, or that are as big as their answer, by call.
ALLOW = {
    # ``institution_ids @> ARRAY[$1]``: without a value, the planner puts any
    # containment at a fixed share of the table (5,000 of a million); the GIN index
    # finds exactly the institution's reports, about twenty.
    "projection.qa_verdict": {
        "rows of registry_reports": "an institution's reports, through the GIN index",
        "entries of registry_reports_institutions": "the same, in the index",
    },
    # An agency's EQAR registration changed: the answer is every institution it has
    # reports on, read through registry_reports_agency once per such (rare) event.
    "projection.apply_agency": {
        "rows of registry_reports": "the agency's reports are the answer",
        "entries of registry_reports_agency": "the same, in the index",
        "unnest(institution_ids)": "the agency's institutions are the answer",
    },
}


@pytest.mark.parametrize("name", CALLS)
async def test_statement_reads_only_what_the_request_asks_for(big: Pool, name: str) -> None:
    statements = await recorded(big, lambda conn: _run(name, conn))
    await assert_all_bounded(big, name, statements, BIG, allow=ALLOW.get(name))
