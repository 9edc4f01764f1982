"""Data Integrity proofs against the vc-di-eddsa test vectors, plus tampering."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from meriter_credentials.did import OfflineResolver
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.multibase import decode_base58btc
from meriter_credentials.proofs import (
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
        pytest.skip("meriter_credentials.jsonld.canonicalize is not available yet")
    if unsigned == "employmentAuth.json" and not _citizenship_bundled():
        pytest.skip(f"{CITIZENSHIP} is not among the engine's bundled contexts")


def _citizenship_bundled() -> bool:
    from meriter_credentials.jsonld.loader import bundled_context_urls

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


# -- the memoized proof-configuration hash --------------------------------------


def _sample_signed(suite: str) -> tuple[dict[str, Any], Ed25519KeyPair]:
    from meriter_credentials.samples import sample_credential

    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    document = sample_credential()
    document["issuer"]["id"] = key.controller
    return add_proof(document, key, suite=suite, created="2026-01-23T10:00:00Z"), key


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_config_digest_matches_a_fresh_computation_on_miss_and_hit(suite: str) -> None:
    from meriter_credentials import hashing

    signed, _ = _sample_signed(suite)
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    [proof] = signed["proof"]  # an Open Badge: a proof array
    config = proof_config_for_hashing(proof, unsecured, suite)
    expected = hashlib.sha256(canonicalize_document(config, suite).encode()).digest()
    hashing._CONFIG_DIGESTS.clear()
    assert hashing._proof_config_digest(config, suite, None) == expected  # miss
    assert hashing._proof_config_digest(config, suite, None) == expected  # hit
    # Mutating the configuration afterwards never yields the stale digest.
    config["created"] = "2026-01-23T10:00:01Z"
    changed = hashlib.sha256(canonicalize_document(config, suite).encode()).digest()
    assert changed != expected
    assert hashing._proof_config_digest(config, suite, None) == changed


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_verification_with_a_warm_cache_still_checks_the_proof_options(suite: str) -> None:
    signed, _ = _sample_signed(suite)
    resolver = OfflineResolver()
    assert all(r.verified for r in verify_proofs(signed, resolver=resolver))
    for field, value in (("created", "2026-01-23T10:00:01Z"), ("expires", "2099-01-01T00:00:00Z")):
        tampered = copy.deepcopy(signed)
        tampered["proof"][0][field] = value
        [result] = verify_proofs(tampered, resolver=resolver)
        assert not result.verified, field
    # A changed inline context changes the configuration too (and the document).
    tampered = copy.deepcopy(signed)
    tampered["@context"][2]["title"] = "http://purl.org/dc/terms/alternative"
    [result] = verify_proofs(tampered, resolver=resolver)
    assert not result.verified


def test_config_cache_key_keeps_json_types_apart() -> None:
    from meriter_credentials.hashing import _freeze

    keys = {_freeze(v) for v in (1, 1.0, True, "1", None, [1], {"a": 1})}
    assert len(keys) == 7
    assert _freeze({"a": [1, {"b": "c"}]}) == _freeze({"a": [1, {"b": "c"}]})
    assert _freeze({"a": 1, "b": 2}) != _freeze({"b": 2, "a": 1})  # order kept: exact
    for not_json in ((1, 2), {1: "a"}, b"x", {"a": object()}):
        with pytest.raises(TypeError):
            _freeze(not_json)


def test_config_cache_is_bounded_and_respects_the_work_limit() -> None:
    from meriter_credentials import hashing
    from meriter_credentials.rdfc import CanonicalizationLimitExceeded

    cache = hashing._DigestCache(2)
    for i in range(5):
        cache.put(i, bytes([i]))
    assert [cache.get(i) for i in range(5)] == [None, None, None, b"\x03", b"\x04"]
    # The work limit is part of the key: a warm entry never bypasses a lower limit.
    config = {"@context": {"@vocab": "https://example.org/"}, "a": {"b": {"c": "d"}}}
    hashing._proof_config_digest(config, RDFC, None)
    symmetric = {"@context": {"@vocab": "https://example.org/"}, "p": [{"q": {}}, {"q": {}}]}
    with pytest.raises(CanonicalizationLimitExceeded):
        hashing._proof_config_digest(symmetric, RDFC, 0)


def test_add_proof_returns_an_independent_copy() -> None:
    signed, key = _sample_signed(RDFC)
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    again = add_proof(unsigned, key, created="2026-01-23T10:00:00Z")
    again["credentialSubject"]["achievement"]["name"] = "changed"
    again["@context"][2]["title"] = "changed"
    assert unsigned["credentialSubject"]["achievement"]["name"] != "changed"
    assert unsigned["@context"][2]["title"] == "dc:title"
