"""``POST /v1/verify`` says whether what a credential claims can be trusted: the summary
of a credential that did not verify comes marked as what the document claims — not
verified (``credential_trust``), beside the summary it always carried."""

from __future__ import annotations

from typing import Any

from verifier.conftest import World


def tampered(signed: dict[str, Any]) -> dict[str, Any]:
    signed["credentialSubject"]["result"][0]["value"] = "A+"
    return signed


async def test_a_tampered_credentials_values_are_marked_untrusted(world: World) -> None:
    issuer = await world.institution()
    answer = await world.verify({"credential": tampered(world.issue(issuer))})
    assert answer["verdict"] == "not_verified"
    assert answer["credential_trust"]["trusted"] is False
    assert answer["credential_trust"]["failed_checks"] == ["proof"]
    assert answer["credential_trust"]["note"].startswith("What the document claims — not verified.")
    # The summary keeps its shape for those who read it: the claim, not a fact.
    assert answer["credential"]["grade"] == "A+"


async def test_the_untrusted_note_follows_the_askers_language(world: World) -> None:
    issuer = await world.institution()
    answer = await world.verify({"credential": tampered(world.issue(issuer))}, lang="sv")
    assert answer["credential_trust"]["note"].startswith("Vad dokumentet påstår — inte verifierat.")


async def test_a_verified_credentials_values_are_trusted(world: World) -> None:
    issuer = await world.institution()
    answer = await world.verify({"credential": world.issue(issuer)})
    assert answer["verdict"] == "verified"
    assert answer["credential_trust"] == {
        "trusted": True,
        "failed_checks": [],
        "note": "What the credential says, signed by its issuer and unchanged since.",
    }


async def test_a_revoked_credentials_values_are_not_trusted_either(world: World) -> None:
    issuer = await world.institution()
    issuer.revocation.set(42, 1)
    world.publish(issuer)
    answer = await world.verify({"credential": world.issue(issuer, index=42)})
    assert answer["verdict"] == "not_verified"
    assert answer["credential_trust"]["trusted"] is False
    assert answer["credential_trust"]["failed_checks"] == ["status"]


async def test_each_credential_of_a_presentation_carries_its_own_trust(world: World) -> None:
    issuer = await world.institution()
    good = world.issue(issuer)
    bad = tampered(world.issue(issuer))
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [good, bad],
    }
    answer = await world.verify({"presentation": presentation})
    assert answer["verdict"] == "not_verified"
    assert "credential_trust" not in answer  # a presentation claims no values of its own
    trust = [c["credential_trust"]["trusted"] for c in answer["credentials"]]
    assert trust == [True, False]
