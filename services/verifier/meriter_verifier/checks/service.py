"""The verification composed: one explained check per question, and the verdict.

Checks, in order (``result.CHECK_NAMES``), one module each: ``format``
(``format.py``), ``proof`` (``proof.py``), ``issuer`` (``issuer.py``),
``quality_assurance`` (``quality.py``), ``validity`` (``validity.py``),
``status`` (``status.py``), ``annex_i`` (``annex_i.py``), ``holder``
(``holder.py``). Each is ``pass``, ``fail``, ``warn`` or ``not_applicable``
with a message code, its parameters and the evidence used. A presentation's
own checks and their combination are in ``presentation.py``; what a
credential says, for the page, in ``summary.py``.

Invariants:
- The verdict is ``not_verified`` when any check fails, else
  ``verified_with_warnings`` when any warns, else ``verified``
  (``result.py``); a credential without a valid proof by its issuer always
  fails (``proof``).
- An issuer the registry does not know is a warning, never a failure; so
  is an issuer not quality assured on the date of issuing, and a
  micro-credential missing Annex I elements: the credential is authentic,
  and the answer says what it lacks.
- What needs I/O (DID documents, status lists, the projections) is gathered
  here on the event loop, from caches when warm. What needs CPU (``examine``,
  a list's proof) runs inline or in the CPU pool by size (``examiner.py``).
- No credential content is logged.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from meriter_shared.clock import Clock, utc_now
from meriter_shared.db.types import Pool
from meriter_verifier.checks.annex_i import annex_check
from meriter_verifier.checks.document import as_list, issuer_id
from meriter_verifier.checks.examiner import Examiner, RunCpu
from meriter_verifier.checks.format import format_check, not_an_object
from meriter_verifier.checks.holder import holder_check
from meriter_verifier.checks.issuer import Institutions, issuer_check
from meriter_verifier.checks.presentation import presentation_checks, presentation_holder_check
from meriter_verifier.checks.proof import proof_check
from meriter_verifier.checks.quality import QualityAssurance
from meriter_verifier.checks.result import VerificationOutcome
from meriter_verifier.checks.status import status_check
from meriter_verifier.checks.summary import summary
from meriter_verifier.checks.validity import validity_check
from meriter_verifier.identities.resolver import Resolved, Resolver
from meriter_verifier.status.service import StatusLists


class Verifier:
    """Verifies credentials and presentations; holds the caches of one HTTP process."""

    def __init__(
        self,
        *,
        resolver: Resolver,
        status_lists: StatusLists,
        run_cpu: RunCpu,
        cache_ttl_s: float,
        clock: Clock = utc_now,
        max_presentation_credentials: int = 20,
        result_cache_bytes: int = 64 * 1024 * 1024,
        inline_max_chars: int = 64 * 1024,
    ) -> None:
        self.resolver = resolver
        self.status_lists = status_lists
        self.clock = clock
        self.max_presentation_credentials = max_presentation_credentials
        self.examiner = Examiner(
            run_cpu=run_cpu, cache_bytes=result_cache_bytes, inline_max_chars=inline_max_chars
        )
        self.institutions = Institutions(ttl_s=cache_ttl_s)
        self.qa = QualityAssurance(ttl_s=cache_ttl_s)

    def forget_projections(self) -> None:
        """The projections changed: what was read from them is stale."""
        self.resolver.forget_platform()
        self.institutions.forget()
        self.qa.forget()
        self.status_lists.forget_own()

    async def verify_credential(
        self,
        pool: Pool,
        document: Any,
        *,
        at: datetime | None = None,
        holder_identifier: str | None = None,
        body: bytes | None = None,
    ) -> VerificationOutcome:
        """``body``: the request's JSON text, when ``document`` is all it holds
        besides ``at`` and the holder (see ``Examiner.examine``)."""
        now = self.clock()
        at = at or now
        if not isinstance(document, dict):
            return VerificationOutcome([not_an_object()])
        issuer = issuer_id(document)
        issuer_did = {issuer} if issuer and issuer.startswith("did:") else set()
        resolved, did_docs = await self._resolve(pool, document, issuer_did)
        examined = await self.examiner.examine(document, did_docs, at, holder_identifier, body=body)
        issuer_resolved = resolved.get(issuer) if issuer else None
        institution = await self.institutions.of(pool, issuer_resolved)
        checks = [
            format_check(examined.format),
            proof_check(examined.proofs, issuer, resolved),
            issuer_check(document, issuer, issuer_resolved, institution),
            await self.qa.check(pool, document, institution, now),
            validity_check(document, at),
            await status_check(self.status_lists, pool, document, issuer, issuer_resolved, at),
            annex_check(examined.annex_i),
            holder_check(examined.holder),
        ]
        return VerificationOutcome(checks, credential=summary(document, institution))

    async def verify_presentation(
        self,
        pool: Pool,
        document: Any,
        *,
        at: datetime | None = None,
        holder_identifier: str | None = None,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationOutcome:
        at = at or self.clock()
        if not isinstance(document, dict):
            return VerificationOutcome([not_an_object()])
        _, did_docs = await self._resolve(pool, document, set())
        examined = await self.examiner.examine(document, did_docs, at, None, "authentication")
        holder = presentation_holder_check(document, examined.proofs, challenge, domain)
        credentials = as_list(document.get("verifiableCredential"))
        results = await asyncio.gather(
            *(
                self.verify_credential(pool, c, at=at, holder_identifier=holder_identifier)
                for c in credentials[: self.max_presentation_credentials]
            )
        )
        checks = presentation_checks(format_check(examined.format), holder, list(results))
        return VerificationOutcome(checks, credentials=list(results))

    async def _resolve(
        self, pool: Pool, document: dict[str, Any], dids: set[str]
    ) -> tuple[dict[str, Resolved], dict[str, dict[str, Any]]]:
        """``dids`` and the DIDs of the document's proofs, resolved; and the DID
        documents ``examine`` is given (a did:key it resolves from the key)."""
        for proof in as_list(document.get("proof")):
            if isinstance(proof, dict) and isinstance(proof.get("verificationMethod"), str):
                dids.add(proof["verificationMethod"].split("#", 1)[0])
        ordered = sorted(dids)
        if len(ordered) == 1:  # the usual case: no tasks to gather
            resolved = {ordered[0]: await self.resolver.resolve(pool, ordered[0])}
        else:
            found = await asyncio.gather(*(self.resolver.resolve(pool, d) for d in ordered))
            resolved = dict(zip(ordered, found, strict=True))
        did_docs = {
            d: r.document
            for d, r in resolved.items()
            if r.document is not None and r.source != "key"
        }
        return resolved, did_docs
