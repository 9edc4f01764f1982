"""The ``proof`` check: the credential is signed, and signed by its issuer.

Invariants:
- Without a proof, or with any proof that does not verify, the check fails:
  a credential without a valid proof by its issuer is never verified,
  whatever the other checks say.
- At least one proof's controller must be the credential's issuer.
- A valid legacy ``Ed25519Signature2020`` proof is a warning, not a failure.
- When a proof failed because its DID did not resolve, the resolution's
  reason is the one given.
"""

from __future__ import annotations

from typing import Any

from meriter_verifier.checks.document import ProofFinding
from meriter_verifier.checks.result import Check
from meriter_verifier.identities.resolver import Resolved


def proof_check(
    proofs: list[ProofFinding], issuer: str | None, resolved: dict[str, Resolved]
) -> Check:
    evidence: dict[str, Any] = {"proofs": [p.evidence() for p in proofs]}
    if not proofs:
        return Check("proof", "fail", "proof.none", {}, evidence)
    failed = [p for p in proofs if not p.verified]
    if failed:
        reason = failed[0].error or "invalid"
        did = (failed[0].verification_method or "").split("#", 1)[0]
        if did in resolved and resolved[did].error:
            reason = resolved[did].error or reason
        return Check("proof", "fail", "proof.invalid", {"reason": reason}, evidence)
    by_issuer = [p for p in proofs if p.controller == issuer]
    if not by_issuer:
        return Check(
            "proof",
            "fail",
            "proof.not_issuer",
            {"controller": proofs[0].controller, "issuer": issuer},
            evidence,
        )
    suites = sorted({p.suite for p in proofs if p.suite})
    if "Ed25519Signature2020" in suites:
        return Check("proof", "warn", "proof.legacy", {}, evidence)
    return Check("proof", "pass", "proof.ok", {"suites": ", ".join(suites)}, evidence)
