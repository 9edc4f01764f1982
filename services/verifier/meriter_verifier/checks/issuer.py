"""The ``issuer`` check: who issued the credential, and whether the registry knows them.

Invariants:
- A credential without an issuer fails; an issuer whose DID does not
  resolve fails (its proof cannot be checked either).
- An issuer that is not a DID, or a DID the registry does not know, is a
  warning, never a failure: the credential may be authentic, and the answer
  says who is behind it as far as it is known.
- ``Institutions`` reads the registry projection through a cache kept for
  ``ttl_s`` and emptied whenever the projections change.
"""

from __future__ import annotations

from typing import Any

from meriter_shared.cache import TtlCache
from meriter_shared.db.types import Pool
from meriter_shared.events.registry import InstitutionState
from meriter_shared.projections import registry as registry_projection
from meriter_verifier.checks.result import Check
from meriter_verifier.identities.resolver import Resolved


class Institutions:
    """The registry's institutions by id, as the projection holds them, cached."""

    def __init__(self, *, ttl_s: float, cache_bytes: int = 16 * 1024 * 1024) -> None:
        self.ttl_s = ttl_s
        # (state,): an institution the projection does not hold is kept as (None,)
        self.cache: TtlCache[str, tuple[InstitutionState | None]] = TtlCache(cache_bytes)

    def forget(self) -> None:
        self.cache.clear()

    async def of(self, pool: Pool, resolved: Resolved | None) -> InstitutionState | None:
        """The institution behind a resolved DID of the platform's, if the registry has it."""
        if resolved is None or resolved.institution_id is None:
            return None
        key = resolved.institution_id
        found = self.cache.get(key)
        if found is not None:
            return found[0]
        async with pool.acquire() as conn:
            state = await registry_projection.institution(conn, key)
        self.cache.put(key, (state,), ttl_s=self.ttl_s, size=1024)
        return state


def issuer_check(
    document: dict[str, Any],
    issuer: str | None,
    resolved: Resolved | None,
    institution: InstitutionState | None,
) -> Check:
    if issuer is None:
        return Check("issuer", "fail", "issuer.missing")
    evidence: dict[str, Any] = {"id": issuer}
    raw = document.get("issuer")
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        evidence["name"] = raw["name"]
    if resolved is None:
        return Check("issuer", "warn", "issuer.not_did", {"issuer": issuer}, evidence)
    evidence["resolved_from"] = resolved.source
    if resolved.document is None:
        evidence["error"] = resolved.error
        return Check(
            "issuer",
            "fail",
            "issuer.unresolved",
            {"did": issuer, "reason": resolved.error},
            evidence,
        )
    if institution is None:
        evidence["registered"] = False
        return Check("issuer", "warn", "issuer.unknown", {"did": issuer}, evidence)
    evidence.update(
        registered=True,
        institution_id=institution.institution_id,
        deqar_id=institution.deqar_id,
        institution_name=institution.name_official,
        country=institution.country,
    )
    if institution.deqar_id:
        return Check(
            "issuer",
            "pass",
            "issuer.known",
            {"name": institution.name_official, "deqar": institution.deqar_id},
            evidence,
        )
    return Check(
        "issuer", "pass", "issuer.known_no_deqar", {"name": institution.name_official}, evidence
    )
