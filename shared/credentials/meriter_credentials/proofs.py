"""Data Integrity proofs (``DataIntegrityProof``) with eddsa-rdfc-2022 and eddsa-jcs-2022,
and the legacy ``Ed25519Signature2020`` suite (verification only).

Invariants:

- hashData = sha256(canonical proof config) ‖ sha256(canonical document);
  the 64 bytes are signed with Ed25519 and the signature is stored as a
  base58btc multibase ``proofValue``.
- The document that is hashed never contains ``proof`` — except, for a
  proof with ``previousProof``, exactly the proofs it names (proof chains).
- eddsa-rdfc-2022 canonicalizes with RDFC-1.0 (``jsonld.canonicalize``); the
  proof config is canonicalized under the document's ``@context`` and the
  emitted proof carries no ``@context``. eddsa-jcs-2022 canonicalizes with
  JCS (RFC 8785) and the emitted proof carries the document's ``@context``.
- Verification fails closed: any exception, unknown suite, malformed value,
  unresolvable or unauthorised verification method yields a failed
  :class:`ProofResult` carrying the reason — never an exception, never True.
- ``Ed25519Signature2020`` (what many Open Badges issuers and the Digital
  Credentials Consortium sign VC 1.1 credentials with) hashes exactly as
  eddsa-rdfc-2022 does — URDNA2015 (= RDFC-1.0) of the proof options under
  the document's ``@context``, then of the document — but names no
  cryptosuite; results report it as the "cryptosuite" ``Ed25519Signature2020``.
- Across calls, only the hash of the canonical proof configuration is
  memoized (bounded LRU keyed by the configuration's exact JSON value, suite
  and work limit): it is a pure function of those, and documents signed by
  one issuer share it. Within one verification a :class:`Prepared` document
  canonicalizes its unsecured form once for every proof of a set (and lends
  its RDF to other checks); nothing of a document outlives it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from meriter_credentials.did import DidResolver, find_verification_method
from meriter_credentials.hashing import (
    JCS,
    RDFC,
    SUITES,
    Prepared,
    ProofError,
    _hash_for_signing,
    _proof_config_digest,
    _sha256,
    canonicalize_document,
    hash_data,
    proof_config_for_hashing,
)
from meriter_credentials.keys import (
    Ed25519KeyPair,
    public_key_from_multibase,
    verify_signature,
)
from meriter_credentials.multibase import decode_base58btc, encode_base58btc
from meriter_credentials.values import as_list, parse_stamp
from meriter_credentials.vcdm import value_problems

__all__ = [
    "DATA_INTEGRITY_CONTEXT",
    "JCS",
    "LEGACY_ED25519",
    "PROOF_TYPE",
    "RDFC",
    "SUITES",
    "VC_V2_CONTEXT",
    "Prepared",
    "ProofError",
    "ProofResult",
    "add_proof",
    "blank_node_subjects",
    "canonicalize_document",
    "create_proof",
    "hash_data",
    "proof_config_for_hashing",
    "verify_proof",
    "verify_proofs",
    "with_data_integrity_context",
    "xsd_datetime",
]

PROOF_TYPE = "DataIntegrityProof"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
# Contexts that define DataIntegrityProof and its terms (the VC 2.0 context includes them).
_DEFINES_DATA_INTEGRITY = frozenset(
    {VC_V2_CONTEXT, DATA_INTEGRITY_CONTEXT, "https://w3id.org/security/data-integrity/v1"}
)
LEGACY_ED25519 = "Ed25519Signature2020"


@dataclass(frozen=True)
class ProofResult:
    """Outcome of verifying one proof of a document."""

    index: int
    verified: bool
    cryptosuite: str | None
    verification_method: str | None
    proof_purpose: str | None
    controller: str | None
    error: str | None = None


def xsd_datetime(moment: datetime | None = None) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SSZ`` (seconds precision, as the vectors use)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_copy(value: Any) -> Any:
    """Deep copy of a JSON value: dicts and lists copied, immutable scalars shared.

    Several times faster than ``copy.deepcopy``; anything else (subclasses,
    other types) still goes through ``copy.deepcopy``.
    """
    kind = type(value)
    if kind is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if kind is list:
        return [_json_copy(v) for v in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value)


def _document_for_proof(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The unsecured document a proof covers (previous proofs of a chain included)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = as_list(proof.get("previousProof"))
    if previous:
        by_id = {p.get("id"): p for p in as_list(document.get("proof")) if isinstance(p, dict)}
        matching = []
        for ref in previous:
            if not isinstance(ref, str) or ref not in by_id:
                raise ProofError(f"previousProof {ref!r} is not among the document's proofs")
            matching.append(by_id[ref])
        unsecured["proof"] = matching if len(matching) > 1 else matching[0]
    return unsecured


def create_proof(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    *,
    suite: str = RDFC,
    created: datetime | str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    proof_purpose: str = "assertionMethod",
    max_work: int | None = None,
) -> dict[str, Any]:
    """A new proof over ``document`` (whose existing proofs are ignored unless chained)."""
    if suite not in SUITES:
        raise ProofError(f"unsupported cryptosuite {suite!r}")
    options: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": suite}
    if proof_id is not None:
        options["id"] = proof_id
    options["created"] = created if isinstance(created, str) else xsd_datetime(created)
    options["verificationMethod"] = key.id
    options["proofPurpose"] = proof_purpose
    if previous_proof is not None:
        options["previousProof"] = (
            previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        )
    if suite == JCS and "@context" in document:
        options["@context"] = _json_copy(document["@context"])
    unsecured = _document_for_proof(document, options)
    try:
        config = proof_config_for_hashing(options, unsecured, suite)
        digest = _hash_for_signing(config, unsecured, suite, max_work)
    except ProofError:
        raise
    except Exception as exc:
        raise ProofError(f"{suite}: cannot canonicalize: {type(exc).__name__}: {exc}") from exc
    options["proofValue"] = encode_base58btc(key.sign(digest))
    return options


def with_data_integrity_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with the Data Integrity context appended when its contexts lack the
    proof's terms (a VC 1.1 credential), as other issuers do; otherwise unchanged."""
    out = dict(document)
    if "@context" not in document:
        return out
    contexts = as_list(document["@context"])
    if any(isinstance(c, str) and c in _DEFINES_DATA_INTEGRITY for c in contexts):
        return out
    out["@context"] = [*_json_copy(contexts), DATA_INTEGRITY_CONTEXT]
    return out


