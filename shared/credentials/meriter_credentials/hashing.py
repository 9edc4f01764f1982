"""What a Data Integrity proof signs, and the memo that makes signing cheap.

hashData = sha256(canonical proof configuration) ‖ sha256(canonical document),
each in its suite's canonical form (RDFC-1.0 N-Quads for eddsa-rdfc-2022, JCS
for eddsa-jcs-2022). Across calls only the hash of the canonical proof
configuration is memoized (bounded LRU keyed by the configuration's exact
JSON value, suite and work limit); a :class:`Prepared` document canonicalizes
its unsecured form once for every proof of a set. ``proofs`` builds on this.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import rfc8785

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
SUITES = (RDFC, JCS)


class ProofError(Exception):
    """A proof could not be created (bad input or canonicalization failure)."""


def canonicalize_document(
    document: Mapping[str, Any], suite: str, *, max_work: int | None = None
) -> str:
    """The suite's canonical form of a JSON-LD document (RDFC-1.0 N-Quads or JCS)."""
    if suite == JCS:
        return rfc8785.dumps(document).decode("utf-8")
    if suite == RDFC:
        # Imported lazily: the RDFC stack is heavy and the JCS suite must work without it.
        module = importlib.import_module("meriter_credentials.jsonld")
        canonicalize: Callable[..., str] = module.canonicalize
        if max_work is None:  # the canonicalizer's own default, not "None units"
            return canonicalize(document)
        return canonicalize(document, max_work=max_work)
    raise ProofError(f"unsupported cryptosuite {suite!r}")


def proof_config_for_hashing(
    proof_options: Mapping[str, Any], document: Mapping[str, Any], suite: str
) -> dict[str, Any]:
    """The proof configuration whose canonical form is hashed (no proofValue)."""
    config = {k: v for k, v in proof_options.items() if k != "proofValue"}
    if suite == RDFC and "@context" in document:
        config["@context"] = document["@context"]
    return config


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    return _sha256(canonical_proof_config) + _sha256(canonical_document)


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _freeze(value: Any) -> Hashable:
    """A hashable image of a JSON value that is equal only for equal JSON values.

    Types are kept apart (``1``, ``1.0`` and ``true`` differ); anything that
    is not plain JSON (tuples, subclasses, non-string keys) raises TypeError.
    """
    kind = type(value)
    if kind is str:
        text: str = value
        return text
    if kind is dict:
        items = []
        for k, v in value.items():
            if type(k) is not str:
                raise TypeError("non-string key")
            items.append((k, _freeze(v)))
        return (dict, tuple(items))
    if kind is list:
        return (list, tuple(_freeze(v) for v in value))
    if kind is int or kind is float or kind is bool or value is None:
        return (kind, value)
    raise TypeError(f"not a JSON value: {kind.__name__}")


class _DigestCache:
    """A small thread-safe LRU map from a hashable key to a digest."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, digest: bytes) -> None:
        with self._lock:
            self._entries[key] = digest
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CONFIG_DIGESTS = _DigestCache(256)


def _proof_config_digest(config: Mapping[str, Any], suite: str, max_work: int | None) -> bytes:
    """sha256 of the canonical proof configuration, memoized.

    A configuration holds ``type``, ``cryptosuite``, ``created``,
    ``verificationMethod``, ``proofPurpose`` (and any other proof options)
    plus the document's ``@context``, so every document an issuer signs in
    the same second, and every credential a verifier sees from that issuer
    and second, shares it. Failures are never memoized.
    """
    try:
        key: Hashable = (suite, max_work, _freeze(config))
    except TypeError:
        return _sha256(canonicalize_document(config, suite, max_work=max_work))
    digest = _CONFIG_DIGESTS.get(key)
    if digest is None:
        digest = _sha256(canonicalize_document(config, suite, max_work=max_work))
        _CONFIG_DIGESTS.put(key, digest)
    return digest


def _hash_for_signing(
    config: Mapping[str, Any], unsecured: Mapping[str, Any], suite: str, max_work: int | None
) -> bytes:
    """``hash_data`` of the canonical configuration and document: the document is
    canonicalized afresh each time, the configuration's hash may be memoized."""
    document_digest = _sha256(canonicalize_document(unsecured, suite, max_work=max_work))
    return _proof_config_digest(config, suite, max_work) + document_digest


class Prepared:
    """One document's unsecured form (no ``proof``), its RDF and canonical forms, each
    computed at most once; a failure to compute one is kept and raised again."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.unsecured: dict[str, Any] = {k: v for k, v in document.items() if k != "proof"}
        self._quads: list[Any] | None = None
        self._canonical: dict[tuple[str, int | None], str] = {}
        self._error: Exception | None = None

    def quads(self) -> list[Any]:
        """The unsecured document's RDF (``jsonld.to_rdf``, safe mode)."""
        if self._error is not None:
            raise self._error
        if self._quads is None:
            module = importlib.import_module("meriter_credentials.jsonld")
            try:
                self._quads = list(module.to_rdf(self.unsecured))
            except Exception as exc:
                self._error = exc
                raise
        return self._quads

    def canonical(self, suite: str, max_work: int | None) -> str:
        key = (suite, max_work)
        found = self._canonical.get(key)
        if found is None:
            if suite == RDFC:
                from meriter_credentials import rdfc

                limit = rdfc.DEFAULT_MAX_WORK if max_work is None else max_work
                found = rdfc.canonicalize_quads(self.quads(), max_work=limit).nquads
            else:
                found = canonicalize_document(self.unsecured, suite, max_work=max_work)
            self._canonical[key] = found
        return found

    def covers(self, proof: Mapping[str, Any]) -> bool:
        """Whether ``proof`` signs exactly the unsecured document (no chain, same context)."""
        return not proof.get("previousProof") and (
            "@context" not in proof or proof["@context"] == self.document.get("@context")
        )
