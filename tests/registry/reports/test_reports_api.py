"""Reports over HTTP against real Postgres and the session broker: submission
(JSON and CSV), withdrawal, flags, search, qa-status, and the events on the wire."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from httpx import Response
from registry.registry_support import (
    OrderedClock,
    Registry,
    offering,
    registry_settings,
    report,
    running_registry,
)

from meriter_shared.events import registry as registry_events
from meriter_shared.events.envelope import CloudEvent, decode
from support.kafka import read_all
from support.waiting import eventually


async def test_agency_cannot_submit_a_report_for_another_agency(registry: Registry) -> None:
    await registry.agency("AAA")
    other = await registry.agency("BBB")
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", other)
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST0001"),
        headers=headers,
    )
    assert r.status_code == 403


async def test_agency_cannot_withdraw_another_agencys_report(registry: Registry) -> None:
    aaa = await registry.agency("AAA")
    other = await registry.agency("BBB")
    await registry.institution("DEQARINST0001")
    own = await registry.token_for("agency", aaa)
    r = await registry.http.post(
        "/submissionapi/v2/submit/report", json=report("AAA", "r1", "DEQARINST0001"), headers=own
    )
    report_id = r.json()["submitted_report_id"]
    foreign = await registry.token_for("agency", other)
    r = await registry.http.delete(f"/submissionapi/v2/delete/report/{report_id}", headers=foreign)
    assert r.status_code == 403


async def test_bad_report_gets_problem_json_naming_each_field(registry: Registry) -> None:
    bad = report("AAA", "r1", "DEQARINST0001", status="sometimes", valid_from="01/02/2020")
    del bad["decision"]
    r = await registry.http.post(
        "/submissionapi/v2/submit/report", json=bad, headers=registry.admin
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    text = r.text
    for field in ("status", "decision", "valid_from"):
        assert field in text


async def test_report_naming_unknown_institution_is_refused_with_its_position(
    registry: Registry,
) -> None:
    await registry.agency("AAA")
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST9999"),
        headers=registry.admin,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/institutions/0"
    assert r.json()["errors"][0]["code"] == "unknown_institution"


async def test_one_report_makes_each_of_its_institutions_quality_assured(
    registry: Registry,
) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    await registry.institution("DEQARINST0002")
    headers = await registry.token_for("agency", aaa)
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "joint", "DEQARINST0001", "DEQARINST0002"),
        headers=headers,
    )
    assert r.status_code == 200, r.text
    for deqar in ("DEQARINST0001", "DEQARINST0002"):
        qa = (await registry.http.get(f"/v1/institutions/{deqar}/qa-status?on=2021-06-01")).json()
        assert qa["quality_assured"] is True
        assert len(qa["reports"][0]["institution_ids"]) == 2


async def test_resubmitting_a_local_identifier_updates_the_report_and_keeps_history(
    clocked_registry: Registry, clock: OrderedClock
) -> None:
    registry = clocked_registry
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    url = "/submissionapi/v2/submit/report"
    first = await registry.http.post(
        url, json=report("AAA", "r1", "DEQARINST0001"), headers=registry.admin
    )
    between = clock.instant_between()
    second = await registry.http.post(
        url, json=report("AAA", "r1", "DEQARINST0001", decision="negative"), headers=registry.admin
    )
    assert second.json()["submitted_report_id"] == first.json()["submitted_report_id"]
    assert second.json()["version"] == 2
    qa_now = await registry.http.get("/v1/institutions/DEQARINST0001/qa-status?on=2021-01-01")
    qa_then = await registry.http.get(
        "/v1/institutions/DEQARINST0001/qa-status", params={"on": "2021-01-01", "as_of": between}
    )
    assert qa_now.json()["quality_assured"] is False
    assert qa_then.json()["quality_assured"] is True


async def test_withdrawal_leaves_answers_as_of_before_it_unchanged(
    clocked_registry: Registry, clock: OrderedClock
) -> None:
    registry = clocked_registry
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST0001", valid_to=None),
        headers=registry.admin,
    )
    before = clock.instant_between()
    report_id = r.json()["submitted_report_id"]
    r = await registry.http.delete(
        f"/submissionapi/v2/delete/report/{report_id}?withdrawn_on=2025-06-01",
        headers=registry.admin,
    )
    assert r.status_code == 200
    params = {"on": "2025-12-31"}
    now = await registry.http.get("/v1/institutions/DEQARINST0001/qa-status", params=params)
    then = await registry.http.get(
        "/v1/institutions/DEQARINST0001/qa-status", params={**params, "as_of": before}
    )
    assert (now.json()["quality_assured"], then.json()["quality_assured"]) == (False, True)


async def test_withdrawal_by_local_identifier_with_a_date_ends_qa_from_that_date(
    clocked_registry: Registry, clock: OrderedClock
) -> None:
    registry = clocked_registry
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    _, headers = await registry.submitted_report(
        aaa, "AAA", "AAA-2021-07", "DEQARINST0001", valid_to="2027-12-31"
    )
    url = "/v1/institutions/DEQARINST0001/qa-status"
    before = clock.instant_between()
    r = await registry.http.delete(
        "/submissionapi/v2/delete/report/AAA-2021-07?withdrawn_on=2024-03-01", headers=headers
    )
    assert r.status_code == 200, r.text
    assert (r.json()["withdrawn_on"], r.json()["local_identifier"]) == ("2024-03-01", "AAA-2021-07")
    answers = {
        on: (await registry.http.get(url, params={"on": on})).json()
        for on in ("2024-02-29", "2024-03-01", "2026-01-01")
    }
    assert answers["2024-02-29"]["quality_assured"] is True
    assert answers["2024-03-01"]["quality_assured"] is False
    assert list(answers["2024-03-01"]["not_counted"].values()) == ["withdrawn"]
    assert answers["2026-01-01"]["quality_assured"] is False
    # As the registry knew it before the withdrawal was recorded: covered.
    then = await registry.http.get(url, params={"on": "2026-01-01", "as_of": before})
    assert then.json()["quality_assured"] is True
    again = await registry.http.delete(
        "/submissionapi/v2/delete/report/AAA-2021-07", headers=headers
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_withdrawn_reports_stay_findable_and_local_identifier_filters(
    registry: Registry,
) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    gone, headers = await registry.submitted_report(aaa, "AAA", "gone", "DEQARINST0001")
    await registry.submitted_report(aaa, "AAA", "kept", "DEQARINST0001")
    r = await registry.http.delete(
        "/submissionapi/v2/delete/report/gone?withdrawn_on=2023-01-01", headers=headers
    )
    assert r.status_code == 200, r.text
    listed = (await registry.http.get("/v1/reports")).json()["results"]
    assert [x["local_identifier"] for x in listed] == ["kept"]
    found = (
        await registry.http.get(
            "/v1/reports", params={"local_identifier": "gone", "include_withdrawn": "true"}
        )
    ).json()["results"]
    assert [(x["id"], x["withdrawn_on"]) for x in found] == [(gone, "2023-01-01")]
    only_kept = await registry.http.get("/v1/reports", params={"local_identifier": "kept"})
    assert [x["local_identifier"] for x in only_kept.json()["results"]] == ["kept"]
    bad = await registry.http.delete(
        "/submissionapi/v2/delete/report/kept?withdrawn_on=2023-02-30", headers=headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "withdrawn_on"


async def test_agency_not_registered_on_the_date_does_not_assure(registry: Registry) -> None:
    await registry.agency("AAA", registered_from="2022-01-01")
    await registry.institution("DEQARINST0001")
    await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST0001"),
        headers=registry.admin,
    )
    qa = (await registry.http.get("/v1/institutions/DEQARINST0001/qa-status?on=2021-06-01")).json()
    assert qa["quality_assured"] is False
    assert list(qa["not_counted"].values()) == ["agency not EQAR-registered on the date"]


async def test_csv_submission_records_each_row(registry: Registry) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    await registry.institution("DEQARINST0002")
    csv_text = (
        "agency,local_identifier,activity,status,decision_id,valid_from,date_format,"
        "institution[1].deqar_id,institution[2].deqar_id,file[1].original_location,"
        "file[1].report_language[1],programme[1].name_primary\n"
        "AAA,c1,institutional audit,part of obligatory EQA system,1,15.1.2020,%-d.%-m.%Y,"
        "DEQARINST0001,DEQARINST0002,https://a.example/r.pdf,sv,\n"
        "AAA,c2,programme accreditation,voluntary,2,2020-01-01,%Y-%m-%d,DEQARINST0002,,,,"
        "Data science\n"
    )
    r = await registry.http.post(
        "/submissionapi/v2/submit/csv",
        content=csv_text,
        headers={**registry.admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert [row["submission_status"] for row in r.json()] == ["success", "success"]
    assert [row["index"] for row in r.json()] == [0, 1]


CSV_HEADER = (
    "agency,local_identifier,activity_type,status,decision,valid_from,institution[1].deqar_id\n"
)


def csv_row(local_id: str, *, agency: str = "AAA", decision: str = "positive") -> str:
    return (
        f"{agency},{local_id},institutional,part of obligatory EQA system,{decision},"
        "2020-01-01,DEQARINST0001\n"
    )


async def post_csv(
    registry: Registry, body: str | bytes | AsyncIterator[bytes], headers: dict[str, str]
) -> Response:
    return await registry.http.post(
        "/submissionapi/v2/submit/csv",
        content=body,
        headers={**headers, "Content-Type": "text/csv"},
    )


async def report_events(registry: Registry) -> int:
    async with registry.pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM outbox_log WHERE event ->> 'type' LIKE 'report.%'"
            )
        )


async def test_a_csv_with_one_rejected_row_saves_none_of_its_reports(registry: Registry) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    body = CSV_HEADER + csv_row("c1") + csv_row("c2", decision="maybe") + csv_row("c3")
    r = await post_csv(registry, body, registry.admin)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert [e["pointer"] for e in problem["errors"]] == ["/1/decision"]
    assert (problem["records"], problem["rejected_records"], problem["errors_total"]) == (3, 1, 1)
    assert "nothing was saved" in problem["detail"]
    assert (await registry.http.get("/v1/reports")).json()["results"] == []
    assert await report_events(registry) == 0
    fixed = await post_csv(registry, CSV_HEADER + csv_row("c1") + csv_row("c3"), registry.admin)
    assert fixed.status_code == 200, fixed.text
    assert len((await registry.http.get("/v1/reports")).json()["results"]) == 2


async def test_a_csv_naming_another_agency_in_any_row_is_refused_whole(registry: Registry) -> None:
    aaa = await registry.agency("AAA")
    await registry.agency("BBB")
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", aaa)
    r = await post_csv(registry, CSV_HEADER + csv_row("c1") + csv_row("c2", agency="BBB"), headers)
    assert r.status_code == 403, r.text
    assert (await registry.http.get("/v1/reports")).json()["results"] == []


async def test_a_csv_lists_the_first_hundred_errors_and_counts_the_rest(registry: Registry) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    rows = "".join(csv_row(f"c{n}", decision="maybe") for n in range(1000))
    r = await post_csv(registry, CSV_HEADER + csv_row("ok") + rows, registry.admin)
    assert r.status_code == 422
    problem = r.json()
    assert len(problem["errors"]) == 100
    assert problem["errors"][0]["pointer"] == "/1/decision"
    assert (problem["errors_total"], problem["errors_omitted"]) == (1000, 900)
    assert (await registry.http.get("/v1/reports")).json()["results"] == []


async def test_a_csv_over_the_record_limit_is_refused_whole(registry: Registry) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    limit = registry.app.state.registry.settings.csv_max_records
    registry.app.state.registry.settings.csv_max_records = 2
    try:
        r = await post_csv(
            registry, CSV_HEADER + "".join(csv_row(f"c{n}") for n in range(3)), registry.admin
        )
    finally:
        registry.app.state.registry.settings.csv_max_records = limit
    assert r.status_code == 422, r.text
    assert [(e["pointer"], e["code"]) for e in r.json()["errors"]] == [("/2", "too_many_records")]
    assert (await registry.http.get("/v1/reports")).json()["results"] == []


@pytest.mark.parametrize(
    "header",
    [
        b"agency,agency,local_identifier\n",
        b"agency,institution[1],institution[1].deqar_id\n",
        b"agency,institution[x].deqar_id\n",
        b"agency,\xff\xfe\n",
        b"\n\n",
        b",,\n",
        b'agency,"local\n',
    ],
)
async def test_a_malformed_csv_header_is_one_400_problem(registry: Registry, header: bytes) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    r = await post_csv(registry, header + csv_row("c1").encode(), registry.admin)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "header" in r.json()["detail"]


async def test_a_csv_written_by_a_spreadsheet_with_a_byte_order_mark_is_read(
    registry: Registry,
) -> None:
    await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    r = await post_csv(
        registry, b"\xef\xbb\xbf" + (CSV_HEADER + csv_row("c1")).encode(), registry.admin
    )
    assert r.status_code == 200, r.text


async def all_published(registry: Registry) -> None:
    """Until the relay has published every outbox row."""

    async def unpublished() -> int:
        async with registry.pool.acquire() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM outbox"))

    await eventually(unpublished, lambda n: n == 0, interval_s=0.05)


async def test_each_change_is_written_to_the_outbox_once_and_published(registry: Registry) -> None:
    aaa = await registry.agency("AAA")  # agency.registered
    await registry.institution("DEQARINST0001")  # institution.registered
    await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST0001"),
        headers=registry.admin,
    )  # report.recorded
    await all_published(registry)
    async with registry.pool.acquire() as conn:
        rows = await conn.fetch("SELECT topic, event FROM outbox_log ORDER BY seq")
    types = [r["event"]["type"] for r in rows]
    assert {r["topic"] for r in rows} == {"registry.events"}
    # Two admin/agency clients were created along the way: client.created each.
    assert types.count("agency.registered") == 1
    assert types.count("institution.registered") == 1
    assert types.count("report.recorded") == 1
    assert [r["event"]["subject"] for r in rows if r["event"]["type"] == "agency.registered"] == [
        aaa
    ]


async def test_each_change_reaches_registry_events_exactly_once(
    registry: Registry, kafka_bootstrap: str
) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    headers = await registry.token_for("agency", aaa)
    url = "/submissionapi/v2/submit/report"
    r = await registry.http.post(url, json=report("AAA", "r1", "DEQARINST0001"), headers=headers)
    await registry.http.post(
        url, json=report("AAA", "r1", "DEQARINST0001", decision="negative"), headers=headers
    )
    rid = r.json()["submitted_report_id"]
    await registry.http.delete(f"/submissionapi/v2/delete/report/{rid}", headers=headers)
    await all_published(registry)
    async with registry.pool.acquire() as conn:
        ids = {row["event_id"] for row in await conn.fetch("SELECT event_id FROM outbox_log")}
    seen = [
        dict(rec.headers).get("ce_id", b"").decode()
        for rec in await read_all(kafka_bootstrap, "registry.events")
    ]
    assert sorted(i for i in seen if i in ids) == sorted(ids)
    report_types = [
        dict(rec.headers)["ce_type"].decode()
        for rec in await read_all(kafka_bootstrap, "registry.events")
        if dict(rec.headers).get("ce_subject", b"").decode() == rid
    ]
    assert report_types == ["report.recorded", "report.updated", "report.withdrawn"]


async def test_reports_filter_by_agency_decision_and_valid_on(registry: Registry) -> None:
    await registry.agency("AAA")
    await registry.agency("BBB")
    await registry.institution("DEQARINST0001", country="FI")
    url = "/submissionapi/v2/submit/report"
    for agency, local, decision in (("AAA", "a1", "positive"), ("AAA", "a2", "negative")):
        body = report(agency, local, "DEQARINST0001", decision=decision)
        await registry.http.post(url, json=body, headers=registry.admin)
    await registry.http.post(url, json=report("BBB", "b1", "DEQARINST0001"), headers=registry.admin)
    r = await registry.http.get(
        "/v1/reports",
        params={"agency": "AAA", "decision": "positive", "valid_on": "2024-01-01", "country": "FI"},
    )
    assert [x["local_identifier"] for x in r.json()["results"]] == ["a1"]
    outside = await registry.http.get("/v1/reports", params={"valid_on": "2030-01-01"})
    assert outside.json()["results"] == []


async def test_ending_an_agencys_registration_ends_qa_from_that_date(registry: Registry) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    await registry.http.post(
        "/submissionapi/v2/submit/report",
        json=report("AAA", "r1", "DEQARINST0001"),
        headers=registry.admin,
    )
    before_change = datetime.now(UTC)
    r = await registry.http.put(
        f"/v1/agencies/{aaa}",
        json={
            "acronym": "AAA",
            "name": "Agency AAA",
            "eqar_registrations": [
                {"registered_from": "2005-01-01", "registered_to": "2022-12-31"}
            ],
        },
        headers=registry.admin,
    )
    assert r.status_code == 200, r.text
    qa = "/v1/institutions/DEQARINST0001/qa-status"
    last = (await registry.http.get(qa, params={"on": "2022-12-31"})).json()
    after = (await registry.http.get(qa, params={"on": "2023-01-01"})).json()
    assert (last["quality_assured"], after["quality_assured"]) == (True, False)
    # Asked as of before the change, the answer stays what the registry said then.
    then = await registry.http.get(
        qa, params={"on": "2023-01-01", "as_of": before_change.isoformat()}
    )
    assert then.json()["quality_assured"] is True


async def test_every_event_payload_keeps_to_its_shared_contract(
    registry: Registry, kafka_bootstrap: str
) -> None:
    """What the issuer and verifier project is what meriter_shared.events.registry says."""
    aaa = await registry.agency("AAA")
    own = await registry.institution("DEQARINST0001")
    rid, agency_headers = await registry.submitted_report(aaa, "AAA", "r1", "DEQARINST0001")
    await registry.http.delete(f"/submissionapi/v2/delete/report/{rid}", headers=agency_headers)
    inst_headers = await registry.token_for("institution", own)
    r = await registry.http.post(
        f"/v1/institutions/{own}/offerings", json=offering(), headers=inst_headers
    )
    assert r.status_code == 201, r.text
    ours = {aaa, own, rid, r.json()["id"]}

    async def our_events() -> list[CloudEvent]:
        records = await read_all(kafka_bootstrap, "registry.events")
        decoded = [decode(rec.value, rec.headers) for rec in records]
        return [e for e in decoded if e.subject in ours]

    events = await eventually(our_events, lambda es: len(es) >= 5)
    types = sorted(e.type for e in events)
    assert types == sorted(
        [
            "agency.registered",
            "institution.registered",
            "report.recorded",
            "report.withdrawn",
            "offering.published",
        ]
    )
    for e in events:
        state = registry_events.PAYLOADS[e.type].model_validate(e.data)
        if isinstance(state, registry_events.ReportState) and e.type == "report.withdrawn":
            assert state.withdrawn_at is not None
            assert state.institution_ids == [own]
        if isinstance(state, registry_events.AgencyState):
            assert [p.registered_from.isoformat() for p in state.eqar_registrations] == [
                "2005-01-01"
            ]


async def test_a_high_flag_takes_a_report_out_of_qa_while_it_is_up(
    clocked_registry: Registry, clock: OrderedClock
) -> None:
    registry = clocked_registry
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    rid, _ = await registry.submitted_report(aaa, "AAA", "r1", "DEQARINST0001")
    qa = "/v1/institutions/DEQARINST0001/qa-status"

    async def assured(**params: str) -> bool:
        answer = await registry.http.get(qa, params={"on": "2021-06-01", **params})
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["quality_assured"])

    low = await registry.http.post(
        f"/v1/reports/{rid}/flags",
        json={"level": "low", "reason": "ESG 2.6 summary missing"},
        headers=registry.admin,
    )
    assert low.status_code == 201, low.text
    assert await assured() is True  # a low flag is a remark, not a verdict
    before_flag = clock.instant_between()
    high = await registry.http.post(
        f"/v1/reports/{rid}/flags",
        json={"level": "high", "reason": "agency not registered for this activity"},
        headers=registry.admin,
    )
    assert high.status_code == 201, high.text
    assert await assured() is False
    assert await assured(as_of=before_flag) is True  # the past stays as it was
    flag_url = f"/v1/reports/{rid}/flags/{high.json()['id']}"
    lifted = await registry.http.delete(flag_url, headers=registry.admin)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted_at"] is not None
    assert await assured() is True
    again = await registry.http.delete(flag_url, headers=registry.admin)
    assert again.status_code == 404


async def test_only_the_national_body_flags_reports(registry: Registry) -> None:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    rid, agency_headers = await registry.submitted_report(aaa, "AAA", "r1", "DEQARINST0001")
    body = {"level": "high", "reason": "x"}
    assert (await registry.http.post(f"/v1/reports/{rid}/flags", json=body)).status_code == 401
    own = await registry.http.post(f"/v1/reports/{rid}/flags", json=body, headers=agency_headers)
    assert own.status_code == 403
    bad = await registry.http.post(
        f"/v1/reports/{rid}/flags", json={"level": "severe"}, headers=registry.admin
    )
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} >= {"/level", "/reason"}
    missing = await registry.http.post(
        "/v1/reports/no-such-report/flags", json=body, headers=registry.admin
    )
    assert missing.status_code == 404


async def test_a_submission_that_is_not_json_is_a_400_problem(registry: Registry) -> None:
    r = await registry.http.post(
        "/submissionapi/v2/submit/report",
        content=b"agency=AAA",
        headers={**registry.admin, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "the body is not JSON"


async def test_a_csv_whose_body_stalls_is_ended_with_a_408_and_saves_nothing(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    settings = registry_settings(fresh_db, kafka_bootstrap, csv_idle_timeout_s=0.2)
    async with running_registry(settings) as registry:
        await registry.agency("AAA")
        await registry.institution("DEQARINST0001")

        async def stalling() -> AsyncIterator[bytes]:
            yield (CSV_HEADER + csv_row("c1")).encode()
            await asyncio.sleep(2)
            yield csv_row("c2").encode()

        r = await post_csv(registry, stalling(), registry.admin)
        assert r.status_code == 408, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (await registry.http.get("/v1/reports")).json()["results"] == []


async def test_csv_submissions_beyond_the_process_limit_are_a_503_with_retry_after(
    fresh_db: str, kafka_bootstrap: str
) -> None:
    settings = registry_settings(fresh_db, kafka_bootstrap, csv_concurrent_submissions=1)
    async with running_registry(settings) as registry:
        await registry.agency("AAA")
        await registry.institution("DEQARINST0001")
        go_on = asyncio.Event()

        async def waiting() -> AsyncIterator[bytes]:
            yield (CSV_HEADER + csv_row("c1")).encode()
            await go_on.wait()

        first = asyncio.create_task(post_csv(registry, waiting(), registry.admin))
        slots = registry.app.state.registry.csv_slots
        await eventually(lambda: _locked(slots), lambda locked: locked, timeout_s=5)
        second = await post_csv(registry, CSV_HEADER + csv_row("c2"), registry.admin)
        assert second.status_code == 503, second.text
        assert second.headers["retry-after"] == "5"
        go_on.set()
        assert (await first).status_code == 200
        third = await post_csv(registry, CSV_HEADER + csv_row("c3"), registry.admin)
        assert third.status_code == 200, third.text


async def _locked(slots: asyncio.Semaphore) -> bool:
    return slots.locked()