def blank_node_subjects(document: Mapping[str, Any]) -> list[str]:
    """JSON Pointers of ``credentialSubject`` ids that are blank node identifiers (``_:x``).

    VC 2.0 wants a subject's id to be a URL; a blank node label names
    nothing outside the document and is relabelled by canonicalization, so a
    signature over it would not bind the credential to any subject.
    """
    subjects = document.get("credentialSubject")
    many = isinstance(subjects, list)
    found = []
    for i, subject in enumerate(as_list(subjects)):
        if isinstance(subject, dict):
            sid = subject.get("id")
            if isinstance(sid, str) and sid.startswith("_:"):
                found.append(f"/credentialSubject/{i}/id" if many else "/credentialSubject/id")
    return found


def add_proof(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    *,
    suite: str = RDFC,
    created: datetime | str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    max_work: int | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof (a proof set when one exists).

    A first proof is a single object, as VC DM 2.0 examples and the W3C
    vectors have it, except on Open Badges 3.0 credentials, whose schema
    requires ``proof`` to be an array (both read the same as JSON-LD).

    A credential whose ``credentialSubject`` id is a blank node identifier
    is refused (``ProofError``); one whose contexts do not define the proof's
    terms (VC 1.1) gains the Data Integrity context before it is signed.
    """
    values = value_problems(document)
    if values:
        raise ProofError("; ".join(f"{p.path}: {p.message}" for p in values))
    blank = blank_node_subjects(document)
    if blank:
        raise ProofError(
            f"credentialSubject id at {', '.join(blank)} is a blank node identifier; "
            "a credential's subject id must be a URL"
        )
    if "proof" not in document:
        document = with_data_integrity_context(document)
    proof = create_proof(
        document,
        key,
        suite=suite,
        created=created,
        proof_id=proof_id,
        previous_proof=previous_proof,
        max_work=max_work,
    )
    secured = {k: _json_copy(v) for k, v in document.items()}
    existing = as_list(secured.get("proof"))
    secured["proof"] = [*existing, proof] if existing or _is_open_badge(document) else proof
    return secured


_OPEN_BADGE_TYPES = frozenset(
    {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}
)


def _is_open_badge(document: Mapping[str, Any]) -> bool:
    return not _OPEN_BADGE_TYPES.isdisjoint(as_list(document.get("type")))


_parse_datetime = parse_stamp


def verify_proof(
    document: Mapping[str, Any],
    proof: Any,
    *,
    resolver: DidResolver,
    index: int = 0,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
    max_work: int | None = None,
    prepared: Prepared | None = None,
) -> ProofResult:
    """Verify one ``proof`` of ``document``; every failure is reported, never raised.

    ``prepared`` (of this same document) lends its canonical form to a proof
    that signs exactly the unsecured document.
    """
    legacy = isinstance(proof, dict) and proof.get("type") == LEGACY_ED25519
    suite = (
        LEGACY_ED25519 if legacy else proof.get("cryptosuite") if isinstance(proof, dict) else None
    )
    vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
    purpose = proof.get("proofPurpose") if isinstance(proof, dict) else None

    def fail(reason: str, controller: str | None = None) -> ProofResult:
        return ProofResult(
            index,
            False,
            suite if isinstance(suite, str) else None,
            vm if isinstance(vm, str) else None,
            purpose if isinstance(purpose, str) else None,
            controller,
            reason,
        )

    try:
        if not isinstance(proof, dict):
            return fail("proof is not an object")
        if not legacy and proof.get("type") != PROOF_TYPE:
            return fail(f"proof type {proof.get('type')!r} is not {PROOF_TYPE}")
        if not legacy and suite not in SUITES:
            return fail(f"unsupported cryptosuite {suite!r}")
        hashing = RDFC if legacy else str(suite)
        if purpose != expected_purpose:
            return fail(f"proofPurpose {purpose!r} is not {expected_purpose!r}")
        if not isinstance(vm, str):
            return fail("verificationMethod missing")
        value = proof.get("proofValue")
        if not isinstance(value, str):
            return fail("proofValue missing")
        signature = decode_base58btc(value)
        if len(signature) != 64:
            return fail("proofValue is not a 64-byte Ed25519 signature")
        if "created" in proof:
            _parse_datetime(proof["created"])
        if "expires" in proof:
            expires = _parse_datetime(proof["expires"])
            if now is not None and expires < now:
                return fail("proof has expired")

        unsecured = _document_for_proof(document, proof)
        if "@context" in proof and not legacy:
            proof_ctx = as_list(proof["@context"])
            doc_ctx = as_list(document.get("@context"))
            if doc_ctx[: len(proof_ctx)] != proof_ctx:
                return fail("document @context does not start with the proof's @context")
            unsecured["@context"] = proof["@context"]

        did_doc = resolver.resolve(vm.split("#", 1)[0])
        method = find_verification_method(did_doc, vm, relationship=expected_purpose)
        if method is None:
            return fail(f"{vm} is not an {expected_purpose} of its DID document")
        controller = method.get("controller")
        controller = controller if isinstance(controller, str) else None
        if controller != did_doc.get("id"):
            return fail(
                "verification method's controller is not the DID document's subject", controller
            )
        if method.get("type") not in ("Multikey", "Ed25519VerificationKey2020"):
            return fail(
                f"verification method type {method.get('type')!r} is not supported", controller
            )
        public_key = public_key_from_multibase(method.get("publicKeyMultibase", ""))

        config = proof_config_for_hashing(proof, unsecured, hashing)
        if prepared is not None and prepared.document is document and prepared.covers(proof):
            document_digest = _sha256(prepared.canonical(hashing, max_work))
            digest = _proof_config_digest(config, hashing, max_work) + document_digest
        else:
            digest = _hash_for_signing(config, unsecured, hashing, max_work)
        if not verify_signature(public_key, signature, digest):
            return fail("signature does not match", controller)
        return ProofResult(index, True, suite, vm, purpose, controller)
    except Exception as exc:  # fail closed on anything unexpected
        return fail(f"{type(exc).__name__}: {exc}")


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: DidResolver,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
    max_work: int | None = None,
    prepared: Prepared | None = None,
) -> list[ProofResult]:
    """Verify every proof of ``document`` (a proof set / chain gives one result each).

    An empty list means the document has no proof; callers must treat that as
    unverified. The proofs of a set share one canonicalization (``prepared``,
    made here when not given).
    """
    if not isinstance(document, Mapping):
        return [ProofResult(0, False, None, None, None, None, "document is not an object")]
    proofs = as_list(document.get("proof"))
    if prepared is None and len(proofs) > 1:
        prepared = Prepared(document)
    return [
        verify_proof(
            document,
            proof,
            resolver=resolver,
            index=i,
            expected_purpose=expected_purpose,
            now=now,
            max_work=max_work,
            prepared=prepared,
        )
        for i, proof in enumerate(proofs)
    ]
