"""Erasure rules (Postgres alone): an institution erases what the issuer holds about one
of its own learners in one transaction; open results are rejected as erased, the
credentials stay verifiable and their status changeable."""

from __future__ import annotations

import pytest
from issuer.rules_support import Issuer, Outbox, institution_client, of_type, result

from meriter_issuer.credentials import service as credentials
from meriter_issuer.erasure import service as erasure
from meriter_issuer.erasure.schemas import ErasureOut
from meriter_shared.errors import NotFound


async def erase(issuer: Issuer, institution_id: str, result_id: str) -> ErasureOut:
    """Erase the learner of ``result_id`` (the rules tier's results name their learner)."""
    key = issuer.components.learner_ref_key
    return await erasure.erase(issuer.conn, key, institution_id, f"learner-of-{result_id}")


async def test_an_erasure_removes_the_learners_data_and_rejects_their_open_results(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    issued = await issuer.issued("inst-a", "R-1")
    # A second result of the same learner, still open.
    await issuer.post("inst-a", result("R-2", "off-inst-a", learner=result("R-1", "x")["learner"]))
    outbox = await Outbox(issuer.conn).start()
    out = await erase(issuer, "inst-a", "R-1")
    assert (out.results, out.rejected, out.credentials, out.claims) == (2, 1, 1, 1)
    assert out.credential_ids == [issued.credential_id]
    events = await outbox.since()
    assert [e.type for e in events] == ["result.rejected", "learner.erased"]
    assert events[0].data == {"institution_id": "inst-a", "result_id": "R-2", "reason": "erased"}
    assert "learner-of" not in events[1].model_dump_json()  # only the keyed reference
    rejected = await issuer.result("inst-a", "R-2")
    assert (rejected.state, rejected.reason) == ("rejected", "erased")
    assert (await issuer.result("inst-a", "R-1")).state == "issued"
    assert await issuer.conn.fetchval("SELECT count(*) FROM results WHERE learner IS NOT NULL") == 0
    assert issued.credential_id is not None
    with pytest.raises(NotFound):  # the stored copy is gone
        await credentials.signed_document(issuer.conn, "inst-a", issued.credential_id)


async def test_an_erased_learners_credential_keeps_a_changeable_status(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    credential_id = (await issuer.issued("inst-a", "R-1")).credential_id
    assert credential_id is not None
    await erase(issuer, "inst-a", "R-1")
    parts = issuer.components
    out = await parts.status_lists.change(
        issuer.conn,
        institution_client("inst-a"),
        credential_id,
        "revocation",
        True,
        "erased on request",
        parts.identities,
        issuer.signer,
        issuer.clock(),
    )
    assert out["status"] == "revoked"


async def test_an_erasure_touches_only_the_institutions_own_learner(issuer: Issuer) -> None:
    await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    # The same identifier at two institutions: two learners, two references.
    await issuer.post("inst-b", result("R-1", "off-inst-b"))
    out = await erase(issuer, "inst-a", "R-1")
    assert (out.results, out.rejected, out.credentials, out.claims) == (0, 0, 0, 0)
    theirs = await issuer.result("inst-b", "R-1")
    assert theirs.state == "accepted"
    assert await issuer.conn.fetchval("SELECT count(*) FROM results WHERE learner IS NULL") == 0


async def test_an_erasure_of_a_learner_already_erased_erases_nothing_more(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    await issuer.issued("inst-a", "R-1")
    await erase(issuer, "inst-a", "R-1")
    outbox = await Outbox(issuer.conn).start()
    again = await erase(issuer, "inst-a", "R-1")
    assert (again.rejected, again.credentials, again.claims) == (0, 0, 0)
    assert of_type(await outbox.since(), "result.rejected") == []


async def test_a_result_rejected_for_a_fixable_reason_is_rejected_as_erased_for_good(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.publish("off-inst-a", inst, 2, assessment_type="oral-exam")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await issuer.decide(inst, "R-1")
    assert (await issuer.result(inst, "R-1")).reason_kind == "offering"
    out = await erase(issuer, inst, "R-1")
    assert out.rejected == 1
    erased = await issuer.result(inst, "R-1")
    assert (erased.state, erased.reason, erased.reason_kind) == ("rejected", "erased", "erased")
    # A registry change no longer decides it again.
    outbox = await Outbox(issuer.conn).start()
    await issuer.publish("off-inst-a", inst, 3)
    assert of_type(await outbox.since(), "result.released") == []
