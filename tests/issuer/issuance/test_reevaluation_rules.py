"""Re-evaluation rules (Postgres alone): nothing rejected for a fixable reason stays
rejected — a result whose offering's registry data could not make a credential is
decided again when the registry's data changes, when the institution asks, or when it
posts the same result again — and a held result says it waits, and for what."""

from __future__ import annotations

import json

import pytest
from issuer.rules_support import Issuer, Outbox, of_type, result

from meriter_issuer.corrections import service as corrections
from meriter_shared.errors import Conflict, NotFound


async def rejected_for_its_offering(issuer: Issuer) -> str:
    """inst-a's offering names an assessment type no credential can carry; R-1 is
    posted for it and decided: rejected for the offering's data."""
    inst = await issuer.institution("inst-a")
    await issuer.publish("off-inst-a", inst, 2, assessment_type="oral-exam")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.decide(inst, "R-1")
    return inst


async def test_a_result_the_offerings_data_cannot_make_a_credential_is_rejected_as_fixable(
    issuer: Issuer,
) -> None:
    inst = await rejected_for_its_offering(issuer)
    found = await issuer.result(inst, "R-1")
    assert (found.state, found.reason_kind) == ("rejected", "offering")
    assert found.reason is not None
    assert found.reason.startswith("the offering's data cannot make a credential")
    assert found.next_step is not None
    assert "decides this result again by itself" in found.next_step
    assert "POST /v1/results/R-1/retry" in found.next_step


async def test_fixing_the_offering_in_the_registry_issues_the_rejected_result(
    issuer: Issuer,
) -> None:
    inst = await rejected_for_its_offering(issuer)
    outbox = await Outbox(issuer.conn).start()
    await issuer.publish("off-inst-a", inst, 3)  # the assessment type corrected
    released = of_type(await outbox.since(), "result.released")
    assert [e.data["result_id"] for e in released] == ["R-1"]
    await issuer.decide(inst, "R-1")
    found = await issuer.result(inst, "R-1")
    assert (found.state, found.reason, found.reason_kind) == ("issued", None, None)


async def test_a_registry_change_that_fixes_nothing_does_not_announce_the_rejection_again(
    issuer: Issuer,
) -> None:
    inst = await rejected_for_its_offering(issuer)
    outbox = await Outbox(issuer.conn).start()
    await issuer.assure(inst, issuer.clock().date().replace(year=2025))  # unrelated change
    assert [e.data["result_id"] for e in of_type(await outbox.since(), "result.released")] == [
        "R-1"
    ]
    await issuer.decide(inst, "R-1")
    assert await outbox.since() == []
    assert (await issuer.result(inst, "R-1")).state == "rejected"


async def test_the_institution_retries_a_result_rejected_for_its_offering(issuer: Issuer) -> None:
    inst = await rejected_for_its_offering(issuer)
    await issuer.conn.execute(  # fixed in the registry, the change not arrived yet
        "UPDATE registry_offerings SET state = jsonb_set(state, '{assessment_type}', "
        "'\"written-examination\"')"
    )
    outbox = await Outbox(issuer.conn).start()
    retried = await corrections.retry(issuer.conn, inst, "R-1")
    assert (retried.state, retried.reason) == ("accepted", None)
    assert [(e.type, e.data["result_id"]) for e in await outbox.since()] == [
        ("result.released", "R-1")
    ]
    await issuer.decide(inst, "R-1")
    assert (await issuer.result(inst, "R-1")).state == "issued"


async def test_posting_the_same_rejected_result_again_decides_it_again(issuer: Issuer) -> None:
    inst = await rejected_for_its_offering(issuer)
    outbox = await Outbox(issuer.conn).start()
    again = await issuer.post(inst, result("R-1", "off-inst-a"))
    assert [(v.outcome, v.rejection) for v in again.records] == [("accepted", None)]
    assert [e.type for e in await outbox.since()] == ["result.released"]
    assert (await issuer.result(inst, "R-1")).state == "accepted"


async def test_a_result_released_from_held_and_then_rejected_can_still_be_retried(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.publish("off-inst-a", inst, 2, assessment_type="oral-exam")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.decide(inst, "R-1")
    assert (await issuer.result(inst, "R-1")).state == "held"
    await issuer.assure(inst, issuer.clock().date().replace(year=2025))  # released
    await issuer.decide(inst, "R-1")
    rejected = await issuer.result(inst, "R-1")
    assert (rejected.state, rejected.reason_kind) == ("rejected", "offering")
    await issuer.publish("off-inst-a", inst, 3)
    await issuer.decide(inst, "R-1")
    assert (await issuer.result(inst, "R-1")).state == "issued"


async def test_a_result_rejected_as_erased_is_neither_retried_nor_reposted(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.conn.execute("UPDATE results SET learner = NULL")
    await issuer.decide(inst, "R-1")
    with pytest.raises(Conflict, match="learner's data was erased"):
        await corrections.retry(issuer.conn, inst, "R-1")
    (again,) = (await issuer.post(inst, result("R-1", "off-inst-a"))).records
    assert again.outcome == "rejected"
    assert again.rejection is not None
    assert again.rejection.status == 409
    assert "will not be issued" in again.rejection.detail


@pytest.mark.parametrize("state", ["accepted", "held", "issued"])
async def test_only_a_result_rejected_for_a_fixable_reason_is_retried(
    issuer: Issuer, state: str
) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.post(inst, result("R-1", "off-inst-a"))
    if state != "accepted":
        await issuer.decide(inst, "R-1")
    if state == "issued":
        await issuer.assure(inst, issuer.clock().date().replace(year=2025))
        await issuer.decide(inst, "R-1")
    assert (await issuer.result(inst, "R-1")).state == state
    with pytest.raises(Conflict, match="cannot be retried") as refused:
        await corrections.retry(issuer.conn, inst, "R-1")
    assert refused.value.extensions["state"] == state


async def test_an_institution_retries_only_its_own_results(issuer: Issuer) -> None:
    await rejected_for_its_offering(issuer)
    await issuer.institution("inst-b")
    with pytest.raises(NotFound):
        await corrections.retry(issuer.conn, "inst-b", "R-1")


async def test_a_held_result_says_it_is_released_by_itself_and_what_it_waits_for(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.decide(inst, "R-1")
    held = await issuer.result(inst, "R-1")
    assert held.reason_kind == "quality-assurance"
    assert held.next_step is not None
    assert held.next_step.startswith(
        "nothing to do: the issuer releases this result by itself when the registry's "
        "answer allows it"
    )
    assert "a quality assurance report in the registry that covers the date" in held.next_step


async def test_the_credential_carries_the_assessment_date(issuer: Issuer) -> None:
    found = await issuer.issued(await issuer.institution("inst-a"), "R-1")
    document = json.loads(
        await issuer.conn.fetchval(
            "SELECT document FROM credentials WHERE credential_id = $1", found.credential_id
        )
    )
    assert document["credentialSubject"]["activityEndDate"] == "2026-06-01T00:00:00Z"
