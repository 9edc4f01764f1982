"""The VC-API routes (``POST /credentials/verify``, ``POST /presentations/verify``):
their bodies and status codes."""

from __future__ import annotations

from typing import Any

from verifier.conftest import World

from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import create_proof


async def test_a_good_credential_is_200_verified_with_no_errors(world: World) -> None:
    issuer = await world.institution()
    response = await world.http.post(
        "/credentials/verify", json={"verifiableCredential": world.issue(issuer)}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert body["errors"] == []
    assert body["warnings"] == []
    assert "proof" in body["checks"]
    assert "status" in body["checks"]


async def test_warnings_keep_a_credential_verified(world: World) -> None:
    stranger = Ed25519KeyPair.from_seed(bytes(range(5, 37)))
    document = world.credential(await world.institution())
    document["issuer"]["id"] = stranger.controller
    del document["credentialStatus"]
    response = await world.http.post(
        "/credentials/verify",
        json={"verifiableCredential": world.sign(document, stranger), "options": {}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert [w["code"] for w in body["warnings"]] == ["issuer"]


async def test_a_bad_credential_is_400_problem_details_with_its_errors(world: World) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer)
    signed["name"] = "Something else"
    response = await world.http.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["verified"] is False
    assert [e["code"] for e in body["errors"]] == ["proof"]


async def test_a_request_without_a_credential_is_422(world: World) -> None:
    response = await world.http.post("/credentials/verify", json={"credential": {}})
    assert response.status_code == 422


async def test_a_presentation_with_challenge_and_domain_verifies(world: World) -> None:
    holder = Ed25519KeyPair.from_seed(bytes(range(7, 39)))
    presentation: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
    }
    unsigned = {**presentation}
    proof = create_proof(unsigned, holder, proof_purpose="authentication")  # no binding
    # challenge and domain are proof options, signed with the proof
    bound_options = {"challenge": "c-123", "domain": "employer.example"}
    signed = {**unsigned, "proof": _bound_proof(unsigned, holder, bound_options)}
    ok = await world.http.post(
        "/presentations/verify",
        json={"verifiablePresentation": signed, "options": bound_options},
    )
    assert ok.status_code == 200, ok.text
    wrong = await world.http.post(
        "/presentations/verify",
        json={"verifiablePresentation": signed, "options": {"challenge": "other"}},
    )
    assert wrong.status_code == 400
    unbound = {**unsigned, "proof": proof}
    missing = await world.http.post(
        "/presentations/verify",
        json={"verifiablePresentation": unbound, "options": bound_options},
    )
    assert missing.status_code == 400


def _bound_proof(
    document: dict[str, Any], key: Ed25519KeyPair, options: dict[str, str]
) -> dict[str, Any]:
    """A Data Integrity proof whose options include challenge and domain (signed over)."""
    from meriter_credentials.multibase import encode_base58btc
    from meriter_credentials.proofs import (
        RDFC,
        canonicalize_document,
        hash_data,
        proof_config_for_hashing,
    )

    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": RDFC,
        "created": "2026-06-01T00:00:00Z",
        "verificationMethod": key.id,
        "proofPurpose": "authentication",
        **options,
    }
    config = proof_config_for_hashing(proof, document, RDFC)
    digest = hash_data(canonicalize_document(config, RDFC), canonicalize_document(document, RDFC))
    return {**proof, "proofValue": encode_base58btc(key.sign(digest))}
