"""Correction rules (Postgres alone): a PUT with new content supersedes the result — its
credential is revoked as superseded and a new one, linked to it, is issued and announced
once — the same content changes nothing, and the history is kept."""

from __future__ import annotations

from typing import Any

import pytest
from issuer.rules_support import Issuer, Outbox, of_type, result

from meriter_credentials.statuslist import BitstringStatusList
from meriter_issuer.corrections import service as corrections
from meriter_issuer.intake.schemas import ResultIn
from meriter_shared.errors import Conflict, Forbidden, NotFound, ValidationProblem


async def put(issuer: Issuer, institution_id: str, body: dict[str, Any]) -> corrections.Corrected:
    return await corrections.correct(
        issuer.conn,
        institution_id,
        body["result_id"],
        ResultIn.model_validate(body),
        issuer.components.learner_ref_key,
        issuer.clock(),
    )


async def credential(issuer: Issuer, credential_id: str | None) -> Any:
    return await issuer.conn.fetchrow(
        "SELECT revoked, status_reason, supersedes, superseded_by, revision, generation, "
        "status_index FROM credentials WHERE credential_id = $1",
        credential_id,
    )


async def test_the_same_content_changes_nothing(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    before = await issuer.issued(inst, "R-1")
    outbox = await Outbox(issuer.conn).start()
    done = await put(issuer, inst, result("R-1", "off-inst-a"))
    assert not done.changed
    assert (done.result.state, done.result.revision, done.result.history) == ("issued", 1, [])
    assert done.result.credential_id == before.credential_id
    assert await outbox.since() == []


async def test_a_corrected_grade_supersedes_the_credential_and_is_announced_once(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    old = (await issuer.issued(inst, "R-1")).credential_id
    outbox = await Outbox(issuer.conn).start()
    done = await put(issuer, inst, result("R-1", "off-inst-a", grade="B"))
    assert done.changed
    assert (done.result.state, done.result.revision) == ("accepted", 2)
    assert [e.type for e in await outbox.since()] == ["result.registered"]

    await issuer.decide(inst, "R-1")
    now = await issuer.result(inst, "R-1")
    assert now.state == "issued"
    assert now.credential_id not in (None, old)
    events = await outbox.since()
    assert sorted(e.type for e in events) == ["credential.issued", "credential.revoked"]
    (revoked,) = of_type(events, "credential.revoked")
    assert (revoked.data["credential_id"], revoked.data["reason"]) == (old, "superseded")
    (issued,) = of_type(events, "credential.issued")
    assert issued.data["credential_id"] == now.credential_id
    assert issued.data["delivery"]["claim_url"].startswith("https://credentials.example.se/")

    before, after = await credential(issuer, old), await credential(issuer, now.credential_id)
    assert (before["revoked"], before["status_reason"]) == (True, "superseded")
    assert (before["superseded_by"], after["supersedes"]) == (now.credential_id, old)
    assert (after["revoked"], after["revision"]) == (False, 2)


async def test_the_superseded_credential_is_revoked_in_its_signed_status_list(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    old = (await issuer.issued(inst, "R-1")).credential_id
    await put(issuer, inst, result("R-1", "off-inst-a", grade="B"))
    await issuer.decide(inst, "R-1")
    row = await credential(issuer, old)
    list_id = issuer.components.status_lists.list_id(inst, row["generation"], "revocation")
    document, _ = await issuer.components.status_lists.published(issuer.conn, list_id)
    encoded = document["credentialSubject"]["encodedList"]
    assert BitstringStatusList.decode(encoded).get(row["status_index"]) == 1


async def test_the_history_names_each_revision_its_changes_and_credential(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    first = (await issuer.issued(inst, "R-1")).credential_id
    corrected = result("R-1", "off-inst-a", grade="B")
    corrected["learner"] = {**corrected["learner"], "name": "Åsa Öberg-Lind"}
    await put(issuer, inst, corrected)
    await issuer.decide(inst, "R-1")
    shown = await issuer.result(inst, "R-1")
    assert shown.revision == 2
    ((revision, changed, credential_id),) = [
        (h.revision, h.changed, h.credential_id) for h in shown.history
    ]
    assert (revision, changed, credential_id) == (1, ["grade", "learner.name"], first)


async def test_a_correction_put_twice_is_applied_once(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.issued(inst, "R-1")
    corrected = result("R-1", "off-inst-a", grade="B")
    assert (await put(issuer, inst, corrected)).changed
    outbox = await Outbox(issuer.conn).start()
    again = await put(issuer, inst, corrected)
    assert (again.changed, again.result.revision) == (False, 2)
    assert await outbox.since() == []
    await issuer.decide(inst, "R-1")
    await issuer.decide(inst, "R-1")
    assert await issuer.conn.fetchval("SELECT count(*) FROM credentials") == 2


async def test_a_correction_before_issuing_issues_one_credential_with_the_new_content(
    issuer: Issuer,
) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.post(inst, result("R-1", "off-inst-a"))
    await put(issuer, inst, result("R-1", "off-inst-a", grade="C"))
    outbox = await Outbox(issuer.conn).start()
    await issuer.decide(inst, "R-1")
    assert sorted(e.type for e in await outbox.since()) == [
        "credential.issued",
        "issuer.identity_changed",
    ]
    row = await issuer.conn.fetchrow("SELECT supersedes, revision, document FROM credentials")
    assert row is not None
    assert (row["supersedes"], row["revision"]) == (None, 2)
    assert '"value":"C"' in row["document"].replace(" ", "")


async def test_a_rejected_result_is_corrected_and_decided_again(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    await issuer.post(inst, result("R-1", "off-inst-a", grade="A"))
    await issuer.conn.execute("UPDATE results SET state = 'rejected', reason_kind = 'result'")
    await put(issuer, inst, result("R-1", "off-inst-a", grade="B"))
    await issuer.decide(inst, "R-1")
    assert (await issuer.result(inst, "R-1")).state == "issued"


async def test_a_correction_names_the_path_result_and_its_own_offering(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    await issuer.issued(inst, "R-1")
    body = ResultIn.model_validate(result("R-2", "off-inst-a", grade="B"))
    with pytest.raises(ValidationProblem, match="the body's result_id must be the path's"):
        await corrections.correct(issuer.conn, inst, "R-1", body, b"k" * 32, issuer.clock())
    with pytest.raises(ValidationProblem, match="cannot be awarded by this institution"):
        await put(issuer, inst, result("R-1", "off-inst-b", grade="B"))
    with pytest.raises(ValidationProblem, match="invalid dates"):
        await put(issuer, inst, result("R-1", "off-inst-a", assessed_on="2027-01-01"))


async def test_only_a_result_already_posted_by_the_institution_is_corrected(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    await issuer.institution("inst-b")
    await issuer.issued("inst-a", "R-1")
    with pytest.raises(NotFound, match="post it first"):
        await put(issuer, "inst-b", result("R-1", "off-inst-b"))


async def test_a_result_whose_learner_was_erased_is_not_corrected(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.issued(inst, "R-1")
    await issuer.conn.execute("UPDATE results SET learner = NULL")
    with pytest.raises(Conflict, match="was erased"):
        await put(issuer, inst, result("R-1", "off-inst-a", grade="B"))


async def test_a_deactivated_institution_corrects_and_retries_nothing(issuer: Issuer) -> None:
    inst = await issuer.institution("inst-a")
    await issuer.issued(inst, "R-1")
    await issuer.deactivate(inst)
    with pytest.raises(Forbidden, match="deactivated"):
        await put(issuer, inst, result("R-1", "off-inst-a", grade="B"))
    with pytest.raises(Forbidden, match="deactivated"):
        await corrections.retry(issuer.conn, inst, "R-1")
