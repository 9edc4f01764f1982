"""Erasure (GDPR art. 17): an institution erases what the issuer holds about one learner.

Invariants:
- Only the institution's own client erases, and only its own learners: rows
  are found by ``learner_ref`` — the keyed hash of (institution, identifier)
  intake stored — so another institution's learner with the same identifier
  is a different ref and is never touched. The admin is refused: erasure is
  the controller's (the institution's) act, and the admin has no learner
  identifiers to name.
- One transaction: the learner's results lose their personal data
  (``learner`` NULL), the stored credential copies are removed (``document``
  NULL), the claim links are withdrawn (their token hashes kept as erased,
  so the links answer 410), the erasure is recorded (counts and time only,
  no personal data) and ``learner.erased`` is published through the outbox
  so the notifier purges its contact data.
- Results still ``accepted`` or ``held`` are rejected with the reason
  ``erased`` (there is no one left to issue to; ``result.rejected`` is
  published as for any rejection). Issuance also rejects any result whose
  learner is NULL, whatever the order of the two transactions.
- Issued credentials stay verifiable: status lists are untouched, and their
  status can still be changed by the institution (``credentials`` keeps the
  row, only without the document).
- Credentials signed through the VC-API have no learner_ref: the institution
  built those documents itself and holds them.
"""

from __future__ import annotations

import uuid

from prometheus_client import Counter

from meriter_issuer.erasure import repository
from meriter_issuer.erasure.schemas import ErasureOut
from meriter_issuer.intake.service import learner_ref
from meriter_issuer.issuance.service import ERASED
from meriter_shared.db.outbox import enqueue, enqueue_many
from meriter_shared.db.types import Connection
from meriter_shared.events.credentials import LearnerErased
from meriter_shared.events.results import ResultRejected

ERASURES = Counter("meriter_issuer_erasures_total", "Learner erasures recorded")


async def erase(
    conn: Connection, ref_key: bytes, institution_id: str, identifier: str
) -> ErasureOut:
    ref = learner_ref(ref_key, institution_id, identifier)
    erasure_id = f"urn:uuid:{uuid.uuid4()}"
    async with conn.transaction():
        results = await repository.erase_results(conn, institution_id, ref)
        rejected = [r["result_id"] for r in results if r["was_open"]]
        credential_ids, removed = await repository.erase_credentials(conn, institution_id, ref)
        claims = await repository.withdraw_claims(conn, credential_ids)
        counts = {
            "results": len(results),
            "rejected": len(rejected),
            "credentials": removed,
            "claims": claims,
        }
        row = await repository.record(conn, erasure_id, institution_id, ref, counts)
        await enqueue_many(
            conn,
            [
                ResultRejected(institution_id=institution_id, result_id=r, reason=ERASED)
                for r in rejected
            ],
        )
        await enqueue(
            conn,
            LearnerErased(
                institution_id=institution_id, learner_ref=ref, credential_ids=credential_ids
            ),
        )
    ERASURES.inc()
    return ErasureOut(
        erasure_id=erasure_id,
        credential_ids=credential_ids,
        erased_at=row["erased_at"],
        **counts,
    )
