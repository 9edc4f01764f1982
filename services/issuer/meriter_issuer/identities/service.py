"""Issuer identities: the DID and keys each institution issues under.

Invariants:
- An institution gets an identity (a sealed Ed25519 key and a did:web DID
  under the issuer's public base URL) the first time it is needed; two
  transactions racing to create it end with one.
- did:web is the default; an institution (or the admin) may choose did:key
  instead. Rotation adds a key for signing and retires the previous ones;
  a did:web document keeps every public key, so earlier credentials verify.
- Every change publishes ``issuer.identity_changed`` with the DID, all
  public keys and every DID used before, so verifiers know all of them.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any, Literal

from meriter_credentials.did import DID_CONTEXT, MULTIKEY_CONTEXT
from meriter_credentials.keys import did_key_for, public_key_from_multibase
from meriter_issuer.identities import repository
from meriter_issuer.identities.keystore import KeyStore, SigningKey
from meriter_issuer.identities.schemas import IssuerOut
from meriter_shared.auth import Principal, Role, authorize
from meriter_shared.db.outbox import enqueue
from meriter_shared.db.types import Connection
from meriter_shared.errors import NotFound
from meriter_shared.events.credentials import IssuerIdentityChanged, VerificationMethod
from meriter_shared.projections import registry as registry_projection

Method = Literal["web", "key"]


def did_web_for(public_base_url: str, institution_id: str) -> str:
    """``https://credentials.example.se`` → ``did:web:credentials.example.se:issuers:<id>``."""
    url = urllib.parse.urlsplit(public_base_url)
    segments = [urllib.parse.quote(url.netloc, safe="")]
    segments += [urllib.parse.quote(p, safe="") for p in url.path.split("/") if p]
    return "did:web:" + ":".join([*segments, "issuers", institution_id])


def _did(method: str, did_web: str, public_multibase: str) -> tuple[str, str]:
    """(controller DID, verification method id) of a key under ``method``."""
    if method == "key":
        return did_key_for(public_key_from_multibase(public_multibase))
    return did_web, f"{did_web}#{public_multibase}"


@dataclass(frozen=True)
class Identity:
    institution_id: str
    method: Method
    did: str
    signing: SigningKey
    keys: list[dict[str, Any]]  # every public key, newest first

    def verification_methods(self) -> list[dict[str, Any]]:
        return [
            {
                "id": k["vm_id"],
                "type": "Multikey",
                "controller": k["controller"],
                "publicKeyMultibase": k["public_multibase"],
                **({"retired_at": k["retired_at"]} if k["retired_at"] else {}),
            }
            for k in self.keys
        ]


