"""The VC-API routes' shapes and status codes, rate limits, the CPU-pool path, the page's
headers, the claim-link route, and the projections' consumers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import create_proof
from meriter_shared.events.credentials import CredentialRevoked
from meriter_shared.events.envelope import CloudEvent
from meriter_shared.messaging.consumer import Delivery
from meriter_verifier.app import create_app
from meriter_verifier.checks import service
from meriter_verifier.checks.document import examine
from meriter_verifier.consumers import issuer_consumer
from support.webserver import WebServer
from verifier.conftest import NOW, World, check, settings_for


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


@pytest.fixture
async def limited(fresh_db: str, web: WebServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(fresh_db, web, rate_limit_per_s=0.5, rate_limit_burst=2)
    app = create_app(settings, clock=lambda: NOW)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://v") as http:
            yield http


async def test_past_the_burst_a_client_gets_429_with_retry_after(
    limited: httpx.AsyncClient,
) -> None:
    codes = [
        (await limited.post("/v1/verify", json={"credential": {}})).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    refused = await limited.post("/credentials/verify", json={"verifiableCredential": {}})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert (await limited.get("/healthz")).status_code == 200  # only verify routes count


@asynccontextmanager
async def world_with_pool(fresh_db: str, web: WebServer, **changes: Any) -> AsyncIterator[World]:
    """A verifier whose checks may go to a CPU pool of one process."""
    settings = settings_for(fresh_db, web, verify_in_pool=True, cpu_processes=1, **changes)
    app = create_app(settings, clock=lambda: NOW)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://v") as http:
            yield World(app, http, web)


async def test_verification_in_the_cpu_pool_gives_the_same_answer(
    fresh_db: str, web: WebServer
) -> None:
    async with world_with_pool(fresh_db, web, inline_max_chars=0) as world:
        issuer = await world.institution()
        answer = await world.verify({"credential": world.issue(issuer)})
        assert answer["verdict"] == "verified", answer
        tampered = world.issue(issuer)
        tampered["name"] = "x"
        assert (await world.verify({"credential": tampered}))["verdict"] == "not_verified"


async def test_a_small_credential_is_checked_inline_and_a_big_one_in_the_pool(
    fresh_db: str, web: WebServer
) -> None:
    async with world_with_pool(fresh_db, web, inline_max_chars=16 * 1024) as world:
        verifier = world.app.state.components.verifier
        through_pool: list[str] = []
        run_cpu = verifier.run_cpu

        async def recording(fn: Any, *args: Any) -> Any:
            through_pool.append(fn.__name__)
            return await run_cpu(fn, *args)

        verifier.run_cpu = recording
        issuer = await world.institution()
        small = await world.verify({"credential": world.issue(issuer)})
        assert small["verdict"] == "verified", small
        assert "examine" not in through_pool
        big = world.issue(issuer, description="Ett långt kursinnehåll. " * 1000)
        answer = await world.verify({"credential": big})
        assert answer["verdict"] == "verified", answer
        assert through_pool.count("examine") == 1
        big["description"] += "!"
        tampered = await world.verify({"credential": big})
        assert check(tampered, "proof")["status"] == "fail"
        assert through_pool.count("examine") == 2


async def test_the_page_is_served_with_a_strict_content_security_policy(world: World) -> None:
    page = await world.http.get("/", headers={"Accept-Language": "sv"})
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert "Kontrollera en mikromerit" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "<script>" not in page.text  # no inline script
    english = await world.http.get("/?lang=en", headers={"Accept-Language": "sv"})
    assert "Check a micro-credential" in english.text
    script = await world.http.get("/static/verifier.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in script.text
    assert (await world.http.get("/static/../app.py")).status_code == 404


async def test_only_the_platforms_claim_links_are_opened(world: World) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer)
    world.web.json("/claim/tok123", signed)
    opened = await world.http.post("/v1/claims/open", json={"url": world.web.url("/claim/tok123")})
    assert opened.status_code == 200
    assert opened.json() == signed
    for url in ("https://169.254.169.254/claim/x", world.web.url("/issuers/x/did.json")):
        refused = await world.http.post("/v1/claims/open", json={"url": url})
        assert refused.status_code == 422
    gone = await world.http.post("/v1/claims/open", json={"url": world.web.url("/claim/nope")})
    assert gone.status_code == 404


async def test_a_revocation_event_makes_the_http_process_fetch_the_list_again(
    world: World,
) -> None:
    issuer = await world.institution()
    signed = world.issue(issuer, index=11)
    assert check(await world.verify({"credential": signed}), "status")["status"] == "pass"
    issuer.revocation.set(11)
    world.publish(issuer)  # the issuer re-signs its list; the verifier still holds the old one
    assert check(await world.verify({"credential": signed}), "status")["status"] == "pass"
    event = CredentialRevoked(
        credential_id=signed["id"],
        institution_id=issuer.institution_id,
        purpose="revocation",
        reason="issued in error",
        changed_at=NOW,
    )
    handlers = {h.contract: h for h in issuer_consumer().handlers}
    async with world.pool.acquire() as conn:
        await handlers[CredentialRevoked].handle(conn, [Delivery(CloudEvent.of(event), event)])
    import asyncio

    for _ in range(50):
        answer = await world.verify({"credential": signed})
        if check(answer, "status")["status"] == "fail":
            break
        await asyncio.sleep(0.05)
    assert check(answer, "status")["message"] == "The issuer has revoked this credential."


async def test_a_credential_seen_again_is_not_canonicalized_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = await world.institution()
    verifier = world.app.state.components.verifier
    calls: list[str] = []

    def counting(*args: Any) -> Any:
        calls.append("examine")
        return examine(*args)

    monkeypatch.setattr(service, "examine", counting)
    signed = world.issue(issuer)
    first = await world.verify({"credential": signed})
    again = await world.verify({"credential": signed})
    assert first == again
    assert calls.count("examine") == 1
    # Another holder identifier, a changed document: examined afresh.
    await world.verify({"credential": signed, "holder": {"identifier": "x"}})
    changed = {**signed, "name": "Changed"}
    assert (await world.verify({"credential": changed}))["verdict"] == "not_verified"
    assert calls.count("examine") == 3
    # Other DID documents (the issuer's keys changed): the cached answer is not reused.
    docs = {issuer.did: {"id": issuer.did, "verificationMethod": []}}
    found = await verifier.examine(signed, docs, NOW)
    assert calls.count("examine") == 4
    assert found["proofs"][0]["verified"] is False
