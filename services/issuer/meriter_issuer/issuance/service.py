"""Issuance: each accepted result becomes exactly one signed credential, or is held or rejected.

Invariants:
- Runs in the worker, in the consumer's transaction for a batch of
  ``result.registered`` / ``result.released`` events: the credentials, the
  results' new states, the claim links and the events announcing them
  commit together with the inbox rows — or none of it does.
- Exactly one credential per result: only results still ``accepted`` or
  ``held`` are decided (locked), and ``credentials`` is unique on
  (institution, result) besides.
- The decision uses only local projections: the offering must be the
  institution's (else rejected); the institution must be quality assured on
  the date of issuing by ``meriter_shared.qa`` (else held, with the reasons,
  until a registry event makes it so — ``release`` — when it is decided again).
- Every held or rejected result records the kind of its reason
  (``reason_kind``). Results rejected because their offering's or
  institution's registry data cannot make a credential are decided again,
  like held ones, when that institution's registry data changes (``release``)
  or when the institution asks (``POST /v1/results/{id}/retry``); a result
  held or rejected again for the same reason is not announced again.
- A corrected result (a new ``revision``) gets a credential of its own that
  ``supersedes`` the one issued before: the old one is revoked (reason
  ``superseded``, its status list re-signed, ``credential.revoked``) and
  linked (``superseded_by``) in the transaction that stores the new one, so
  the learner holds a valid credential throughout, and only the new one is
  announced with a claim link. One credential per revision (unique).
- Signing runs in the worker's CPU pool, a whole batch at a time.
- A result whose learner was erased (``learner`` NULL) is never issued: it is
  rejected with the reason ``erased`` (erasure rejects open results itself;
  this holds whatever the order of the two transactions).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram

from meriter_issuer.identities.keystore import SigningKey
from meriter_issuer.identities.service import Identities, Identity
from meriter_issuer.issuance import repository
from meriter_issuer.issuance.build import CannotIssue, build, quality_assurance
from meriter_issuer.issuance.signing import Signer, SignText
from meriter_issuer.status.service import StatusLists
from meriter_shared import jsonio
from meriter_shared.clock import Clock
from meriter_shared.db.outbox import enqueue_many
from meriter_shared.db.types import Connection, Pool
from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.credentials import CredentialIssued, Delivery
from meriter_shared.events.registry import OfferingState
from meriter_shared.events.results import ResultHeld, ResultRejected, ResultReleased
from meriter_shared.projections import registry as projection

ISSUED = Counter("meriter_issuer_credentials_issued_total", "Credentials issued")
DECIDED = Counter("meriter_issuer_results_decided_total", "Results decided", ["state"])
SIGNING = Histogram(
    "meriter_issuer_signing_seconds",
    "Time to sign one batch of credentials",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BATCH = Histogram(
    "meriter_issuer_batch_size",
    "Results decided per batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000),
)

# The reason a result is rejected when its learner was erased before it was decided.
ERASED = "erased"
# The reason a credential replaced by its result's correction is revoked.
SUPERSEDED = "superseded"


def _issued_at(issued_on: date | None, now: datetime) -> datetime:
    if issued_on is None or issued_on == now.date():
        return now
    return datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=UTC)


class Issuance:
    def __init__(
        self,
        identities: Identities,
        status_lists: StatusLists,
        signer: Signer,
        *,
        public_base_url: str,
        claim_ttl: timedelta,
        clock: Clock,
    ) -> None:
        self.identities = identities
        self.status_lists = status_lists
        self.signer = signer
        self.base = public_base_url.rstrip("/")
        self.claim_ttl = claim_ttl
        self.clock = clock
        # Set once the worker's database pool exists (see app.build_runtime).
        self.pool: Callable[[], Pool] | None = None

    async def issue(self, conn: Connection, keys: Sequence[tuple[str, str]]) -> None:
        """Decide every still-open result among ``keys``: issue, hold or reject it."""
        rows = await repository.pending(conn, keys)
        if not rows:
            return
        BATCH.observe(len(rows))
        now = self.clock()
        changes: list[tuple[str, str, str, str | None, str | None]] = []
        events: list[EventPayload] = []
        jobs: list[SignText] = []
        drafts: list[dict[str, Any]] = []
        offerings: dict[str, OfferingState | None] = {}
        by_institution: dict[str, list[Any]] = {}

        def hold(row: Any, reason: str, kind: str) -> None:
            if row["state"] != "held":  # tell once, not at every re-decision
                events.append(
                    ResultHeld(
                        institution_id=row["institution_id"],
                        result_id=row["result_id"],
                        reason=reason,
                    )
                )
            changes.append((row["institution_id"], row["result_id"], "held", reason, kind))

        def reject(row: Any, reason: str, kind: str) -> None:
            if row["state"] == "rejected" and row["reason"] == reason:
                return  # decided again (a registry change) to the same end: nothing new
            events.append(
                ResultRejected(
                    institution_id=row["institution_id"], result_id=row["result_id"], reason=reason
                )
            )
            changes.append((row["institution_id"], row["result_id"], "rejected", reason, kind))

        for row in rows:
            if row["learner"] is None:  # erased before it was decided: no one to issue to
                reject(row, ERASED, "erased")
                continue
            by_institution.setdefault(row["institution_id"], []).append(row)
        for institution_id, group in by_institution.items():
            institution = await projection.institution(conn, institution_id)
            if institution is None:
                for row in group:
                    hold(
                        row,
                        "the registry's record of this institution has not arrived yet",
                        "institution",
                    )
                continue
            verdicts: dict[date, Any] = {}
            ready: list[tuple[Any, OfferingState, Any]] = []
            for row in group:
                if row["offering_id"] not in offerings:
                    offerings[row["offering_id"]] = await projection.offering(
                        conn, row["offering_id"]
                    )
                offering = offerings[row["offering_id"]]
                if offering is None:
                    hold(
                        row,
                        f"offering {row['offering_id']} is not known in the registry (yet)",
                        "offering",
                    )
                    continue
                if offering.institution_id != institution_id:
                    reject(
                        row,
                        f"offering {row['offering_id']} belongs to another institution",
                        "offering",
                    )
                    continue
                on = row["issued_on"] or now.date()
                if on not in verdicts:
                    verdicts[on] = await projection.qa_verdict(conn, institution_id, on, now)
                verdict, reports, agencies = verdicts[on]
                if not verdict.quality_assured:
                    why = "; ".join(f"{r}: {w}" for r, w in sorted(verdict.rejected.items()))
                    hold(
                        row,
                        f"not quality assured on {on.isoformat()}"
                        + (f" ({why})" if why else ": no quality assurance report covers it"),
                        "quality-assurance",
                    )
                    continue
                qa = quality_assurance([reports[f.report_id] for f in verdict.justifying], agencies)
                ready.append((row, offering, qa))
            if not ready:
                continue
            identity = await self._identity(conn, institution_id)
            slots = await self._allocate(conn, institution_id, len(ready), identity.signing)
            for (row, offering, qa), (generation, index) in zip(ready, slots, strict=True):
                credential_id = uuid.uuid4()
                issued = _issued_at(row["issued_on"], now)
                try:
                    document = build(
                        credential_id=credential_id,
                        issued=issued,
                        result={**dict(row), "learner": row["learner"]},
                        offering=offering,
                        institution=institution,
                        did=identity.did,
                        qa=qa,
                        achievement_base=self.base,
                        status=self.status_lists.entry(institution_id, generation, index),
                    )
                except CannotIssue as exc:
                    reject(row, str(exc), exc.kind)
                    continue
                jobs.append(SignText(identity.signing, jsonio.dumps(document)))
                drafts.append(
                    {
                        "credential_id": f"urn:uuid:{credential_id}",
                        "institution_id": institution_id,
                        "institution_name": institution.name_official,
                        "institution_name_english": institution.name_english,
                        "result_id": row["result_id"],
                        "issued_at": issued,
                        "title": offering.title,
                        "generation": generation,
                        "status_index": index,
                        "learner": row["learner"],
                        "learner_ref": row["learner_ref"],
                        "revision": row["revision"],
                        # set only while a correction awaits its credential (see store_issued)
                        "supersedes": row["credential_id"],
                        "signing": identity.signing,
                        "status_list_credential": document["credentialStatus"][
                            "statusListCredential"
                        ],
                    }
                )
        if jobs:
            started = time.perf_counter()
            signed = await self.signer.sign_texts(jobs)
            SIGNING.observe(time.perf_counter() - started)
            for draft, text in zip(drafts, signed, strict=True):
                draft["document"] = text
            await repository.store_issued(conn, drafts)
            await self._supersede(conn, drafts, now)
            claims = []
            for draft in drafts:
                token = secrets.token_urlsafe(32)
                expires = now + self.claim_ttl
                learner = draft["learner"]
                claims.append((_hash(token), draft["credential_id"], learner["language"], expires))
                events.append(
                    CredentialIssued(
                        credential_id=draft["credential_id"],
                        institution_id=draft["institution_id"],
                        result_id=draft["result_id"],
                        issued_at=draft["issued_at"],
                        title=draft["title"],
                        institution_name=draft["institution_name"],
                        institution_name_english=draft["institution_name_english"],
                        status_list_credentials=[draft["status_list_credential"]],
                        delivery=Delivery(
                            name=learner["name"],
                            email=learner["email"],
                            language=learner["language"],
                            claim_url=f"{self.base}/claim/{token}",
                            claim_expires_at=expires,
                        ),
                    )
                )
            await repository.store_claims(conn, claims)
            ISSUED.inc(len(drafts))
            DECIDED.labels("issued").inc(len(drafts))
        if changes:
            await repository.set_states(conn, changes)
            for _, _, state, _, _ in changes:
                DECIDED.labels(state).inc()
        await enqueue_many(conn, events)

    async def _identity(self, conn: Connection, institution_id: str) -> Identity:
        """The institution's identity. A new one is created in a transaction of its own
        when a pool is at hand: created in the batch's transaction, its unique key would
        keep the batches of that institution on other partitions waiting until this whole
        batch is signed and committed."""
        if self.pool is None:
            return await self.identities.ensure(conn, institution_id)
        found = await self.identities.load(conn, institution_id)
        if found is not None:
            return found
        async with self.pool().acquire() as own:
            await self.identities.ensure(own, institution_id)
        found = await self.identities.load(conn, institution_id)
        assert found is not None  # committed before this statement began
        return found

    async def _allocate(
        self, conn: Connection, institution_id: str, count: int, key: SigningKey
    ) -> list[tuple[int, int]]:
        """Status-list slots, and the signed (empty) lists of a generation they open,
        taken in a transaction of their own when a pool is at hand: the institution's
        allocator and list rows are then locked for an instant, not for the whole
        batch, so batches of one institution on other partitions sign side by side.
        Slots of a batch that rolls back stay unused — never handed out again."""
        if self.pool is None:
            slots = await self.status_lists.allocate(conn, institution_id, count)
            await self.status_lists.publish_new(conn, institution_id, key, self.signer)
            return slots
        async with self.pool().acquire() as own, own.transaction():
            slots = await self.status_lists.allocate(own, institution_id, count)
            await self.status_lists.publish_new(own, institution_id, key, self.signer)
            return slots

    async def _supersede(
        self, conn: Connection, drafts: list[dict[str, Any]], now: datetime
    ) -> None:
        """Revoke, as superseded, the credentials these corrections' credentials replace."""
        by_institution: dict[str, list[dict[str, Any]]] = {}
        for draft in drafts:
            if draft["supersedes"] is not None:
                by_institution.setdefault(draft["institution_id"], []).append(draft)
        for institution_id, replacing in sorted(by_institution.items()):
            await self.status_lists.revoke(
                conn,
                institution_id,
                [d["supersedes"] for d in replacing],
                SUPERSEDED,
                replacing[0]["signing"],
                self.signer,
                now,
            )

    async def release(self, conn: Connection, institution_ids: Sequence[str]) -> None:
        """Results of these institutions a registry change may unblock are decided again:
        held ones, and those rejected for their offering's or institution's data."""
        undecided = await repository.undecided_of(conn, institution_ids)
        await enqueue_many(
            conn,
            [
                ResultReleased(
                    institution_id=r["institution_id"],
                    result_id=r["result_id"],
                    offering_id=r["offering_id"],
                )
                for r in undecided
            ],
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
