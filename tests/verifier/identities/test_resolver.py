"""DID resolution (``identities/resolver.py``): an outside issuer's did:web over HTTPS,
and where the platform issuer's own URLs are fetched.

What a did:web may not point at (private addresses) is in ``test_fetch.py``.
"""

from __future__ import annotations

import pytest
from verifier.conftest import check, running

from meriter_credentials.did import did_web_document
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import add_proof
from meriter_credentials.samples import sample_credential
from meriter_verifier.identities.resolver import own_url
from support.webserver import WebServer


async def test_a_did_web_document_over_https_resolves_and_is_cached(
    fresh_db: str, web: WebServer, tls_web: WebServer
) -> None:
    """An issuer from elsewhere: its did:web over HTTPS (trusted test CA, allowed origin)."""
    did = f"did:web:127.0.0.1%3A{tls_web.port}:uni"
    key = Ed25519KeyPair.from_seed(bytes(range(3, 35)), did_web=did)
    tls_web.json("/uni/did.json", did_web_document(did, [key]), **{"Cache-Control": "max-age=600"})
    document = sample_credential()
    document["issuer"]["id"] = did
    signed = add_proof(document, key)
    allowed = {"fetch_allow_origins": [tls_web.origin], "fetch_ca_file": tls_web.ca_file}
    async with running(fresh_db, web, **allowed) as world:
        for _ in range(3):
            answer = await world.verify({"credential": signed})
            assert answer["verdict"] == "verified_with_warnings", answer
            assert check(answer, "proof")["status"] == "pass"
            assert check(answer, "issuer")["evidence"]["resolved_from"] == "web"
    assert tls_web.hits == ["/uni/did.json"]


@pytest.mark.parametrize(
    ("url", "fetch_url", "expected"),
    [
        # did:web says https; the one-machine issuer answers http
        (
            "https://127.0.0.1:8002/issuers/u/did.json",
            None,
            "http://127.0.0.1:8002/issuers/u/did.json",
        ),
        # Compose: the public name is localhost, the verifier reaches it as "issuer"
        (
            "http://localhost:8002/status-lists/a-1-revocation",
            "http://issuer:8002",
            "http://issuer:8002/status-lists/a-1-revocation",
        ),
        ("https://uni.example/did.json", "http://issuer:8002", "https://uni.example/did.json"),
        ("http://[", None, "http://["),
    ],
)
def test_the_platform_issuers_urls_are_fetched_where_the_issuer_is_reached(
    url: str, fetch_url: str | None, expected: str
) -> None:
    public = "http://localhost:8002" if "localhost" in url else "http://127.0.0.1:8002"
    assert own_url(url, public, fetch_url) == expected
