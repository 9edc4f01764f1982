"""What is particular to a presentation: its holder's proof, and one answer made of
its credentials' answers.

Invariants:
- A presentation's ``holder`` check is its own proof: signed by its holder
  (``authentication``), with the challenge and domain asked for. Unsigned is
  a warning unless a challenge or domain was asked for, then a failure.
- Each other check of a presentation is the worst of its credentials' checks
  of that name (fail, warn, pass, not applicable), with the statuses of all
  in the evidence; a presentation without credentials has
  ``not_applicable`` checks.
- A credential that is not even a JSON object has only a format check: its
  failure is the presentation's format failure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from meriter_verifier.checks.document import ProofFinding, as_list
from meriter_verifier.checks.result import CHECK_NAMES, Check, VerificationOutcome
from meriter_verifier.checks.schemas import CheckName, CheckStatus

_SEVERITY: dict[CheckStatus, int] = {"fail": 3, "warn": 2, "pass": 1, "not_applicable": 0}


def presentation_checks(
    own_format: Check, holder: Check, results: list[VerificationOutcome]
) -> list[Check]:
    """The presentation's checks, from its own format and holder checks and its
    credentials' results."""
    if own_format.status == "pass":
        own_format = dataclasses.replace(own_format, code="format.presentation_ok")
    malformed = [c for r in results for c in r.checks if c.name == "format" and c.status == "fail"]
    checks = [
        combine("format", [own_format, *malformed], len(results)) if malformed else own_format
    ]
    for name in CHECK_NAMES[1:]:
        per = [c for r in results for c in r.checks if c.name == name]
        if name == "holder":
            per = [holder, *[c for c in per if c.status != "not_applicable"]]
        checks.append(combine(name, per, len(results)))
    return checks


def combine(name: CheckName, checks: list[Check], count: int) -> Check:
    """One check of a presentation from its credentials' (and its own) checks of ``name``."""
    if not checks:
        return Check(name, "not_applicable", "presentation.empty")
    worst = max(checks, key=lambda c: _SEVERITY[c.status])
    return Check(
        name,
        worst.status,
        worst.code,
        worst.params,
        {"credentials": count, "each": [c.status for c in checks], "first": worst.evidence},
    )


def presentation_holder_check(
    document: dict[str, Any],
    proofs: list[ProofFinding],
    challenge: str | None,
    domain: str | None,
) -> Check:
    holder = document.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    evidence: dict[str, Any] = {"holder": holder_id, "proofs": [p.evidence() for p in proofs]}
    if not proofs:
        status: CheckStatus = "fail" if challenge or domain else "warn"
        return Check("holder", status, "holder.presentation_unsigned", {}, evidence)
    failed = [p for p in proofs if not p.verified]
    if failed:
        return Check(
            "holder",
            "fail",
            "holder.presentation_invalid",
            {"reason": failed[0].error},
            evidence,
        )
    raw = [p for p in as_list(document.get("proof")) if isinstance(p, dict)]
    for what, wanted in (("challenge", challenge), ("domain", domain)):
        if wanted is None:
            continue
        if not any(wanted in as_list(p.get(what)) for p in raw):
            return Check("holder", "fail", "holder.presentation_binding", {"what": what}, evidence)
    if isinstance(holder_id, str) and not any(p.controller == holder_id for p in proofs):
        return Check(
            "holder",
            "fail",
            "holder.presentation_invalid",
            {"reason": f"not signed by the holder {holder_id}"},
            evidence,
        )
    return Check(
        "holder",
        "pass",
        "holder.presentation_ok",
        {"holder": holder_id or proofs[0].controller, "bound": bool(challenge or domain)},
        evidence,
    )
