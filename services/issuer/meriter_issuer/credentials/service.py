"""An institution's own signed credentials, and the offerings it may award.

Invariants:
- An institution reads only its own: another institution's credential (or
  offering) is answered as not found, never as forbidden, so ids of others
  leak nothing.
- A credential whose learner was erased keeps its row (its status stays
  changeable) but no longer has its document: it is not found either.
- A credential's status is one word: ``revoked`` wins over ``suspended``,
  which wins over ``active``.
- A credential is named by its id, ``urn:uuid:<uuid>``, or by the bare UUID.
"""

from __future__ import annotations

import uuid

from meriter_issuer.credentials import repository
from meriter_issuer.credentials.schemas import CredentialItem, CredentialsPage, CredentialStatus
from meriter_shared.db.query import next_cursor
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound
from meriter_shared.events.registry import OfferingState
from meriter_shared.projections import registry as registry_projection


def credential_key(raw: str) -> str:
    """The stored id of a credential named by ``urn:uuid:<uuid>`` or by the bare UUID
    (any case, with or without hyphens); any other id as it is."""
    text = raw.strip()
    bare = text[len("urn:uuid:") :] if text.lower().startswith("urn:uuid:") else text
    try:
        return uuid.UUID(bare).urn
    except ValueError:
        return raw


def status_of(*, revoked: bool, suspended: bool) -> CredentialStatus:
    """The one word a credential's two status bits come to."""
    return "revoked" if revoked else "suspended" if suspended else "active"


async def page(
    conn: Connection, institution_id: str, cursor: str | None, limit: int
) -> CredentialsPage:
    """The institution's credentials, oldest first, from after ``cursor``."""
    rows = await repository.page(conn, institution_id, int(cursor) if cursor else None, limit)
    return CredentialsPage(
        items=[
            CredentialItem(
                credential_id=r.credential_id,
                result_id=r.result_id,
                issued_at=r.issued_at,
                status=status_of(revoked=r.revoked, suspended=r.suspended),
                supersedes=r.supersedes,
                superseded_by=r.superseded_by,
            )
            for r in rows
        ],
        next_cursor=next_cursor(rows, limit, lambda r: str(r.seq)),
    )


async def signed_document(conn: Connection, institution_id: str, credential_id: str) -> str:
    """The signed credential's text as issued; not found once erased or not the caller's."""
    found = await repository.one(conn, credential_key(credential_id))
    if found is None or found.institution_id != institution_id or found.document is None:
        raise NotFound(f"no credential {credential_id}")
    return found.document


async def known_offering(conn: Connection, institution_id: str, offering_id: str) -> OfferingState:
    """One of the institution's offerings as the issuer knows it from the registry."""
    offering = await registry_projection.offering(conn, offering_id)
    if offering is None or offering.institution_id != institution_id:
        raise NotFound(f"the issuer knows no offering {offering_id} of this institution")
    return offering