class Identities:
    """The identity rules; ``public_base_url`` is where the issuer is reached."""

    def __init__(self, keystore: KeyStore, public_base_url: str) -> None:
        self.keystore = keystore
        self.public_base_url = public_base_url

    def did_web(self, institution_id: str) -> str:
        return did_web_for(self.public_base_url, institution_id)

    async def issuer(self, conn: Connection, principal: Principal, institution_id: str) -> Identity:
        """The institution's identity (created on first use); only it (or the admin) asks."""
        _may_manage(principal, institution_id)
        await self.known(conn, institution_id)
        return await self.ensure(conn, institution_id)

    def describe(self, identity: Identity) -> IssuerOut:
        """What the institution is told about its identity (no key material, keys marked
        retired, where its did:web document is)."""
        base = self.public_base_url
        return IssuerOut(
            institution_id=identity.institution_id,
            did=identity.did,
            method=identity.method,
            verification_methods=[
                {k: v for k, v in m.items() if k != "retired_at"} | {"retired": "retired_at" in m}
                for m in identity.verification_methods()
            ],
            did_document_url=f"{base}/issuers/{identity.institution_id}/did.json"
            if identity.method == "web"
            else None,
        )

    async def ensure(self, conn: Connection, institution_id: str) -> Identity:
        """The institution's identity, created (did:web, one key) if it has none."""
        found = await self.load(conn, institution_id)
        if found is not None:
            return found
        key = self.keystore.new_key()
        async with conn.transaction():
            await repository.insert_key(
                conn, key.key_id, institution_id, key.public_multibase, key.sealed_seed
            )
            created = await repository.insert_identity(
                conn, institution_id, "web", self.did_web(institution_id), key.key_id
            )
            if created:
                identity = await self.load(conn, institution_id)
                assert identity is not None
                await self._announce(conn, identity)
        if not created:  # another transaction won; its key is the one
            await repository.delete_key(conn, key.key_id)
        identity = await self.load(conn, institution_id)
        assert identity is not None
        return identity

    async def load(self, conn: Connection, institution_id: str) -> Identity | None:
        row = await repository.identity(conn, institution_id)
        if row is None:
            return None
        did_web = self.did_web(institution_id)
        keys = []
        signing: SigningKey | None = None
        for k in await repository.keys(conn, institution_id):
            controller, vm_id = _did(row["method"], did_web, k["public_multibase"])
            if row["method"] == "web" or k["key_id"] == row["signing_key_id"]:
                keys.append({**dict(k), "controller": controller, "vm_id": vm_id})
            if k["key_id"] == row["signing_key_id"]:
                signing = SigningKey(
                    k["key_id"], controller, vm_id, k["public_multibase"], k["sealed_seed"]
                )
        assert signing is not None
        return Identity(institution_id, row["method"], row["did"], signing, keys)

    async def signing_keys(
        self, conn: Connection, institution_ids: list[str]
    ) -> dict[str, SigningKey]:
        """The current signing key of each institution that has an identity."""
        out: dict[str, SigningKey] = {}
        for row in await repository.identities(conn, institution_ids):
            controller, vm_id = _did(
                row["method"], self.did_web(row["institution_id"]), row["public_multibase"]
            )
            out[row["institution_id"]] = SigningKey(
                row["key_id"], controller, vm_id, row["public_multibase"], row["sealed_seed"]
            )
        return out

    async def choose_method(
        self, conn: Connection, principal: Principal, institution_id: str, method: Method
    ) -> Identity:
        """Issue under ``method`` from now on (and announce it); a no-op when it already is."""
        current = await self.issuer(conn, principal, institution_id)
        if current.method == method:
            return current
        async with conn.transaction():
            did, _ = _did(method, self.did_web(institution_id), current.signing.public_multibase)
            await repository.update_identity(
                conn, institution_id, method, did, current.signing.key_id
            )
            changed = await self.load(conn, institution_id)
            assert changed is not None
            await self._announce(conn, changed)
        return changed

    async def rotate(self, conn: Connection, principal: Principal, institution_id: str) -> Identity:
        """A new signing key; the old ones are retired but stay published."""
        current = await self.issuer(conn, principal, institution_id)
        key = self.keystore.new_key()
        async with conn.transaction():
            await repository.identity(conn, institution_id, lock=True)
            await repository.insert_key(
                conn, key.key_id, institution_id, key.public_multibase, key.sealed_seed
            )
            await repository.retire_keys(conn, institution_id, key.key_id)
            did, _ = _did(current.method, self.did_web(institution_id), key.public_multibase)
            await repository.update_identity(conn, institution_id, current.method, did, key.key_id)
            rotated = await self.load(conn, institution_id)
            assert rotated is not None
            await self._announce(conn, rotated)
        return rotated

    async def did_document(self, conn: Connection, institution_id: str) -> dict[str, Any]:
        """The did:web document: every key the institution has signed with."""
        identity = await self.load(conn, institution_id)
        if identity is None or identity.method != "web":
            raise NotFound(f"no did:web issuer {institution_id}")
        ids = [k["vm_id"] for k in identity.keys]
        return {
            "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
            "id": identity.did,
            "verificationMethod": [
                {k: v for k, v in m.items() if k != "retired_at"}
                for m in identity.verification_methods()
            ],
            "authentication": ids,
            "assertionMethod": ids,
        }

    async def known(self, conn: Connection, institution_id: str) -> None:
        """404 for an institution the registry has not announced."""
        if await registry_projection.institution(conn, institution_id) is None:
            raise NotFound(f"no institution {institution_id}")

    async def _announce(self, conn: Connection, identity: Identity) -> None:
        did_web = self.did_web(identity.institution_id)
        all_keys = await repository.keys(conn, identity.institution_id)
        former = _former_dids(identity, did_web, all_keys)
        await enqueue(
            conn,
            IssuerIdentityChanged(
                institution_id=identity.institution_id,
                did=identity.did,
                method=identity.method,
                verification_methods=[
                    VerificationMethod(
                        id=k["vm_id"],
                        controller=k["controller"],
                        public_key_multibase=k["public_multibase"],
                        retired_at=k["retired_at"],
                    )
                    for k in identity.keys
                ],
                former_dids=former,
            ),
        )


def _may_manage(principal: Principal, institution_id: str) -> None:
    """An institution manages its own identity; the admin any."""
    authorize(principal, Role.INSTITUTION, tenant_id=institution_id)


def _former_dids(identity: Identity, did_web: str, all_keys: list[Any]) -> list[str]:
    """Every DID the institution may have signed under besides its current one."""
    candidates = {did_web} | {_did("key", did_web, k["public_multibase"])[0] for k in all_keys}
    return sorted(candidates - {identity.did})
