"""The page in a browser (Playwright driving Debian's chromium), the verifier app behind
it in this process: a tampered credential's values are shown apart, as what the document
claims — not verified; a good one's as plain facts. Screenshots of the tampered answer
are kept in ``tests/artifacts/verifier-page/<lang>-tampered-values.png``.

Chromium's requests to the page's origin are answered by the app through ASGI (with its
real headers, Content-Security-Policy included); any other request is refused and
fails the test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from verifier.conftest import World

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "verifier-page"
ORIGIN = "http://verifier.test"
LEVEL = {
    "en": "EQF level 7 · QF-EHEA second cycle",
    "sv": "EQF-nivå 7 · QF-EHEA andra cykeln (avancerad nivå)",
}
HEADING = {
    "en": ("What the credential says", "What the document claims — not verified", "not verified"),
    "sv": ("Vad intyget säger", "Vad dokumentet påstår — inte verifierat", "inte verifierat"),
}


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    return path


async def served_by(page: Any, http: httpx.AsyncClient, outside: list[str]) -> None:
    """Answer the page's requests to ``ORIGIN`` with the app; refuse (and note) any other."""

    async def forward(route: Any) -> None:
        request = route.request
        if not request.url.startswith(ORIGIN + "/"):
            outside.append(request.url)
            await route.abort()
            return
        answer = await http.request(
            request.method,
            request.url.removeprefix(ORIGIN),
            headers={
                k: v
                for k, v in request.headers.items()
                if k.lower() in ("accept", "accept-language", "content-type")
            },
            content=request.post_data_buffer,
        )
        await route.fulfill(
            status=answer.status_code, headers=dict(answer.headers), body=answer.content
        )

    await page.route("**/*", forward)


@pytest.mark.parametrize("lang", ["en", "sv"])
async def test_a_tampered_credentials_values_are_shown_as_claims_not_facts(
    world: World, lang: str
) -> None:
    from playwright.async_api import async_playwright

    issuer = await world.institution()
    good = world.issue(issuer)
    tampered = json.loads(json.dumps(good))
    tampered["credentialSubject"]["result"][0]["value"] = "A+"
    plain, claimed, tag = HEADING[lang]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium(), headless=True, chromium_sandbox=False
        )
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 1400})
            outside: list[str] = []
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            await served_by(page, world.http, outside)
            await page.goto(f"{ORIGIN}/?lang={lang}")

            await page.fill("#paste", json.dumps(tampered))
            await page.click("#verify")
            await page.locator("#verdict[data-verdict=not_verified]").wait_for()
            assert await page.locator("#content-heading").text_content() == claimed
            assert await page.locator("#content").get_attribute("data-trusted") == "false"
            assert await page.locator("#content-note").is_visible()
            grade = page.locator("dd[data-field=grade]")
            assert await grade.locator(".value").text_content() == "A+"
            assert await grade.locator(".tag").text_content() == tag
            values = await page.locator("#summary dd").count()
            assert values > 3
            assert await page.locator("#summary dd .tag").count() == values  # every one
            await page.screenshot(
                path=str(ARTIFACTS / f"{lang}-tampered-values.png"), full_page=True
            )

            # The same page then given the genuine credential shows plain facts again.
            await page.fill("#paste", json.dumps(good))
            await page.click("#verify")
            await page.locator("#verdict[data-verdict=verified]").wait_for()
            assert await page.locator("#content-heading").text_content() == plain
            assert await page.locator("#content").get_attribute("data-trusted") == "true"
            assert not await page.locator("#content-note").is_visible()
            assert await page.locator("#summary dd .tag").count() == 0
            assert await page.locator("dd[data-field=grade]").text_content() == "VG"
            assert await page.locator("dd[data-field=level]").text_content() == LEVEL[lang]

            assert outside == [], outside
            assert errors == [], errors  # no script error, no CSP violation
        finally:
            await browser.close()
