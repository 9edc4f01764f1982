"""The W3C VC-API door: an institution signs credentials it built itself.

Invariants:
- Only an institution's own client issues, and only as that institution: the
  credential's ``issuer`` is set to the institution's DID (from
  ``Identities.ensure``: did:web by default, did:key when the institution
  chose it), or must already be that DID. The admin is refused: a credential
  says who issued it, and the admin is not an issuer (it can still change any
  credential's status).
- The same engine, keys and rules as the results path: a credential that
  breaks the VC Data Model (2.0, or 1.1, which gains the Data Integrity
  context), is not processable JSON-LD in safe mode, names a blank node as its
  subject, or holds a malformed ``BitstringStatusListEntry`` is refused with
  422 and every reason, before anything is allocated or signed.
- ``options.credentialStatus`` asks for status entries (revocation and/or
  suspension): one fresh index in the institution's list pair
  (``StatusLists.allocate``), one entry per purpose; entries the institution
  wrote itself are kept as given.
- Allocation, list publication, the stored credential and its
  ``credential.issued`` event commit in one transaction; signing happens in
  a thread with the key store (never on the event loop).
- ``POST /credentials/status`` changes status through ``StatusLists.change``
  only: the issuing institution (or the admin), for the purposes the
  credential carries entries for.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import uuid
from typing import Any

from prometheus_client import Counter

from meriter_credentials import vcdm
from meriter_credentials.proofs import RDFC, ProofError
from meriter_issuer.components import Components
from meriter_issuer.issuance.signing import Signer, SignJob
from meriter_issuer.vcapi import repository
from meriter_issuer.vcapi.schemas import IssueRequest, UpdateStatusRequest
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound, ValidationProblem
from meriter_shared.events.credentials import CredentialIssued
from meriter_shared.projections import registry as projection

log = logging.getLogger(__name__)
VCAPI_ISSUED = Counter(
    "meriter_issuer_vcapi_issued_total", "Credentials signed through the VC-API", ["suite"]
)
_BASE10 = re.compile(r"^(0|[1-9][0-9]*)$")
STATUS_ENTRY = "BitstringStatusListEntry"


def _problem(detail: str, errors: list[dict[str, Any]]) -> ValidationProblem:
    return ValidationProblem(detail, errors=errors)


def _error(pointer: str, message: str, code: str) -> dict[str, Any]:
    return {
        "in": "body",
        "pointer": "/credential" + pointer,
        "field": "credential" + pointer.replace("/", "."),
        "message": message,
        "code": code,
    }


def _walk(value: Any, path: str = "") -> Any:
    """Every JSON object in ``value`` with its JSON Pointer."""
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from _walk(v, f"{path}/{str(k).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}/{i}")


def status_entry_problems(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """Bitstring Status List entries anywhere in the credential must be well formed
    (a base-10 string index, a URL list, a purpose): a malformed one is a
    MALFORMED_VALUE_ERROR, not something to sign."""
    errors = []
    for path, obj in _walk(credential):
        types = obj.get("type")
        if STATUS_ENTRY not in (types if isinstance(types, list) else [types]):
            continue
        index = obj.get("statusListIndex")
        if not isinstance(index, str) or not _BASE10.match(index):
            errors.append(
                _error(
                    f"{path}/statusListIndex",
                    "statusListIndex must be a non-negative integer as a base-10 string",
                    "status-index",
                )
            )
        if not vcdm.is_url(obj.get("statusListCredential")):
            errors.append(
                _error(
                    f"{path}/statusListCredential",
                    "statusListCredential must be a URL",
                    "status-list-url",
                )
            )
        if not isinstance(obj.get("statusPurpose"), str):
            errors.append(
                _error(f"{path}/statusPurpose", "statusPurpose must be a string", "status-purpose")
            )
    return errors


def _title(credential: dict[str, Any]) -> str:
    name = credential.get("name")
    if isinstance(name, dict):
        name = name.get("@value")
    if isinstance(name, list) and name:
        first = name[0]
        name = first.get("@value") if isinstance(first, dict) else first
    if isinstance(name, str) and name.strip():
        return name[:500]
    types = credential.get("type")
    last = types[-1] if isinstance(types, list) and types else types
    return str(last or "VerifiableCredential")[:500]


async def issue(
    conn: Connection,
    components: Components,
    signer: Signer,
    institution_id: str,
    request: IssueRequest,
    *,
    suite: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(Meriter's credential id, the signed credential)."""
    credential = copy.deepcopy(request.credential)
    options = request.options
    suite = options.suite() or suite or RDFC
    if "proof" in credential:
        raise _problem(
            "the credential already carries a proof; send it unsigned",
            [_error("/proof", "an unsigned credential has no proof", "proof-present")],
        )
    await components.identities.known(conn, institution_id)
    identity = await components.identities.ensure(conn, institution_id)
    issuer = credential.get("issuer")
    if "issuer" not in credential:  # an explicit null is a malformed issuer, not a missing one
        credential["issuer"] = identity.did
    else:
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id != identity.did:
            raise _problem(
                f"the issuer must be this institution's DID, {identity.did}",
                [_error("/issuer", f"expected {identity.did}", "issuer-not-institution")],
            )
    problems = await asyncio.to_thread(vcdm.validate, credential, allow_v1=True)
    errors = [_error(p.path, p.message, p.code) for p in problems]
    errors += status_entry_problems(credential)
    if errors:
        raise _problem("the credential cannot be signed; see errors", errors)

    purposes = options.purposes()
    status_urls: list[str] = []
    now = components.clock()
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    lists = components.status_lists
    async with conn.transaction():
        slot: tuple[int, int] | None = None
        if purposes:
            (slot,) = await lists.allocate(conn, institution_id, 1)
            await lists.publish_new(conn, institution_id, identity.signing, signer)
            entries = [lists.entry(institution_id, slot[0], slot[1], p) for p in purposes]
            status_urls = [e["statusListCredential"] for e in entries]
            given = credential.get("credentialStatus")
            given_list = [] if given is None else given if isinstance(given, list) else [given]
            combined = [*given_list, *entries]
            credential["credentialStatus"] = combined[0] if len(combined) == 1 else combined
        try:
            (signed,) = await signer.sign([SignJob(identity.signing, credential, suite)])
        except ProofError as exc:
            raise _problem(str(exc), [_error("", str(exc), "cannot-sign")]) from exc
        institution = await projection.institution(conn, institution_id)
        vc_id = options.credentialId or (
            credential["id"] if isinstance(credential.get("id"), str) else None
        )
        await repository.store(
            conn,
            credential_id=credential_id,
            institution_id=institution_id,
            issued_at=now,
            title=_title(credential),
            slot=slot,
            purposes=list(purposes),
            document=signed,
            vc_id=vc_id,
        )
        await enqueue(
            conn,
            CredentialIssued(
                credential_id=credential_id,
                institution_id=institution_id,
                result_id=None,
                issued_at=now,
                title=_title(credential),
                institution_name=institution.name_official if institution else institution_id,
                status_list_credentials=status_urls,
            ),
        )
    VCAPI_ISSUED.labels(suite).inc()
    log.info(
        "credential signed through the VC-API",
        extra={"credential_id": credential_id, "institution_id": institution_id, "suite": suite},
    )
    return credential_id, signed


async def update_status(
    conn: Connection,
    components: Components,
    signer: Signer,
    principal: Principal,
    change: UpdateStatusRequest,
) -> list[dict[str, Any]]:
    """Set or clear the status of every credential ``credentialId`` names."""
    authorize(principal, Role.INSTITUTION)
    own = principal.tenant_id if principal.role is Role.INSTITUTION else None
    found = await repository.find(conn, change.credentialId, own)
    if not found:
        raise NotFound(f"no credential {change.credentialId} of this institution")

    purpose = change.credentialStatus.statusPurpose
    reason = change.reason or f"{purpose} {'set' if change.status else 'cleared'} via the VC-API"
    return [
        await components.status_lists.change(
            conn,
            principal,
            credential_id,
            purpose,
            change.status,
            reason,
            components.identities,
            signer,
            components.clock(),
        )
        for credential_id in found
    ]
