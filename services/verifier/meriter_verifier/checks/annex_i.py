"""The ``annex_i`` check: a micro-credential carries the elements of the Council
Recommendation's Annex I, machine-readable.

Invariants:
- Only an Open Badges credential is judged (``not_applicable`` otherwise).
- Missing mandatory elements are a warning, never a failure: the credential
  is authentic, and the answer names what it lacks. Only a document whose
  elements cannot be read at all fails.
"""

from __future__ import annotations

from meriter_credentials.microcredential import ANNEX_I_MANDATORY, ANNEX_I_OPTIONAL
from meriter_verifier.checks.document import AnnexFindings
from meriter_verifier.checks.result import Check


def annex_check(found: AnnexFindings | None) -> Check:
    if found is None:
        return Check("annex_i", "not_applicable", "annex.not_applicable")
    if found.error is not None:
        return Check(
            "annex_i", "fail", "annex.unreadable", {"reason": found.error}, {"error": found.error}
        )
    missing = [k for k, present in found.mandatory.items() if not present]
    evidence = {"mandatory": found.mandatory, "optional": found.optional, "missing": missing}
    if missing:
        return Check(
            "annex_i", "warn", "annex.incomplete", {"missing": ", ".join(missing)}, evidence
        )
    optional = sum(1 for present in found.optional.values() if present)
    return Check(
        "annex_i",
        "pass",
        "annex.complete",
        {
            "mandatory": len(ANNEX_I_MANDATORY),
            "optional": optional,
            "optional_total": len(ANNEX_I_OPTIONAL),
        },
        evidence,
    )
