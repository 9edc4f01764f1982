"""The page (``GET /``): its headers and texts, and the claim-link route it uses."""

from __future__ import annotations

from verifier.conftest import World


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


async def test_the_page_carries_the_words_for_values_that_did_not_verify(world: World) -> None:
    for lang, words in (
        ("en", "What the document claims — not verified"),
        ("sv", "Vad dokumentet påstår — inte verifierat"),
    ):
        page = await world.http.get(f"/?lang={lang}")
        assert words in page.text  # in the texts the script shows them from
        assert 'id="content-note" class="content-note" hidden' in page.text
    script = (await world.http.get("/static/verifier.js")).text
    assert "credential_trust" in script
