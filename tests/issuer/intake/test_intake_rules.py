"""Intake rules (Postgres alone): what an institution posts is accepted, a duplicate, a
conflict or rejected — each record on its own — and only for its own offerings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from issuer.rules_support import ADMIN, Issuer, Outbox, agency_client, institution_client, result

from meriter_issuer.intake import service as intake
from meriter_shared.errors import Forbidden


def fields(verdict: intake.Verdict) -> list[str]:
    assert verdict.rejection is not None
    return [e["field"] for e in verdict.rejection.errors]


async def test_a_valid_result_of_its_own_offering_is_accepted_and_announced_once(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    outbox = await Outbox(issuer.conn).start()
    verdicts = await issuer.post(inst, result("R-1", "off-inst-a"))
    assert [(v.outcome, v.result_id) for v in verdicts.records] == [("accepted", "R-1")]
    assert verdicts.counts == {"accepted": 1, "duplicate": 0, "conflict": 0, "rejected": 0}
    events = await outbox.since()
    assert [(e.type, e.data["result_id"]) for e in events] == [("result.registered", "R-1")]
    assert (await issuer.result(inst, "R-1")).state == "accepted"


async def test_invalid_records_are_rejected_with_every_field_while_valid_ones_are_accepted(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    bad = result("R-2", "off-inst-a", assessed_on="yesterday", grade="")
    del bad["learner"]["email"]
    verdicts = await issuer.post(inst, result("R-1", "off-inst-a"), bad, ["not", "an object"])
    assert [v.outcome for v in verdicts.records] == ["accepted", "rejected", "rejected"]
    assert sorted(fields(verdicts.records[1])) == ["assessed_on", "grade", "learner.email"]
    third = verdicts.records[2].rejection
    assert third is not None
    assert third.detail == "a result must be a JSON object"


async def test_a_record_that_is_not_json_is_rejected_with_the_readers_reason(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    parsed = [intake.unreadable(0, "line 1 is not JSON")]
    verdicts = await intake.accept(issuer.conn, inst, parsed, b"k" * 32, issuer.clock())
    (only,) = verdicts.records
    assert only.outcome == "rejected"
    assert only.rejection == intake.Rejection("line 1 is not JSON")


async def test_the_same_result_with_the_same_content_is_a_duplicate_and_changes_nothing(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    first = result("R-1", "off-inst-a")
    in_one = await issuer.post(inst, first, first)
    assert [v.outcome for v in in_one.records] == ["accepted", "duplicate"]
    outbox = await Outbox(issuer.conn).start()
    again = await issuer.post(inst, first)
    assert [v.outcome for v in again.records] == ["duplicate"]
    assert await outbox.since() == []


async def test_the_same_result_id_with_other_content_is_a_conflict_that_says_to_put_it(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    first, other = result("R-1", "off-inst-a"), result("R-1", "off-inst-a", grade="B")
    in_one = await issuer.post(inst, first, other)
    assert [v.outcome for v in in_one.records] == ["accepted", "conflict"]
    later = await issuer.post(inst, other)
    assert [v.outcome for v in later.records] == ["conflict"]
    for verdict in (in_one.records[1], later.records[0]):
        problem = verdict.rejection
        assert problem is not None
        assert problem.status == 409
        assert "PUT the new content to /v1/results/R-1" in problem.detail
        assert problem.extensions == {"correct_with": {"method": "PUT", "url": "/v1/results/R-1"}}
    stored = await issuer.conn.fetchval("SELECT grade FROM results WHERE result_id = 'R-1'")
    assert stored == "A"


async def test_a_rejected_record_echoes_the_result_id_it_named(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    bad = result("R-2", "off-inst-a", grade="")
    verdicts = await issuer.post(inst, bad, result("R-3", "off-nowhere"), {"grade": "A"})
    assert [(v.outcome, v.result_id) for v in verdicts.records] == [
        ("rejected", "R-2"),
        ("rejected", "R-3"),
        ("rejected", None),
    ]


@pytest.mark.parametrize("written", ["01/12/2026", "2026-6-1", "2026-06-01T00:00:00", 20260601])
async def test_a_date_not_written_yyyy_mm_dd_is_refused_naming_the_format(
    issuer: Issuer, written: object
) -> None:
    inst = await issuer.institution("inst-a")
    verdicts = await issuer.post(inst, result("R-1", "off-inst-a", assessed_on=written))
    (only,) = verdicts.records
    assert only.rejection is not None
    (error,) = only.rejection.errors
    assert error["field"] == "assessed_on"
    assert error["message"].startswith("expected an ISO 8601 date, YYYY-MM-DD")


async def test_a_date_that_is_no_day_of_the_calendar_is_refused_naming_the_format(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    verdicts = await issuer.post(inst, result("R-1", "off-inst-a", issued_on="2026-02-30"))
    (error,) = verdicts.records[0].rejection.errors  # type: ignore[union-attr]
    assert (error["field"], error["code"]) == ("issued_on", "date_value")
    assert error["message"].startswith("expected an ISO 8601 date, YYYY-MM-DD")


async def test_an_assessment_in_the_future_is_refused(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    issuer.clock.advance(timedelta(hours=1))  # 2026-06-03, 10:30 UTC
    verdicts = await issuer.post(
        inst,
        result("R-1", "off-inst-a", assessed_on="2026-06-05"),
        # already the 4th at UTC+14 (Kiribati): not in the future everywhere
        result("R-2", "off-inst-a", assessed_on="2026-06-04"),
    )
    assert [v.outcome for v in verdicts.records] == ["rejected", "accepted"]
    (error,) = verdicts.records[0].rejection.errors  # type: ignore[union-attr]
    assert (error["field"], error["code"]) == ("assessed_on", "date_in_future")
    assert error["message"] == (
        "expected an ISO 8601 date, YYYY-MM-DD, not in the future (on or before 2026-06-03)"
    )
    assert await issuer.conn.fetchval("SELECT count(*) FROM results") == 1


async def test_a_date_of_issuing_before_the_assessment_is_refused(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    verdicts = await issuer.post(inst, result("R-1", "off-inst-a", issued_on="2026-05-30"))
    (error,) = verdicts.records[0].rejection.errors  # type: ignore[union-attr]
    assert (error["field"], error["code"]) == ("issued_on", "date_before_assessment")


async def test_a_deactivated_institution_posts_no_results(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.deactivate(inst)
    with pytest.raises(Forbidden, match="institution inst-a is deactivated"):
        await issuer.post(inst, result("R-1", "off-inst-a"))
    assert await issuer.conn.fetchval("SELECT count(*) FROM results") == 0


async def test_an_offering_of_another_institution_or_none_is_rejected_per_record(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    verdicts = await issuer.post(
        inst, result("R-1", "off-inst-b"), result("R-2", "off-nowhere"), result("R-3", "off-inst-a")
    )
    assert [v.outcome for v in verdicts.records] == ["rejected", "rejected", "accepted"]
    theirs, unknown = (v.rejection for v in verdicts.records[:2])
    assert theirs is not None
    assert unknown is not None
    assert theirs.errors[0]["code"] == unknown.errors[0]["code"] == "unknown_offering"
    assert theirs.errors[0]["message"] == "this offering is another institution's"
    assert unknown.errors[0]["message"].startswith("no such offering in the registry")


async def test_only_an_institutions_own_client_acts_for_an_institution() -> None:
    assert intake.institution_of(institution_client("inst-a")) == "inst-a"
    for refused in (ADMIN, agency_client("ag-1")):
        with pytest.raises(Forbidden):
            intake.institution_of(refused)


async def test_an_institution_reads_only_its_own_results(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    await issuer.post("inst-a", result("R-1", "off-inst-a"))
    await issuer.post("inst-b", result("R-1", "off-inst-b", grade="C"))
    page = await intake.results(issuer.conn, "inst-b", None, None, 10)
    assert [(r.result_id, r.offering_id) for r in page.items] == [("R-1", "off-inst-b")]
    summary = await intake.summary(issuer.conn, "inst-a")
    assert (summary.accepted, summary.held, summary.issued, summary.rejected) == (1, 0, 0, 0)


async def test_results_page_on_with_a_cursor_and_filter_by_state(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, *(result(f"R-{n}", "off-inst-a") for n in range(5)))
    first = await intake.results(issuer.conn, inst, None, None, 3)
    assert first.next_cursor is not None
    rest = await intake.results(issuer.conn, inst, None, first.next_cursor, 3)
    assert [r.result_id for r in first.items + rest.items] == [f"R-{n}" for n in range(5)]
    assert rest.next_cursor is None
    assert (await intake.results(issuer.conn, inst, "issued", None, 10)).items == []


async def test_the_learner_is_found_again_by_a_keyed_reference_of_each_institution() -> None:
    key = b"k" * 32
    same = intake.learner_ref(key, "inst-a", "199001011234")
    assert same == intake.learner_ref(key, "inst-a", "199001011234")
    assert same != intake.learner_ref(key, "inst-b", "199001011234")
    assert same != intake.learner_ref(b"j" * 32, "inst-a", "199001011234")
