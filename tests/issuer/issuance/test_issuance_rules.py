"""Issuance rules (Postgres alone): a result is issued when its institution is quality
assured on the date of issuing, held (with the reasons) when it is not, and released
to be decided again when a registry change may make it so — once, whatever happens."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from issuer.rules_support import NOW, Issuer, Outbox, of_type, offering, result

from meriter_shared.events.registry import OfferingPublished


async def test_a_result_of_an_institution_quality_assured_on_the_date_is_issued(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    outbox = await Outbox(issuer.conn).start()
    await issuer.decide(inst, "R-1")
    found = await issuer.result(inst, "R-1")
    assert (found.state, found.reason) == ("issued", None)
    # The institution's first credential makes its identity (announced) on the way.
    identity, announced = await outbox.since()
    assert (identity.type, announced.type) == ("issuer.identity_changed", "credential.issued")
    assert announced.data["credential_id"] == found.credential_id
    assert announced.data["delivery"]["claim_url"].startswith("https://credentials.example.se/")
    document = json.loads(
        await issuer.conn.fetchval(
            "SELECT document FROM credentials WHERE credential_id = $1", found.credential_id
        )
    )
    assert document["issuer"]["id"] == "did:web:credentials.example.se:issuers:inst-a"
    (proof,) = document["proof"]
    assert proof["verificationMethod"].startswith(document["issuer"]["id"] + "#")
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    assert document["validFrom"].startswith(NOW.date().isoformat())


async def test_a_result_with_a_date_of_issuing_is_issued_as_of_that_date(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(
        inst, result("R-1", "off-inst-a", assessed_on="2026-05-25", issued_on="2026-05-29")
    )
    await issuer.decide(inst, "R-1")
    issued_at = await issuer.conn.fetchval("SELECT issued_at FROM credentials")
    assert issued_at == datetime(2026, 5, 29, tzinfo=UTC)


async def test_without_quality_assurance_on_the_date_a_result_is_held_with_the_reason(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.post(inst, result("R-1", "off-inst-a"))
    outbox = await Outbox(issuer.conn).start()
    await issuer.decide(inst, "R-1")
    held = await issuer.result(inst, "R-1")
    assert held.state == "held"
    assert held.reason == (
        f"not quality assured on {NOW.date().isoformat()}: no quality assurance report covers it"
    )
    assert [(e.type, e.data["reason"]) for e in await outbox.since()] == [
        ("result.held", held.reason)
    ]
    assert await issuer.conn.fetchval("SELECT count(*) FROM credentials") == 0


async def test_the_date_that_counts_is_the_date_of_issuing_not_today(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=date(2024, 1, 1))
    await issuer.post(
        inst, result("R-1", "off-inst-a", assessed_on="2023-11-20", issued_on="2023-12-01")
    )
    await issuer.decide(inst, "R-1")
    held = await issuer.result(inst, "R-1")
    assert held.state == "held"
    assert held.reason is not None
    assert held.reason.startswith("not quality assured on 2023-12-01")


async def test_a_held_result_is_told_once_however_often_it_is_decided_again(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.decide(inst, "R-1")
    outbox = await Outbox(issuer.conn).start()
    await issuer.decide(inst, "R-1")
    assert await outbox.since() == []
    assert (await issuer.result(inst, "R-1")).state == "held"


async def test_a_report_that_makes_the_institution_quality_assured_releases_its_held_results(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.post(inst, result("R-1", "off-inst-a"), result("R-2", "off-inst-a"))
    await issuer.decide(inst, "R-1", "R-2")
    outbox = await Outbox(issuer.conn).start()
    await issuer.assure(inst, date(2025, 1, 1))
    released = of_type(await outbox.since(), "result.released")
    assert sorted(e.data["result_id"] for e in released) == ["R-1", "R-2"]
    # The worker decides what was released: now they are issued.
    await issuer.decide(inst, *(e.data["result_id"] for e in released))
    assert {(await issuer.result(inst, r)).state for r in ("R-1", "R-2")} == {"issued"}


async def test_a_registry_change_releases_only_that_institutions_held_results(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a", quality_assured_from=None)
    await issuer.institution("inst-b", quality_assured_from=None)
    for inst in ("inst-a", "inst-b"):
        await issuer.post(inst, result("R-1", f"off-{inst}"))
        await issuer.decide(inst, "R-1")
    outbox = await Outbox(issuer.conn).start()
    await issuer.assure("inst-b", date(2025, 1, 1))
    released = of_type(await outbox.since(), "result.released")
    assert [e.data["institution_id"] for e in released] == ["inst-b"]


async def test_a_result_whose_offering_the_registry_does_not_know_yet_is_held(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.conn.execute("DELETE FROM registry_offerings")  # as if not arrived yet
    await issuer.decide(inst, "R-1")
    held = await issuer.result(inst, "R-1")
    assert (held.state, held.reason) == (
        "held",
        "offering off-inst-a is not known in the registry (yet)",
    )


async def test_a_result_whose_offering_now_belongs_to_another_institution_is_rejected(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    moved = offering("off-inst-a", "inst-b", version=2)
    await issuer.registry_says(OfferingPublished.model_validate(moved))
    outbox = await Outbox(issuer.conn).start()
    await issuer.decide(inst, "R-1")
    rejected = await issuer.result(inst, "R-1")
    assert (rejected.state, rejected.reason) == (
        "rejected",
        "offering off-inst-a belongs to another institution",
    )
    assert await outbox.types() == ["result.rejected"]


async def test_a_result_whose_learner_was_erased_before_it_was_decided_is_rejected(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    # Erasure committed between intake and this batch (it rejects open results itself;
    # issuance holds to the same rule whatever the order of the two transactions).
    await issuer.conn.execute("UPDATE results SET learner = NULL")
    await issuer.decide(inst, "R-1")
    rejected = await issuer.result(inst, "R-1")
    assert (rejected.state, rejected.reason) == ("rejected", "erased")


async def test_a_result_is_issued_once_however_often_it_is_decided(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.decide(inst, "R-1")
    outbox = await Outbox(issuer.conn).start()
    await issuer.decide(inst, "R-1", "R-1")
    assert await outbox.since() == []
    assert await issuer.conn.fetchval("SELECT count(*) FROM credentials") == 1
