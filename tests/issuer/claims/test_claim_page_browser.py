"""A revoked credential's claim page in a browser (Playwright driving Debian's chromium),
the issuer app behind it in this process, answering with its real headers (the
Content-Security-Policy allows the page's one style block and nothing else).
Screenshots are kept in ``tests/artifacts/claim-page/<lang>-revoked.png``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from issuer.claims.claim_support import Learner

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "claim-page"
ORIGIN = "http://issuer.test"
SAID = {
    "en": ("This credential has been revoked", "The institution's reason:"),
    "sv": ("Intyget har återkallats", "Lärosätets motivering:"),
}


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    return path


@pytest.mark.parametrize("lang", ["en", "sv"])
async def test_a_revoked_credentials_page_reads_revoked_first_and_offers_no_download(
    learner: Learner, lang: str
) -> None:
    from playwright.async_api import async_playwright

    await learner.institution_sets("revocation", "The grade was recorded for the wrong course")
    heading, reason = SAID[lang]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []

    async def forward(route: Any) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            outside.append(url)
            await route.abort()
            return
        answer = await learner.http.get(url.removeprefix(ORIGIN))
        await route.fulfill(
            status=answer.status_code, headers=dict(answer.headers), body=answer.content
        )

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium(), headless=True, chromium_sandbox=False
        )
        try:
            page = await browser.new_page(viewport={"width": 900, "height": 1000})
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            await page.route("**/*", forward)
            await page.goto(f"{ORIGIN}/claim/{learner.token}?lang={lang}")
            first = page.locator("h1").first
            assert await first.text_content() == heading
            box = await page.locator("section.standing").bounding_box()
            title = await page.locator("h2.title").bounding_box()
            assert box is not None
            assert title is not None
            assert box["y"] < title["y"]  # said first, above the credential
            background = await page.locator("section.standing").evaluate(
                "el => getComputedStyle(el).backgroundColor"
            )
            assert background == "rgb(253, 236, 234)"  # the style block applied under the CSP
            said = await page.locator("p.reason").text_content()
            assert said is not None
            assert said.startswith(reason)
            assert "wrong course" in said
            assert await page.locator("a[href*=download]").count() == 0
            await page.screenshot(path=str(ARTIFACTS / f"{lang}-revoked.png"), full_page=True)
            assert outside == [], outside
            assert errors == [], errors  # no CSP violation
        finally:
            await browser.close()
