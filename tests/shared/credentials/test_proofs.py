"""Data Integrity proofs against the vc-di-eddsa test vectors, plus tampering."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from meriter_shared.credentials.did import OfflineResolver
from meriter_shared.credentials.keys import Ed25519KeyPair
from meriter_shared.credentials.multibase import decode_base58btc
from meriter_shared.credentials.proofs import (
    JCS,
    RDFC,
    add_proof,
    canonicalize_document,
    create_proof,
    hash_data,
    proof_config_for_hashing,
    verify_proofs,
)

from .conftest import rdfc_available, shared_path

CITIZENSHIP = "https://w3id.org/citizenship/v4rc1"


def _need(suite: str, unsigned: str = "unsigned.json") -> None:
    if suite == RDFC and not rdfc_available():
        pytest.skip("meriter_shared.credentials.jsonld.canonicalize is not available yet")
    if unsigned == "employmentAuth.json" and not _citizenship_bundled():
        pytest.skip(f"{CITIZENSHIP} is not among the engine's bundled contexts")


def _citizenship_bundled() -> bool:
    from meriter_shared.credentials.jsonld.loader import bundled_context_urls

    return CITIZENSHIP in bundled_context_urls()


def _vectors() -> Path:
    return shared_path("vectors", "vc-di-eddsa", "TestVectors")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


# (suite, folder, file suffix, unsigned document)
CASES = [
    (JCS, "eddsa-jcs-2022", "JCS", "unsigned.json"),
    (RDFC, "eddsa-rdfc-2022", "DataInt", "unsigned.json"),
    (RDFC, "eddsa-rdfc-2022/employ", "DataInt", "employmentAuth.json"),
]


@pytest.mark.parametrize(("suite", "folder", "sfx", "unsigned"), CASES)
def test_every_intermediate_value_of_the_vector_is_reproduced(
    suite: str, folder: str, sfx: str, unsigned: str
) -> None:
    _need(suite, unsigned)
    base = _vectors()
    folder_path = base / folder
    document = _json(base / unsigned)
    config = _json(folder_path / f"proofConfig{sfx}.json")
    key = Ed25519KeyPair.from_json(
        {"secretKeyMultibase": _json(base / "keyPair.json")["privateKeyMultibase"]}
    )

    canon_doc = canonicalize_document(document, suite)
    assert canon_doc.strip() == _text(folder_path / f"canonDoc{sfx}.txt")
    assert hashlib.sha256(canon_doc.encode()).hexdigest() == _text(
        folder_path / f"docHash{sfx}.txt"
    )
    canon_proof = canonicalize_document(proof_config_for_hashing(config, document, suite), suite)
    assert canon_proof.strip() == _text(folder_path / f"proofCanon{sfx}.txt")
    proof_hash = hashlib.sha256(canon_proof.encode()).hexdigest()
    assert proof_hash == _text(folder_path / f"proofHash{sfx}.txt")
    combined = hash_data(canon_proof, canon_doc)
    assert combined.hex() == _text(folder_path / f"combinedHash{sfx}.txt")
    signature = key.sign(combined)
    assert signature.hex() == _text(folder_path / f"sigHex{sfx}.txt")

    proof = create_proof(document, key, suite=suite, created=config["created"])
    assert proof["proofValue"] == _text(folder_path / f"sigBTC58{sfx}.txt")
    assert decode_base58btc(proof["proofValue"]) == signature
    assert proof == _json(folder_path / f"signed{sfx}.json")["proof"]


@pytest.mark.parametrize(("suite", "folder", "sfx", "unsigned"), CASES)
def test_signed_vector_verifies(suite: str, folder: str, sfx: str, unsigned: str) -> None:
    _need(suite, unsigned)
    signed = _json(_vectors() / folder / f"signed{sfx}.json")
    results = verify_proofs(signed, resolver=OfflineResolver())
    assert [r.verified for r in results] == [True], results


@pytest.mark.parametrize(
    "name", ["signedProofSet1", "signedProofSet2", "signedProofChain1", "signedProofChain2"]
)
def test_proof_set_and_chain_vectors_verify(name: str) -> None:
    _need(RDFC)
    signed = _json(_vectors() / "proof-set-chain" / f"{name}.json")
    results = verify_proofs(signed, resolver=OfflineResolver())
    assert results
    assert all(r.verified for r in results), results


def test_proof_chain_is_reproduced_with_previous_proof() -> None:
    _need(RDFC)
    folder = _vectors() / "proof-set-chain"
    keys = _json(folder / "multiKeyPairs.json")
    chain1 = _json(folder / "signedProofChain1.json")
    expected = _json(folder / "signedProofChain2.json")["proof"][-1]
    key4 = Ed25519KeyPair.from_json({"secretKeyMultibase": keys["keyPair4"]["privateKeyMultibase"]})
    signed = add_proof(
        chain1,
        key4,
        suite=RDFC,
        created=expected["created"],
        previous_proof=expected["previousProof"],
    )
    assert signed["proof"][-1] == expected


def _signed(suite: str) -> tuple[dict[str, Any], Ed25519KeyPair]:
    document = _json(_vectors() / "unsigned.json")
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    document["issuer"] = key.controller
    return add_proof(document, key, suite=suite), key


@pytest.mark.parametrize("suite", [JCS, RDFC])
def test_changed_field_fails_verification(suite: str) -> None:
    _need(suite)
    signed, _ = _signed(suite)
    signed["credentialSubject"]["alumniOf"] = "Another School"
    assert [r.verified for r in verify_proofs(signed, resolver=OfflineResolver())] == [False]


@pytest.mark.parametrize("suite", [JCS, RDFC])
def test_changed_proof_value_fails_verification(suite: str) -> None:
    _need(suite)
    signed, _ = _signed(suite)
    value = signed["proof"]["proofValue"]
    signed["proof"]["proofValue"] = value[:-2] + ("22" if value[-2:] != "22" else "33")
    assert [r.verified for r in verify_proofs(signed, resolver=OfflineResolver())] == [False]


@pytest.mark.parametrize("suite", [JCS, RDFC])
def test_proof_claiming_another_key_fails_verification(suite: str) -> None:
    _need(suite)
    signed, _ = _signed(suite)
    other = Ed25519KeyPair.from_seed(bytes(32))
    signed["proof"]["verificationMethod"] = other.id
    assert [r.verified for r in verify_proofs(signed, resolver=OfflineResolver())] == [False]


def test_proof_set_of_two_suites_verifies_each_proof() -> None:
    _need(RDFC)
    signed, _ = _signed(JCS)
    second = Ed25519KeyPair.from_seed(bytes(32))
    both = add_proof(signed, second, suite=RDFC)
    assert [r.verified for r in verify_proofs(both, resolver=OfflineResolver())] == [True, True]


def test_jcs_proof_set_with_one_tampered_proof_reports_it() -> None:
    signed, _ = _signed(JCS)
    both = add_proof(signed, Ed25519KeyPair.from_seed(bytes(32)), suite=JCS)
    broken = copy.deepcopy(both)
    broken["proof"][1]["created"] = "2020-01-01T00:00:00Z"
    assert [r.verified for r in verify_proofs(broken, resolver=OfflineResolver())] == [True, False]


def test_unknown_cryptosuite_fails_closed() -> None:
    signed, _ = _signed(JCS)
    signed["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    result = verify_proofs(signed, resolver=OfflineResolver())[0]
    assert not result.verified
    assert result.error is not None


def test_employment_vector_with_the_bundled_citizenship_context_verifies() -> None:
    _need(RDFC, "employmentAuth.json")
    signed = _json(_vectors() / "eddsa-rdfc-2022" / "employ" / "signedDataInt.json")
    assert CITIZENSHIP in json.dumps(signed["@context"])
    [result] = verify_proofs(signed, resolver=OfflineResolver())
    assert result.verified, result.error


def test_rdfc_proof_over_symmetric_blank_nodes_uses_the_default_work_limit() -> None:
    _need(RDFC)
    doc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"Check": "https://example.org/#Check"},
        ],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        "evidence": [{"type": "Check"}, {"type": "Check"}],
    }
    signed = add_proof(doc, Ed25519KeyPair.from_seed(bytes(32)), suite=RDFC)
    assert [r.verified for r in verify_proofs(signed, resolver=OfflineResolver())] == [True]
