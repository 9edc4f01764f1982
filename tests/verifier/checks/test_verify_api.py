"""``POST /v1/verify`` on the cases a verifier meets: each gives its check result and verdict.

Credentials are signed here with the engine (the platform's own issuers:
did:web from the identity projection, QA from the registry projection,
status lists served by a loopback web server standing in for the issuer).
Credentials from an independent implementation: ``test_interop.py``.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from verifier.conftest import World, check, checks

from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import (
    JCS,
    ProofError,
    add_proof,
    create_proof,
    with_data_integrity_context,
)
from meriter_credentials.samples import SAMPLE_LEARNER_IDENTIFIER
from meriter_verifier.checks.result import CHECK_NAMES

GOOD = {
    "format": "pass",
    "proof": "pass",
    "issuer": "pass",
    "quality_assurance": "pass",
    "validity": "pass",
    "status": "pass",
    "annex_i": "pass",
    "holder": "not_applicable",
}


async def test_a_platform_credential_verifies_with_every_check_explained(world: World) -> None:
    issuer = await world.institution()
    answer = await world.verify({"credential": world.issue(issuer)})
    assert answer["verdict"] == "verified", answer
    assert checks(answer) == GOOD
    assert [c["name"] for c in answer["checks"]] == list(GOOD)
    issuer_check = check(answer, "issuer")
    assert issuer_check["evidence"]["deqar_id"] == issuer.deqar_id
    assert issuer_check["evidence"]["resolved_from"] == "platform"
    assert issuer.deqar_id in issuer_check["message"]
    qa = check(answer, "quality_assurance")
    assert qa["evidence"]["date_of_issuing"] == "2026-01-23"
    assert qa["evidence"]["reports"][0]["agency"]["acronym"] == "UKÄ"
    assert "still is today" in qa["message"]
    status = check(answer, "status")
    assert {e["purpose"] for e in status["evidence"]["entries"]} == {"revocation", "suspension"}
    assert check(answer, "annex_i")["evidence"]["missing"] == []
    assert answer["credential"]["title"] == "Applied Machine Learning for Public Health"
    assert answer["credential"]["ects"] == 7.5


async def test_an_eddsa_jcs_credential_verifies_too(world: World) -> None:
    issuer = await world.institution()
    signed = world.sign(world.credential(issuer), issuer.key, suite=JCS)
    answer = await world.verify({"credential": signed})
    assert answer["verdict"] == "verified", answer
    assert "eddsa-jcs-2022" in check(answer, "proof")["message"]


async def test_a_tampered_credential_fails_its_proof(world: World) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer)
    signed["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    answer = await world.verify({"credential": signed})
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["proof"] == "fail"
    assert "signature does not match" in check(answer, "proof")["message"]


async def test_a_credential_signed_with_a_key_the_issuer_does_not_hold_fails(world: World) -> None:
    issuer = await world.institution()
    stranger = Ed25519KeyPair.from_seed(bytes(32), did_web=issuer.did)
    answer = await world.verify({"credential": world.sign(world.credential(issuer), stranger)})
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["proof"] == "fail"
    assert "not an assertionMethod" in check(answer, "proof")["message"]


async def test_a_proof_by_someone_else_than_the_issuer_fails(world: World) -> None:
    issuer = await world.institution()
    other = Ed25519KeyPair.from_seed(bytes(range(32)))  # a did:key of its own
    answer = await world.verify({"credential": world.sign(world.credential(issuer), other)})
    assert checks(answer)["proof"] == "fail"
    assert check(answer, "proof")["message"].startswith("The signature is valid but was made by")


async def test_an_expired_credential_fails_validity(world: World) -> None:
    issuer = await world.institution()
    answer = await world.verify(
        {"credential": world.issue(issuer, validUntil="2026-03-01T00:00:00Z")}
    )
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["validity"] == "fail"
    assert check(answer, "validity")["message"] == "The credential expired on 2026-03-01."


async def test_a_credential_judged_before_its_valid_from_is_not_yet_valid(world: World) -> None:
    issuer = await world.institution()
    answer = await world.verify({"credential": world.issue(issuer), "at": "2025-12-31T00:00:00Z"})
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["validity"] == "fail"
    assert "not valid before 2026-01-23" in check(answer, "validity")["message"]


async def test_a_later_date_given_judges_expiry_then(world: World) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer, validUntil="2027-06-01T00:00:00Z")
    assert checks(await world.verify({"credential": signed}))["validity"] == "pass"
    later = await world.verify({"credential": signed, "at": "2027-07-01T00:00:00Z"})
    assert checks(later)["validity"] == "fail"


async def test_a_revoked_credential_fails_its_status(world: World) -> None:
    issuer = await world.institution()
    issuer.revocation.set(4242)
    world.publish(issuer)
    answer = await world.verify({"credential": world.issue(issuer, index=4242)})
    assert answer["verdict"] == "not_verified"
    assert checks(answer)["status"] == "fail"
    assert check(answer, "status")["message"] == "The issuer has revoked this credential."


async def test_a_suspended_credential_fails_through_the_sibling_suspension_list(
    world: World,
) -> None:
    issuer = await world.institution()
    issuer.suspension.set(77)
    world.publish(issuer)
    signed = world.issue(issuer, index=77)
    assert signed["credentialStatus"]["statusPurpose"] == "revocation"  # one entry only
    answer = await world.verify({"credential": signed})
    assert answer["verdict"] == "not_verified"
    assert check(answer, "status")["message"] == "The issuer has suspended this credential for now."


async def test_a_status_list_that_cannot_be_fetched_fails_the_status_check(world: World) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer)
    del world.web.routes[world.list_url(issuer, "revocation").removeprefix(world.web.origin)]
    answer = await world.verify({"credential": signed})
    assert checks(answer)["status"] == "fail"
    assert "HTTP 404" in check(answer, "status")["message"]


async def test_a_forged_status_list_is_not_believed(world: World) -> None:
    issuer = await world.institution()
    forger = await world.institution()
    # The forger signs a list at the issuer's URL saying nothing is revoked.
    world.issuers[issuer.institution_id] = issuer
    url = world.list_url(issuer, "revocation")
    from meriter_credentials.statuslist import (
        BitstringStatusList,
        sign_status_list_credential,
        status_list_credential,
    )

    forged = sign_status_list_credential(
        status_list_credential(
            url, issuer=forger.did, purpose="revocation", status_list=BitstringStatusList()
        ),
        forger.key,
    )
    world.web.json(url.removeprefix(world.web.origin), forged)
    answer = await world.verify({"credential": world.issue(issuer)})
    assert checks(answer)["status"] == "fail"
    assert "someone else" in check(answer, "status")["message"]


async def test_an_unknown_issuer_is_a_warning_not_a_failure(world: World) -> None:
    stranger = Ed25519KeyPair.from_seed(bytes(range(1, 33)))
    document = world.credential(await world.institution())
    document["issuer"]["id"] = stranger.controller
    del document["credentialStatus"]
    answer = await world.verify({"credential": add_proof(document, stranger)})
    assert answer["verdict"] == "verified_with_warnings", answer
    assert checks(answer) == {
        **GOOD,
        "issuer": "warn",
        "quality_assurance": "not_applicable",
        "status": "not_applicable",
    }
    assert "not an institution the registry knows" in check(answer, "issuer")["message"]


async def test_an_institution_not_quality_assured_on_the_date_of_issuing_is_warned(
    world: World,
) -> None:
    issuer = await world.institution(quality_assured_from=date(2026, 3, 1))
    answer = await world.verify({"credential": world.issue(issuer)})  # issued 2026-01-23
    assert answer["verdict"] == "verified_with_warnings"
    qa = check(answer, "quality_assurance")
    assert qa["status"] == "warn"
    assert qa["evidence"]["quality_assured_on_date"] is False
    assert qa["evidence"]["quality_assured_today"] is True
    assert qa["evidence"]["rejected_reports"] == {
        f"report-{issuer.institution_id}": "not yet valid"
    }
    assert "was not externally quality assured on 2026-01-23" in qa["message"]


async def test_a_micro_credential_missing_annex_i_elements_is_warned(world: World) -> None:
    issuer = await world.institution()
    document = world.credential(issuer)
    achievement = document["credentialSubject"]["achievement"]
    del achievement["learningOutcome"], achievement["mode"]
    document["@context"][2] = {
        k: v for k, v in document["@context"][2].items() if k not in ("learningOutcome", "mode")
    }
    answer = await world.verify({"credential": world.sign(document, issuer.key)})
    assert answer["verdict"] == "verified_with_warnings", answer
    annex = check(answer, "annex_i")
    assert annex["status"] == "warn"
    assert annex["evidence"]["missing"] == ["learning-outcomes", "participation-form"]
    assert "learning-outcomes, participation-form" in annex["message"]


async def test_the_learners_identifier_is_matched_against_the_salted_hash(world: World) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer)
    right = await world.verify(
        {"credential": signed, "holder": {"identifier": SAMPLE_LEARNER_IDENTIFIER}}
    )
    assert checks(right)["holder"] == "pass"
    wrong = await world.verify({"credential": signed, "holder": {"identifier": "199001019999"}})
    assert checks(wrong)["holder"] == "fail"
    assert wrong["verdict"] == "not_verified"


async def test_messages_follow_accept_language(world: World) -> None:
    issuer = await world.institution()
    issuer.revocation.set(5)
    world.publish(issuer)
    answer = await world.verify({"credential": world.issue(issuer, index=5)}, lang="sv-SE,sv;q=0.9")
    assert check(answer, "status")["message"] == "Utfärdaren har återkallat intyget."
    assert check(answer, "issuer")["message"].startswith("Utfärdat av Uppsala universitet")


async def test_a_malformed_credential_fails_its_format_and_says_where(world: World) -> None:
    issuer = await world.institution()
    document = world.credential(issuer)
    document["validFrom"] = "yesterday"
    answer = await world.verify({"credential": document})
    assert answer["verdict"] == "not_verified"
    fmt = check(answer, "format")
    assert fmt["status"] == "fail"
    assert fmt["evidence"]["problems"][0]["path"] == "/validFrom"
    assert checks(answer)["proof"] == "fail"  # unsigned


async def test_an_undefined_term_fails_json_ld_safe_mode(world: World) -> None:
    issuer = await world.institution()
    document = world.credential(issuer)
    document["credentialSubject"]["favouriteColour"] = "green"
    # JCS signs any JSON; RDFC would refuse to sign what it cannot read.
    answer = await world.verify({"credential": world.sign(document, issuer.key, suite=JCS)})
    fmt = check(answer, "format")
    assert fmt["status"] == "fail"
    assert fmt["evidence"]["jsonld_safe_mode"] is False


async def test_a_presentation_is_checked_with_its_holder_challenge_and_domain(
    world: World,
) -> None:
    issuer = await world.institution()
    holder = Ed25519KeyPair.from_seed(bytes(range(2, 34)))
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
        "verifiableCredential": [world.issue(issuer)],
    }
    from meriter_credentials.proofs import create_proof

    proof = create_proof(presentation, holder, proof_purpose="authentication")
    proof_with_binding = {**proof}
    signed = {**presentation, "proof": proof_with_binding}
    answer = await world.verify({"presentation": signed})
    assert answer["verdict"] == "verified", answer
    assert check(answer, "holder")["status"] == "pass"
    assert answer["credentials"][0]["verdict"] == "verified"
    wrong = await world.verify({"presentation": signed, "challenge": "abc"})
    assert check(wrong, "holder")["status"] == "fail"
    tampered = copy.deepcopy(signed)
    tampered["holder"] = "did:example:someone"
    assert check(await world.verify({"presentation": tampered}), "holder")["status"] == "fail"


async def test_a_presentation_holding_things_that_are_not_credentials_is_not_verified(
    world: World,
) -> None:
    """Items that are not even objects have no checks besides their format: the
    presentation's format fails with them (it once was a 500)."""
    issuer = await world.institution()
    good = world.issue(issuer)
    cases: list[list[Any]] = [[None, "x", {}], [good, 5], ["x"]]
    for items in cases:
        presentation = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": items,
        }
        answer = await world.verify({"presentation": presentation})
        assert answer["verdict"] == "not_verified", answer
        assert check(answer, "format")["status"] == "fail"
        assert len(answer["credentials"]) == len(items)
        assert {c["name"] for c in answer["checks"]} == set(CHECK_NAMES)
    vcapi = await world.http.post(
        "/presentations/verify",
        json={"verifiablePresentation": {"verifiableCredential": [None, 1]}},
    )
    assert vcapi.status_code == 400, vcapi.text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"credential": {}, "presentation": {}},
        {"credential": [1, 2]},
        {"credential": {}, "at": "2026-01-01"},
        {"credential": {}, "surprise": True},
    ],
    ids=["nothing", "both", "not-object", "naive-date", "unknown-field"],
)
async def test_a_malformed_request_is_a_problem_listing_the_fields(
    world: World, body: dict[str, Any]
) -> None:
    response = await world.http.post("/v1/verify", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_that_is_not_json_is_a_400_problem(world: World) -> None:
    for text in ('{"credential": ', '{"credential": {}},', "credential"):
        response = await world.http.post(
            "/v1/verify", content=text, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, text
        assert response.headers["content-type"] == "application/problem+json"
        assert "not JSON" in response.json()["detail"]


async def test_numbers_are_read_exactly_as_signed(world: World) -> None:
    """A credential is read as the standard library reads it: an integer beyond 64
    bits stays an integer (its signature, made elsewhere, still matches) but fails
    the format check, since JavaScript verifiers read it rounded; NaN is an answer,
    not a 5xx. Meriter itself refuses to sign such a number."""
    issuer = await world.institution()
    credential = world.credential(issuer)
    credential["credentialSubject"]["achievement"]["creditsAvailable"] = 10**25
    with pytest.raises(ProofError, match="JavaScript"):
        world.sign(credential, issuer.key)
    document = with_data_integrity_context(credential)
    signed = {**document, "proof": [create_proof(document, issuer.key)]}
    answer = await world.verify({"credential": signed})
    assert check(answer, "proof")["status"] == "pass", answer
    assert check(answer, "format")["status"] == "fail", answer
    assert "2^53" in json.dumps(check(answer, "format"))
    assert answer["verdict"] == "not_verified"
    assert answer["credential"]["ects"] == 10**25
    text = json.dumps({"credential": signed}).replace(str(10**25), "NaN")
    response = await world.http.post(
        "/v1/verify", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "not_verified"


async def test_deeply_nested_or_huge_json_is_refused_cleanly(world: World) -> None:
    deep = '{"credential": ' + "[" * 100 + "]" * 100 + "}"
    response = await world.http.post(
        "/v1/verify", content=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "nests deeper" in response.json()["detail"]
    huge = b'{"credential": {"x": "' + b"a" * (2 * 1024 * 1024) + b'"}}'
    response = await world.http.post(
        "/v1/verify", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_garbage_in_every_field_never_gives_a_5xx(world: World) -> None:
    issuer = await world.institution()
    base = world.issue(issuer)
    for key, value in [
        ("proof", {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}),
        ("proof", "nonsense"),
        ("issuer", {"id": "did:web:%%%"}),
        ("issuer", "did:web:10.0.0.1"),
        ("issuer", "did:unknown:abc"),
        ("credentialStatus", {"type": "BitstringStatusListEntry", "statusListIndex": "x"}),
        ("credentialStatus", [1, "two", None]),
        ("credentialSubject", []),
        ("validFrom", 12),
        ("@context", ["https://evil.example/context.json"]),
    ]:
        document = copy.deepcopy(base)
        document[key] = value
        response = await world.http.post("/v1/verify", json={"credential": document})
        assert response.status_code == 200, (key, value, response.text)
        assert response.json()["verdict"] == "not_verified", (key, value)


async def test_a_language_tag_that_would_write_another_statement_is_never_verified(
    world: World,
) -> None:
    """The canonical-form injection: its format check fails, whatever the proof says."""
    issuer = await world.institution()
    document = world.credential(issuer)
    document["credentialSubject"]["name"] = {
        "@value": "Åsa",
        "@language": "sv .\n<http://ex/t> <http://ex/q> <http://ex/o>",
    }
    answer = await world.verify({"credential": world.sign(document, issuer.key, suite=JCS)})
    assert answer["verdict"] == "not_verified"
    fmt = check(answer, "format")
    assert fmt["status"] == "fail"
    assert "language tag" in json.dumps(fmt)
