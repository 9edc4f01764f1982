"""Claim links: a learner's unguessable link to read and download their credential.

Invariants:
- A link is ``{public_base_url}/claim/{token}``; only the token's SHA-256 is
  stored (``claims.token_hash``), so the database alone opens no credential.
  Every request does the same work whatever the token: hash it, one indexed
  look-up by the hash (which says nothing about the token), one constant-time
  comparison. Unknown, malformed and expired tokens are answered alike (404).
- An erased credential's link answers 410 Gone: erasure deletes the claim
  and keeps only its token hash (``erased_claims``), never the credential.
- The page shows only what the signed credential says; nothing is stored
  or logged about who opened it. Its one addition is the credential's
  standing at the issuer: a revoked or suspended credential's page says so
  first (with the institution's reason, when it gave one in words of its
  own) and offers no download; asked for the download, the link answers a
  problem (410 revoked, 409 suspended). A revocation whose reason is
  ``superseded`` (a corrected result was issued anew) reads as replaced by
  a corrected credential; the new one is not linked (it has its own link,
  sent to the learner as the first was).

OpenID for Verifiable Credential Issuance (pre-authorized code flow) — design
note for the next step. The claim link stays the learner's entry point; the
page then also offers a credential offer (``openid-credential-offer://`` with
``credential_offer_uri`` = ``/claim/{token}/offer``, as a link and a QR code)
whose ``grants`` carry ``urn:ietf:params:oauth:grant-type:pre-authorized_code``.
The pre-authorized code is not the claim token (that would put the token in
wallet logs): a claim gets a second random secret, stored hashed beside the
claim with its own short expiry and single use, derived for the offer when
the page is opened. The issuer metadata (``/.well-known/openid-credential-issuer``)
names one configuration per credential format (``ldp_vc`` with the OB 3.0
types), the token endpoint exchanges the code (plus a ``tx_code`` sent by the
notifier if we want a second factor) for an access token bound to that one
credential id, and the credential endpoint returns the stored signed
credential — or, once holder binding is wanted, re-signs it with the
wallet's key (from the proof of possession) as ``credentialSubject.id``.
Claims of erased credentials answer the offer with 410 too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from meriter_issuer.claims import repository
from meriter_issuer.credentials.service import status_of
from meriter_shared import jsonio
from meriter_shared.db.types import Connection

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")
_DUMMY = hashlib.sha256(b"no claim").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# The reasons that are not the institution's words: the VC-API's stand-in for none.
_MADE_UP = re.compile(r"(revocation|suspension) (set|cleared) via the VC-API")
_SUPERSEDED = re.compile(r"\s*superseded\b", re.IGNORECASE)


@dataclass(frozen=True)
class Standing:
    """The credential's status at its issuer, as the page tells it.

    ``reason`` is the institution's own words for the change, or None when it
    gave none (or when ``superseded`` already says it)."""

    status: Literal["active", "suspended", "revoked"] = "active"
    superseded: bool = False
    reason: str | None = None

    @property
    def downloadable(self) -> bool:
        return self.status == "active"


def standing(*, revoked: bool, suspended: bool, reason: str | None) -> Standing:
    status = status_of(revoked=revoked, suspended=suspended)
    if status == "active":
        return Standing()
    text = " ".join((reason or "").split())
    if status == "revoked" and _SUPERSEDED.match(text):
        return Standing(status, superseded=True)
    if not text or _MADE_UP.fullmatch(text):
        return Standing(status)
    return Standing(status, reason=text)


@dataclass(frozen=True)
class Claim:
    state: Literal["ok", "unknown", "erased"]
    language: Language = "en"
    document: dict[str, Any] | None = None
    standing: Standing = Standing()


async def find(conn: Connection, token: str, now: datetime) -> Claim:
    """The claim a token opens: ok (with the signed credential), unknown (or expired), erased."""
    digest = token_hash(token)
    row = await repository.by_token_hash(conn, digest)
    stored = row["token_hash"] if row is not None else _DUMMY
    matches = hmac.compare_digest(stored, digest)
    if row is None or not matches:
        return Claim("unknown")
    if row["erased"] or row["document"] is None:
        return Claim("erased")
    if row["expires_at"] <= now:
        return Claim("unknown")
    language: Language = "sv" if row["language"] == "sv" else "en"
    found = standing(
        revoked=row["revoked"], suspended=row["suspended"], reason=row["status_reason"]
    )
    return Claim("ok", language, jsonio.loads(row["document"]), found)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("@value"), str):
        return str(value["@value"])
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return None


def _get(obj: Any, *keys: str) -> Any:
    """The first of ``keys`` (a term or its ``elm:`` form) present in ``obj``."""
    if not isinstance(obj, dict):
        return None
    for key in keys:
        if key in obj:
            return obj[key]
    return None


@dataclass(frozen=True)
class View:
    """What a claim page shows, read from the signed credential (never from elsewhere)."""

    title: str
    institution: str | None
    learner: str | None
    ects: str | None
    levels: list[str]
    issued: str | None
    quality_assurance: list[str]
    outcomes: list[str]
    grade: str | None


def view(document: dict[str, Any]) -> View:
    subject: Any = next((s for s in _as_list(document.get("credentialSubject")) if s), {})
    achievement = _get(subject, "achievement") or {}
    issuer = document.get("issuer")
    levels = [
        t for a in _as_list(_get(achievement, "alignment")) if (t := _text(_get(a, "targetName")))
    ]
    education = _get(achievement, "educationLevel", "elm:educationLevel")
    if (label := _text(_get(education, "prefLabel"))) is not None:
        levels.append(label)
    qa = _get(achievement, "accreditation", "elm:accreditation")
    quality = [
        t
        for item in _as_list(qa)
        for t in (_text(_get(item, "title", "dc:title")), _text(_get(item, "description")))
        if t
    ]
    outcomes = [
        t
        for o in _as_list(_get(achievement, "learningOutcome", "elm:learningOutcome"))
        if (t := _text(_get(o, "title", "dc:title")) if isinstance(o, dict) else _text(o))
    ]
    grade = next(
        (_text(_get(r, "value")) for r in _as_list(_get(subject, "result")) if _get(r, "value")),
        None,
    )
    issued = _text(document.get("validFrom") or document.get("issuanceDate"))
    return View(
        title=_text(document.get("name")) or _text(_get(achievement, "name")) or "—",
        institution=_text(_get(issuer, "name")) if isinstance(issuer, dict) else None,
        learner=_text(_get(subject, "name")),
        ects=_text(_get(achievement, "creditsAvailable")),
        levels=levels,
        issued=issued[:10] if issued else None,
        quality_assurance=quality,
        outcomes=outcomes,
        grade=grade,
    )
