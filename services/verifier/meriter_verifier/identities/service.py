"""The platform's own issuers, from ``issuer.identity_changed``.

Invariants:
- A platform DID (current or former) resolves to the DID document built
  from the newest event: every verification method the institution has
  signed with under that DID, retired keys included, so credentials signed
  before a rotation keep verifying.
- Events are applied by event time: a replayed older event changes nothing.
"""

from __future__ import annotations

from typing import Any

from meriter_credentials.did import DID_CONTEXT, MULTIKEY_CONTEXT
from meriter_shared.db.types import Connection
from meriter_shared.events.credentials import IssuerIdentityChanged
from meriter_shared.events.envelope import CloudEvent
from meriter_verifier.identities import repository


def did_document(identity: IssuerIdentityChanged) -> dict[str, Any]:
    """The DID document of the identity's DID: its keys as Multikey assertion methods."""
    methods = [
        {
            "id": vm.id,
            "type": "Multikey",
            "controller": vm.controller,
            "publicKeyMultibase": vm.public_key_multibase,
        }
        for vm in identity.verification_methods
        if vm.controller == identity.did
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": identity.did,
        "verificationMethod": methods,
        "authentication": ids,
        "assertionMethod": ids,
    }


async def apply_identity(
    conn: Connection, identity: IssuerIdentityChanged, event: CloudEvent
) -> None:
    dids = sorted({identity.did, *identity.former_dids})
    await repository.upsert_identity(
        conn,
        identity.institution_id,
        identity.did,
        identity.method,
        did_document(identity),
        dids,
        event.time,
    )
    await repository.bump(conn)
