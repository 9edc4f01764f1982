"""What a credential says, laid out as a person reads it (the page's summary).

Invariants:
- The summary carries only plain strings (at most 500 characters) and
  numbers, never structure: it is shown, not interpreted.
- It is read from the document as sent, verified or not; the verdict says
  whether to trust it, and the answer's ``credential_trust`` says it beside
  the summary (``result.py``): a credential that did not verify has its
  values marked as what the document claims — not verified. The awarding
  body falls back to the registry's name for the institution.
"""

from __future__ import annotations

from typing import Any

from meriter_shared.events.registry import InstitutionState
from meriter_verifier.checks.document import as_list, issuer_id


def summary(document: dict[str, Any], institution: InstitutionState | None) -> dict[str, Any]:
    """What the credential says, laid out as a person reads it (for the page)."""
    issuer = document.get("issuer")
    subject: dict[str, Any] = next(
        (s for s in as_list(document.get("credentialSubject")) if isinstance(s, dict)), {}
    )
    raw_achievement = subject.get("achievement")
    achievement: dict[str, Any] = raw_achievement if isinstance(raw_achievement, dict) else {}
    level = None
    for alignment in as_list(achievement.get("alignment")):
        if isinstance(alignment, dict) and isinstance(alignment.get("targetName"), str):
            level = alignment["targetName"]
    education = achievement.get("educationLevel")
    if isinstance(education, dict):
        education = education.get("prefLabel")
    accreditation = achievement.get("accreditation")
    qa_text = None
    if isinstance(accreditation, dict):
        qa_text = accreditation.get("description") or accreditation.get("title")
    return _strings(
        {
            "title": achievement.get("name") or document.get("name"),
            "description": achievement.get("description") or document.get("description"),
            "awarding_body": (issuer.get("name") if isinstance(issuer, dict) else None)
            or (institution.name_official if institution else None),
            "awarding_body_country": (
                issuer.get("address", {}).get("addressCountryCode")
                if isinstance(issuer, dict) and isinstance(issuer.get("address"), dict)
                else None
            ),
            "issuer": issuer_id(document),
            "deqar_id": institution.deqar_id if institution else None,
            "learner": subject.get("name"),
            "ects": achievement.get("creditsAvailable") or subject.get("creditsEarned"),
            "level": level,
            "qf_ehea": education,
            "date": document.get("validFrom") or document.get("issuanceDate"),
            "valid_until": document.get("validUntil") or document.get("expirationDate"),
            "quality_assurance": qa_text,
            "grade": next(
                (
                    r.get("value")
                    for r in as_list(subject.get("result"))
                    if isinstance(r, dict) and "value" in r
                ),
                None,
            ),
            "id": document.get("id"),
        }
    )


def _strings(values: dict[str, Any]) -> dict[str, Any]:
    """Only plain strings and numbers, shortened: the summary never carries structure."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            out[key] = value
        elif isinstance(value, str):
            out[key] = value[:500]
    return out
