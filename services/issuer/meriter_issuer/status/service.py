"""Revocation and suspension through Bitstring Status Lists.

Invariants:
- Every credential holds one index in its institution's current list pair
  (``revocation`` and ``suspension`` share the index space; see ``entry``); indices come
  from ``allocator.permute_many`` and are never reused; a full pair opens the next
  generation.
- A list is published as a signed ``BitstringStatusListCredential`` under
  the institution's DID, rebuilt when a bit changes (and when first opened),
  never per request; readers get it with an ETag.
- Only the issuing institution (or the admin) changes a credential's status,
  with a reason; each change publishes ``credential.revoked`` /
  ``credential.suspended`` / ``credential.reinstated``. Revocation is final.
- The issuer itself revokes a credential its correction supersedes
  (``revoke``, reason ``superseded``), in the transaction that stores the
  new one: the same bit, the same re-signed list, the same event.
- A credential is named by ``urn:uuid:<uuid>`` or by the bare UUID.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from typing import Any, Literal

from meriter_credentials.statuslist import (
    BitstringStatusList,
    status_entry,
    status_list_credential,
)
from meriter_issuer.credentials.service import credential_key, status_of
from meriter_issuer.identities.keystore import SigningKey
from meriter_issuer.identities.service import Identities
from meriter_issuer.issuance.signing import Signer, SignJob
from meriter_issuer.status import repository
from meriter_issuer.status.allocator import permute_many
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.errors import Conflict, NotFound
from meriter_shared.events.credentials import (
    CredentialReinstated,
    CredentialRevoked,
    CredentialSuspended,
)

Purpose = Literal["revocation", "suspension"]
PURPOSES: tuple[Purpose, ...] = ("revocation", "suspension")
LIST_LENGTH = 131_072


class StatusLists:
    def __init__(self, public_base_url: str, *, length: int = LIST_LENGTH) -> None:
        self.base = public_base_url.rstrip("/")
        self.length = length

    @staticmethod
    def list_id(institution_id: str, generation: int, purpose: str) -> str:
        return f"{institution_id}-{generation}-{purpose}"

    def url(self, list_id: str) -> str:
        return f"{self.base}/status-lists/{list_id}"

    def entry(
        self, institution_id: str, generation: int, index: int, purpose: Purpose = "revocation"
    ) -> dict[str, Any]:
        """A ``BitstringStatusListEntry`` for the credential at ``index``.

        An Open Badges 3.0 credential holds at most one ``credentialStatus``
        (its schema makes it an object), so the platform's micro-credentials
        carry their revocation entry; the suspension list holds the same index,
        which Meriter's verifier reads beside it (``sibling``). Credentials
        signed through the VC-API may carry both entries.
        """
        list_url = self.url(self.list_id(institution_id, generation, purpose))
        return status_entry(list_url, index, purpose=purpose)

    @staticmethod
    def sibling(list_url: str, purpose: Purpose) -> str:
        """The URL of the list of ``purpose`` sharing a list's index space."""
        stem = list_url.rsplit("-", 1)[0]
        return f"{stem}-{purpose}"

    async def allocate(
        self, conn: Connection, institution_id: str, count: int
    ) -> list[tuple[int, int]]:
        """``count`` fresh (generation, index) pairs in the institution's current lists."""
        while True:
            taken = await repository.take_counters(conn, institution_id, count)
            if taken is not None:
                generation, first, key = taken
                return [(generation, n) for n in permute_many(first, count, key, self.length)]
            generation = await repository.current_generation(conn, institution_id) + 1
            if await repository.new_generation(
                conn, institution_id, generation, os.urandom(32), self.length
            ):
                empty = BitstringStatusList(self.length).to_bytes()
                for purpose in PURPOSES:
                    await repository.insert_list(
                        conn,
                        self.list_id(institution_id, generation, purpose),
                        institution_id,
                        generation,
                        purpose,
                        self.length,
                        empty,
                    )

    async def publish_new(
        self, conn: Connection, institution_id: str, key: SigningKey, signer: Signer
    ) -> None:
        """Sign the lists opened since the last publication (empty, for a new generation)."""
        rows = await repository.unsigned_lists(conn, institution_id)
        await self._publish(conn, rows, key, signer)

    async def _publish(
        self, conn: Connection, rows: list[Any], key: SigningKey, signer: Signer
    ) -> None:
        unsigned = [
            status_list_credential(
                self.url(row["list_id"]),
                issuer=key.controller,
                purpose=row["purpose"],
                status_list=BitstringStatusList.from_bytes(row["bits"]),
            )
            for row in rows
        ]
        signed = await signer.sign([SignJob(key, doc) for doc in unsigned])
        for row, document in zip(rows, signed, strict=True):
            etag = '"' + hashlib.sha256(json.dumps(document).encode()).hexdigest()[:32] + '"'
            await repository.store_signed(conn, row["list_id"], row["bits"], document, etag)

    async def change(
        self,
        conn: Connection,
        principal: Principal,
        credential_id: str,
        purpose: Purpose,
        value: bool,
        reason: str,
        identities: Identities,
        signer: Signer,
        now: datetime,
    ) -> dict[str, Any]:
        """Set or clear a credential's bit; re-sign its list; announce the change."""
        credential_id = credential_key(credential_id)
        async with conn.transaction():
            row = await repository.credential_status(conn, credential_id, lock=True)
            if row is None:
                raise NotFound(f"no credential {credential_id}")
            authorize(principal, Role.INSTITUTION, tenant_id=row["institution_id"])
            purposes = row["status_purposes"]
            if row["generation"] is None or (purposes is not None and purpose not in purposes):
                # a VC-API credential carries the entries it asked for, or none
                raise Conflict(f"credential {credential_id} carries no {purpose} status entry")
            if purpose == "revocation" and row["revoked"] and not value:
                raise Conflict("a revoked credential stays revoked")
            current = row["revoked"] if purpose == "revocation" else row["suspended"]
            if current != value:
                list_id = self.list_id(row["institution_id"], row["generation"], purpose)
                listed = await repository.list_row(conn, list_id, lock=True)
                bits = BitstringStatusList.from_bytes(listed["bits"])
                bits.set(row["status_index"], 1 if value else 0)
                key = (await identities.ensure(conn, row["institution_id"])).signing
                await repository.set_credential_status(conn, credential_id, purpose, value, reason)
                await self._publish(conn, [{**dict(listed), "bits": bits.to_bytes()}], key, signer)
                contract = (
                    CredentialReinstated
                    if not value
                    else CredentialRevoked
                    if purpose == "revocation"
                    else CredentialSuspended
                )
                await enqueue(
                    conn,
                    contract(
                        credential_id=credential_id,
                        institution_id=row["institution_id"],
                        purpose=purpose,
                        reason=reason,
                        changed_at=now,
                    ),
                )
            revoked = value if purpose == "revocation" else row["revoked"]
            suspended = value if purpose == "suspension" else row["suspended"]
        return {
            "credential_id": credential_id,
            "revoked": revoked,
            "suspended": suspended,
            "status": status_of(revoked=revoked, suspended=suspended),
        }

    async def revoke(
        self,
        conn: Connection,
        institution_id: str,
        credential_ids: list[str],
        reason: str,
        key: SigningKey,
        signer: Signer,
        now: datetime,
    ) -> list[str]:
        """The issuer's own revocation of these credentials of one institution (those not
        revoked yet), each list re-signed once; the ids it revoked now. Runs in the
        caller's transaction. Rows are locked in id order, lists in list order, so two
        batches revoking side by side never wait on each other in a circle."""
        rows = []
        for credential_id in sorted(set(credential_ids)):
            row = await repository.credential_status(conn, credential_id, lock=True)
            if row is None or row["institution_id"] != institution_id:
                continue
            if row["revoked"] or row["generation"] is None:
                continue
            rows.append(row)
        by_list: dict[str, list[Any]] = {}
        for row in rows:
            list_id = self.list_id(institution_id, row["generation"], "revocation")
            by_list.setdefault(list_id, []).append(row)
        for list_id in sorted(by_list):
            listed = await repository.list_row(conn, list_id, lock=True)
            bits = BitstringStatusList.from_bytes(listed["bits"])
            for row in by_list[list_id]:
                bits.set(row["status_index"], 1)
                await repository.set_credential_status(
                    conn, row["credential_id"], "revocation", True, reason
                )
            await self._publish(conn, [{**dict(listed), "bits": bits.to_bytes()}], key, signer)
        for row in rows:
            await enqueue(
                conn,
                CredentialRevoked(
                    credential_id=row["credential_id"],
                    institution_id=institution_id,
                    purpose="revocation",
                    reason=reason,
                    changed_at=now,
                ),
            )
        return [r["credential_id"] for r in rows]

    async def published(self, conn: Connection, list_id: str) -> tuple[dict[str, Any], str]:
        row = await repository.published(conn, list_id)
        if row is None:
            raise NotFound(f"no status list {list_id}")
        return row["document"], row["etag"]
