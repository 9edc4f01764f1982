"""A verification's answer: its checks, each explained, and the verdict they make.

Invariants:
- The verdict is ``not_verified`` when any check fails, else
  ``verified_with_warnings`` when any warns, else ``verified``.
- A check holds a message code and its parameters, never text: the message
  is rendered in the asker's language only when the answer is rendered.
- The checks are answered in ``CHECK_NAMES`` order, the order of the
  ``CheckName`` the response schema lists.
- What a credential says (``credential``, the summary) always comes with
  ``credential_trust``: ``trusted`` is false when the verdict is
  ``not_verified`` (tampered, forged, revoked, expired, malformed ...), and
  its note then calls the values what the document claims — not verified.
  The summary itself keeps its shape, so readers of it keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from meriter_verifier.checks.messages import Language, render
from meriter_verifier.checks.schemas import CheckName, CheckStatus, VerdictName

CHECK_NAMES: tuple[CheckName, ...] = get_args(CheckName)


@dataclass(frozen=True)
class Check:
    name: CheckName
    status: CheckStatus
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: Language) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": render(self.code, lang, self.params),
            "evidence": self.evidence,
        }


@dataclass
class VerificationOutcome:
    """What a verification found: a credential's checks (with a summary of what it
    says), or a presentation's (with each of its credentials' own outcome).

    Not a "report": in the platform that word is a DEQAR quality-assurance
    report. Nor the VC-API's ``VerificationResult``, the wire body
    ``vcapi/api.py`` makes of it."""

    checks: list[Check]
    credential: dict[str, Any] | None = None  # a summary of what the credential says
    credentials: list[VerificationOutcome] = field(default_factory=list)  # of a presentation

    @property
    def verdict(self) -> VerdictName:
        return verdict_of([c.status for c in self.checks])

    def render(self, lang: Language) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "checks": [c.render(lang) for c in self.checks],
        }
        if self.credential is not None:
            out["credential"] = self.credential
            out["credential_trust"] = self.trust(lang)
        if self.credentials:
            out["credentials"] = [r.render(lang) for r in self.credentials]
        return out

    def trust(self, lang: Language) -> dict[str, Any]:
        """Whether the summary's values can be relied on, and why not."""
        failed = [c.name for c in self.checks if c.status == "fail"]
        trusted = not failed
        return {
            "trusted": trusted,
            "failed_checks": failed,
            "note": render("content.trusted" if trusted else "content.untrusted", lang, {}),
        }


def verdict_of(statuses: list[CheckStatus]) -> VerdictName:
    if "fail" in statuses:
        return "not_verified"
    if "warn" in statuses:
        return "verified_with_warnings"
    return "verified"
