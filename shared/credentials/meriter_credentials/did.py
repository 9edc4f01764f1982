"""did:key and did:web documents, and offline DID resolution.

Invariants:

- Resolution never touches the network unless the caller built a resolver
  that explicitly allows it; the default :class:`OfflineResolver` resolves
  did:key from the key itself and did:web only from a caller-given mapping
  (e.g. the ``--did-docs FILE`` of ``meriter vc verify``).
- A resolved document must have ``id`` equal to the requested DID; anything
  else is a resolution failure (a mapping cannot smuggle in another DID).
- did:web → URL follows the did:web method: ``:`` separates path segments,
  ``%3A`` in the host segment is a port colon, no path → ``/.well-known``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any, Protocol

from meriter_credentials.keys import (
    Ed25519KeyPair,
    KeyFormatError,
    public_key_from_multibase,
)
from meriter_credentials.values import as_list

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


class DidResolutionError(Exception):
    """A DID could not be resolved (unknown method, not in the mapping, invalid document)."""


class DidResolver(Protocol):
    def resolve(self, did: str) -> dict[str, Any]:
        """Return the DID document for ``did`` or raise :class:`DidResolutionError`."""
        ...


def _multikey_document(did: str, vm_id: str, public_key_multibase: str) -> dict[str, Any]:
    method = {
        "id": vm_id,
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": public_key_multibase,
    }
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [method],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


def did_key_document(did: str) -> dict[str, Any]:
    """DID document of an Ed25519 did:key (``did:key:z6Mk…``)."""
    if not did.startswith("did:key:"):
        raise DidResolutionError("not a did:key DID")
    mb = did[len("did:key:") :]
    try:
        public_key_from_multibase(mb)
    except KeyFormatError as exc:
        raise DidResolutionError(f"unsupported did:key: {exc}") from exc
    return _multikey_document(did, f"{did}#{mb}", mb)


def did_web_document(did: str, keys: list[Ed25519KeyPair]) -> dict[str, Any]:
    """A did:web document listing ``keys`` as Multikey assertion methods."""
    did_web_to_url(did)  # validates the DID syntax
    if not keys:
        raise ValueError("a did:web document needs at least one key")
    methods = []
    for key in keys:
        if key.controller != did:
            raise ValueError(f"key {key.id} is not controlled by {did}")
        methods.append(key.public_json())
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "authentication": ids,
        "assertionMethod": ids,
    }


def did_web_to_url(did: str) -> str:
    """The https URL of a did:web DID's document."""
    if not did.startswith("did:web:"):
        raise DidResolutionError("not a did:web DID")
    specific = did[len("did:web:") :]
    if not specific or "#" in specific or "?" in specific or "/" in specific:
        raise DidResolutionError("malformed did:web")
    segments = specific.split(":")
    host = urllib.parse.unquote(segments[0])
    if not host or any(c in host for c in "/@\\ ") or host.count(":") > 1:
        raise DidResolutionError("malformed did:web host")
    path = [urllib.parse.unquote(s) for s in segments[1:]]
    if any(not s or "/" in s or s in (".", "..") for s in path):
        raise DidResolutionError("malformed did:web path")
    if path:
        return f"https://{host}/{'/'.join(path)}/did.json"
    return f"https://{host}/.well-known/did.json"


def _split_did_url(did_url: str) -> tuple[str, str | None]:
    did, _, fragment = did_url.partition("#")
    return did, (fragment or None)


class OfflineResolver:
    """Resolves did:key locally and did:web from a fixed mapping DID → document."""

    def __init__(self, did_docs: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._docs = {k: dict(v) for k, v in (did_docs or {}).items()}

    def resolve(self, did: str) -> dict[str, Any]:
        did, _ = _split_did_url(did)
        if did.startswith("did:key:"):
            return did_key_document(did)
        if did.startswith("did:web:"):
            did_web_to_url(did)
            doc = self._docs.get(did)
            if doc is None:
                raise DidResolutionError(
                    f"{did} is not in the given DID documents (network resolution is off)"
                )
            if doc.get("id") != did:
                raise DidResolutionError(f"document for {did} has a different id")
            return doc
        raise DidResolutionError(
            f"unsupported DID method: {did.split(':')[1] if ':' in did else did}"
        )


def find_verification_method(
    document: Mapping[str, Any], vm_id: str, *, relationship: str = "assertionMethod"
) -> dict[str, Any] | None:
    """The verification method ``vm_id`` if ``document`` authorises it for ``relationship``.

    Relative ids (``#key``) are resolved against the document id. Returns None
    when the method is absent or not listed under the relationship.
    """
    doc_id = document.get("id")
    if not isinstance(doc_id, str):
        return None

    def absolute(ref: str) -> str:
        return doc_id + ref if ref.startswith("#") else ref

    methods: dict[str, dict[str, Any]] = {}
    for entry in as_list(document.get("verificationMethod")):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            methods[absolute(entry["id"])] = entry
    authorised = False
    for entry in as_list(document.get(relationship)):
        if isinstance(entry, str) and absolute(entry) == vm_id:
            authorised = True
        elif (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and absolute(entry["id"]) == vm_id
        ):
            authorised = True
            methods[vm_id] = entry
    if not authorised:
        return None
    return methods.get(vm_id)
