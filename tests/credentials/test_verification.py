"""verify_credential: the explained report a verifier gets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from meriter_credentials.did import OfflineResolver, did_web_document
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import JCS, add_proof
from meriter_credentials.statuslist import (
    BitstringStatusList,
    sign_status_list_credential,
    status_entry,
    status_list_credential,
)
from meriter_credentials.verification import verify_credential

NOW = datetime(2026, 6, 1, tzinfo=UTC)
URL = "https://status.meriter.example/lists/9"
DID_WEB = "did:web:issuer.meriter.example"


def _credential(issuer: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5e0c2b1e-7f0a-4a51-9a54-0f4f1b3c2d10",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        **extra,
    }


def _ids(report: Any, outcome: str) -> list[str]:
    return [c.id for c in report.checks if c.outcome == outcome]


def test_did_key_signed_credential_is_verified_with_every_check_explained() -> None:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    signed = add_proof(_credential(key.controller), key, suite=JCS)
    report = verify_credential(signed, resolver=OfflineResolver(), now=NOW)
    assert report.verified, report
    assert {"issuer.resolution", "proof[0].signature", "proof[0].issuer"} <= set(
        _ids(report, "passed")
    )
    assert all(c.message for c in report.checks)
    json.loads(report.model_dump_json())


def test_did_web_issuer_is_resolved_from_given_documents_only() -> None:
    key = Ed25519KeyPair.from_seed(bytes(range(32)), did_web=DID_WEB)
    signed = add_proof(_credential(DID_WEB), key, suite=JCS)
    docs = {DID_WEB: did_web_document(DID_WEB, [key])}
    assert verify_credential(signed, resolver=OfflineResolver(docs), now=NOW).verified
    report = verify_credential(signed, resolver=OfflineResolver(), now=NOW)
    assert not report.verified
    assert "issuer.resolution" in _ids(report, "failed")


def test_proof_by_a_key_the_issuer_does_not_control_fails() -> None:
    issuer = Ed25519KeyPair.from_seed(bytes(range(32)))
    other = Ed25519KeyPair.from_seed(bytes(32))
    signed = add_proof(_credential(issuer.controller), other, suite=JCS)
    report = verify_credential(signed, resolver=OfflineResolver(), now=NOW)
    assert not report.verified
    assert "proof[0].issuer" in _ids(report, "failed")


def test_unsigned_credential_is_not_verified() -> None:
    report = verify_credential(_credential("did:example:x"), resolver=OfflineResolver(), now=NOW)
    assert not report.verified
    assert "proof" in _ids(report, "failed")


def test_expired_and_not_yet_valid_credentials_fail_validity() -> None:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    expired = add_proof(
        _credential(key.controller, validUntil="2026-03-01T00:00:00Z"), key, suite=JCS
    )
    future = add_proof(
        _credential(key.controller, validFrom="2027-01-01T00:00:00Z"), key, suite=JCS
    )
    assert "validity.validUntil" in _ids(
        verify_credential(expired, resolver=OfflineResolver(), now=NOW), "failed"
    )
    assert "validity.validFrom" in _ids(
        verify_credential(future, resolver=OfflineResolver(), now=NOW), "failed"
    )


def test_revoked_credential_is_rejected_and_unrevoked_accepted() -> None:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    bits = BitstringStatusList()
    bits.set(11)
    lst = sign_status_list_credential(
        status_list_credential(
            URL,
            issuer=key.controller,
            purpose="revocation",
            status_list=bits,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        key,
        suite=JCS,
    )
    revoked = add_proof(
        _credential(key.controller, credentialStatus=status_entry(URL, 11)), key, suite=JCS
    )
    fine = add_proof(
        _credential(key.controller, credentialStatus=status_entry(URL, 12)), key, suite=JCS
    )
    report = verify_credential(
        revoked, resolver=OfflineResolver(), status_lists={URL: lst}, now=NOW
    )
    assert not report.verified
    assert "status[0]" in _ids(report, "failed")
    assert verify_credential(
        fine, resolver=OfflineResolver(), status_lists={URL: lst}, now=NOW
    ).verified


def test_non_object_input_is_not_verified() -> None:
    assert not verify_credential([1, 2], resolver=OfflineResolver(), now=NOW).verified


def test_signed_sample_micro_credential_passes_the_format_check() -> None:
    from meriter_credentials.samples import sample_credential

    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    doc = sample_credential()
    doc["issuer"]["id"] = key.controller
    signed = add_proof(doc, key, suite=JCS)
    report = verify_credential(signed, resolver=OfflineResolver(), now=NOW)
    [fmt] = [c for c in report.checks if c.id.startswith("format")]
    assert fmt.id == "format"
    assert fmt.outcome == "passed"
    assert report.verified


def test_vc_rule_violation_fails_a_format_check() -> None:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    doc = _credential(key.controller, validUntil="2025-01-01T00:00:00Z")
    doc["credentialStatus"] = {"id": "https://status.example/1"}  # no type
    signed = add_proof(doc, key, suite=JCS)
    report = verify_credential(signed, resolver=OfflineResolver(), now=NOW)
    failed = set(_ids(report, "failed"))
    assert "format.credentialStatus-type-missing" in failed
    assert "format.validity-order" in failed
    assert not report.verified
