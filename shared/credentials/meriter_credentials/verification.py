"""The checks a verifier runs on a credential, as an explained report.

Invariants:

- ``verified`` is True only when no check failed and at least one proof
  verified; warnings and skipped checks never make a credential verified on
  their own, and a missing proof is a failure.
- Every check carries an id, an outcome and a human message, so the report
  explains a rejection without a second run.
- Nothing is fetched: DIDs resolve through the given resolver, status lists
  come from the given mapping.
- RDFC canonicalization runs under :data:`VERIFY_MAX_WORK` (tighter than
  issuance), so a hostile document cannot make the verifier spin.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from meriter_credentials.did import DidResolutionError, DidResolver
from meriter_credentials.proofs import verify_proofs
from meriter_credentials.statuslist import check_status
from meriter_credentials.values import as_list, parse_stamp

# RDFC N-degree work units (issuance default is 4096); honest credentials need
# almost none, so a verifier of untrusted input can afford to be strict.
VERIFY_MAX_WORK = 1024

Outcome = Literal["passed", "failed", "warning", "skipped"]


class Check(BaseModel):
    id: str
    outcome: Outcome
    message: str


class VerificationReport(BaseModel):
    verified: bool
    credential_id: str | None
    issuer: str | None
    checked_at: str
    checks: list[Check]

    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == "failed"]


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _format_checks(document: Mapping[str, Any]) -> list[Check]:
    try:
        import importlib

        vcdm: Any = importlib.import_module("meriter_credentials.vcdm")
    except ImportError:
        return [
            Check(id="format", outcome="skipped", message="VC data model rules are not installed")
        ]
    try:
        problems = vcdm.validate(document)
    except Exception as exc:  # a crashing validator must not pass a credential
        return [Check(id="format", outcome="failed", message=f"format validation crashed: {exc}")]
    if not problems:
        return [Check(id="format", outcome="passed", message="VC 2.0 / OB 3.0 structure is valid")]
    return [
        Check(id=f"format.{p.code}", outcome="failed", message=f"{p.path}: {p.message}")
        for p in problems
    ]


def _validity_checks(document: Mapping[str, Any], now: datetime) -> list[Check]:
    checks: list[Check] = []
    for field, later_is_bad in (("validFrom", False), ("validUntil", True)):
        value = document.get(field)
        if value is None:
            continue
        try:
            moment = parse_stamp(value)
        except ValueError:
            checks.append(
                Check(
                    id=f"validity.{field}", outcome="failed", message=f"{field} is not a dateTime"
                )
            )
            continue
        if not later_is_bad and moment > now:
            checks.append(
                Check(
                    id="validity.validFrom", outcome="failed", message=f"not valid before {value}"
                )
            )
        elif later_is_bad and moment < now:
            checks.append(
                Check(id="validity.validUntil", outcome="failed", message=f"expired at {value}")
            )
        else:
            checks.append(
                Check(
                    id=f"validity.{field}",
                    outcome="passed",
                    message=f"{field} {value} is satisfied",
                )
            )
    if not checks:
        checks.append(Check(id="validity", outcome="passed", message="no validity period is set"))
    return checks


def verify_credential(
    document: Any,
    *,
    resolver: DidResolver,
    status_lists: Mapping[str, Mapping[str, Any]] | None = None,
    now: datetime | None = None,
    max_work: int = VERIFY_MAX_WORK,
    check_format: bool = True,
) -> VerificationReport:
    """Run every check on ``document`` and explain the outcome."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    checked_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    if not isinstance(document, Mapping):
        check = Check(id="format", outcome="failed", message="credential is not a JSON object")
        return VerificationReport(
            verified=False, credential_id=None, issuer=None, checked_at=checked_at, checks=[check]
        )
    issuer = _issuer_id(document)
    credential_id = document.get("id") if isinstance(document.get("id"), str) else None
    checks: list[Check] = []
    if check_format:
        checks.extend(_format_checks(document))

    # Issuer DID resolution.
    if issuer is None:
        checks.append(Check(id="issuer", outcome="failed", message="credential has no issuer id"))
    elif issuer.startswith("did:"):
        try:
            resolver.resolve(issuer)
            checks.append(
                Check(id="issuer.resolution", outcome="passed", message=f"resolved {issuer}")
            )
        except DidResolutionError as exc:
            checks.append(Check(id="issuer.resolution", outcome="failed", message=str(exc)))
    else:
        checks.append(
            Check(
                id="issuer.resolution",
                outcome="warning",
                message=f"issuer {issuer} is not a DID; not resolved",
            )
        )

    # Proofs.
    results = verify_proofs(document, resolver=resolver, now=now, max_work=max_work)
    if not results:
        checks.append(Check(id="proof", outcome="failed", message="credential has no proof"))
    for r in results:
        prefix = f"proof[{r.index}]"
        if not r.verified:
            checks.append(
                Check(id=f"{prefix}.signature", outcome="failed", message=r.error or "failed")
            )
            continue
        checks.append(
            Check(
                id=f"{prefix}.signature",
                outcome="passed",
                message=f"{r.cryptosuite} signature by {r.verification_method} is valid",
            )
        )
        if r.controller == issuer:
            checks.append(
                Check(
                    id=f"{prefix}.issuer",
                    outcome="passed",
                    message="verification method is controlled by the issuer",
                )
            )
        else:
            checks.append(
                Check(
                    id=f"{prefix}.issuer",
                    outcome="failed",
                    message=(
                        f"verification method is controlled by {r.controller}, "
                        f"not by issuer {issuer}"
                    ),
                )
            )
        checks.append(
            Check(
                id=f"{prefix}.purpose", outcome="passed", message="proofPurpose is assertionMethod"
            )
        )

    checks.extend(_validity_checks(document, now))

    # Status.
    entries = as_list(document.get("credentialStatus"))
    if not entries:
        checks.append(
            Check(id="status", outcome="skipped", message="credential has no credentialStatus")
        )
    for i, entry in enumerate(entries):
        result = check_status(
            entry,
            status_lists=status_lists or {},
            resolver=resolver,
            now=now,
            credential_issuer=issuer,
            max_work=max_work,
        )
        outcome: Outcome
        if result.outcome == "valid":
            outcome = "passed"
        elif result.outcome == "set":
            outcome = "warning"
        else:
            outcome = "failed"
        label = result.outcome if result.outcome in ("revoked", "suspended") else result.message
        message = (
            f"{result.purpose}: {label}" if result.outcome in ("revoked", "suspended") else label
        )
        checks.append(Check(id=f"status[{i}]", outcome=outcome, message=message))

    verified = bool(results) and all(c.outcome != "failed" for c in checks)
    return VerificationReport(
        verified=verified,
        credential_id=credential_id,
        issuer=issuer,
        checked_at=checked_at,
        checks=checks,
    )
