"""Meriter's own credentials checked by the verifier, through the running platform, by API
and by a person at the page (Playwright driving Debian's chromium).

One stack per module, as ``make up`` runs it: an agency and a quality-assured
institution are registered, results posted, credentials issued; one is
revoked, one suspended. The verifier knows the institution, its DEQAR id,
its QA reports and its did:web keys only from the events it consumed.
Screenshots of the page are kept in ``tests/artifacts/verifier-page/``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.driver import Platform, result

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "verifier-page"


async def verify(platform: Platform, document: dict[str, Any], lang: str = "en") -> Any:
    r = await platform.call(
        "verifier",
        "POST",
        "/v1/verify",
        {"Accept-Language": lang},
        json={"credential": document},
    )
    assert r.status_code == 200, r.text
    return r.json()


def statuses(answer: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in answer["checks"]}


async def until(
    platform: Platform, document: dict[str, Any], name: str, status: str, timeout_s: float = 60
) -> dict[str, Any]:
    """Verify until check ``name`` has ``status`` (events reach the verifier's projections)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        answer: dict[str, Any] = await verify(platform, document)
        if statuses(answer)[name] == status:
            return answer
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{name} never became {status}: {json.dumps(answer)[:3000]}")
        await asyncio.sleep(0.5)


@pytest.fixture(scope="module")
async def credentials(platform: Platform) -> dict[str, dict[str, Any]]:
    """A good, a revoked and a suspended credential of a quality-assured institution."""
    agency, acronym = await platform.agency()
    institution, deqar = await platform.institution()
    await platform.report(agency, acronym, deqar)
    headers = await platform.client_for("institution", institution)
    offering = await platform.offering(institution, headers)
    out: dict[str, dict[str, Any]] = {}
    for name in ("good", "revoked", "suspended"):
        rid = f"VER-{name}"
        r = await platform.call(
            "issuer", "POST", "/v1/results", headers, json=result(rid, offering)
        )
        assert r.status_code == 202, r.text
        issued = await platform.wait_result(headers, rid, {"issued"})
        c = await platform.call(
            "issuer", "GET", f"/v1/credentials/{issued['credential_id']}", headers
        )
        out[name] = c.json()
    good = out["good"]
    # The verifier has the issuer's identity and the institution from events.
    answer = await until(platform, good, "issuer", "pass")
    assert answer["checks"][2]["evidence"]["deqar_id"] == deqar
    for name, purpose in (("revoked", "revocation"), ("suspended", "suspension")):
        r = await platform.call(
            "issuer",
            "POST",
            f"/v1/credentials/{out[name]['id']}/status",
            headers,
            json={"purpose": purpose, "value": True, "reason": "end-to-end test"},
        )
        assert r.status_code == 200, r.text
    out["tampered"] = copy.deepcopy(good)
    out["tampered"]["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    out["deqar"] = {"id": deqar}
    return out


async def test_a_platform_credential_is_verified_with_its_institution_and_qa(
    platform: Platform, credentials: dict[str, dict[str, Any]]
) -> None:
    answer = await verify(platform, credentials["good"])
    assert answer["verdict"] == "verified", answer
    assert statuses(answer) == {
        "format": "pass",
        "proof": "pass",
        "issuer": "pass",
        "quality_assurance": "pass",
        "validity": "pass",
        "status": "pass",
        "annex_i": "pass",
        "holder": "not_applicable",
    }
    qa = next(c for c in answer["checks"] if c["name"] == "quality_assurance")
    assert qa["evidence"]["quality_assured_on_date"] is True
    assert qa["evidence"]["reports"][0]["decision"] == "positive"
    status = next(c for c in answer["checks"] if c["name"] == "status")
    assert [e["purpose"] for e in status["evidence"]["entries"]] == ["revocation", "suspension"]


async def test_revoked_and_suspended_platform_credentials_fail_once_the_issuer_says_so(
    platform: Platform, credentials: dict[str, dict[str, Any]]
) -> None:
    revoked = await until(platform, credentials["revoked"], "status", "fail")
    assert revoked["verdict"] == "not_verified"
    assert "revoked" in revoked["checks"][5]["message"]
    suspended = await until(platform, credentials["suspended"], "status", "fail")
    assert "suspended" in suspended["checks"][5]["message"]


async def test_a_tampered_platform_credential_fails_its_proof(
    platform: Platform, credentials: dict[str, dict[str, Any]]
) -> None:
    answer = await verify(platform, credentials["tampered"])
    assert answer["verdict"] == "not_verified"
    assert statuses(answer)["proof"] == "fail"


async def test_the_vc_api_accepts_the_good_one_and_refuses_the_revoked_one(
    platform: Platform, credentials: dict[str, dict[str, Any]]
) -> None:
    await until(platform, credentials["revoked"], "status", "fail")
    async with httpx.AsyncClient(base_url=platform.urls["verifier"], timeout=30) as http:
        good = await http.post(
            "/credentials/verify", json={"verifiableCredential": credentials["good"]}
        )
        assert good.status_code == 200, good.text
        assert good.json()["verified"] is True
        assert good.json()["errors"] == []
        bad = await http.post(
            "/credentials/verify", json={"verifiableCredential": credentials["revoked"]}
        )
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["code"] == "status"


# -- the page, in a browser ---------------------------------------------------------------

VERDICTS = {
    "en": {"good": "Verified", "tampered": "Not verified", "revoked": "Not verified"},
    "sv": {"good": "Verifierat", "tampered": "Inte verifierat", "revoked": "Inte verifierat"},
}


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    return path


@pytest.mark.parametrize("lang", ["en", "sv"])
async def test_a_person_checks_good_tampered_and_revoked_credentials_at_the_page(
    platform: Platform, credentials: dict[str, dict[str, Any]], lang: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    await until(platform, credentials["revoked"], "status", "fail")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in ("tampered", "revoked"):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(credentials[name]))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium(), headless=True, chromium_sandbox=False
        )
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 1400})
            outside: list[str] = []
            page.on(
                "request",
                lambda req: (
                    outside.append(req.url)
                    if not req.url.startswith(platform.urls["verifier"])
                    else None
                ),
            )
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: errors.append(msg.text) if msg.type == "error" else None,
            )
            await page.goto(f"{platform.urls['verifier']}/?lang={lang}")
            assert await page.get_attribute("html", "lang") == lang

            # Pasted.
            await page.fill("#paste", json.dumps(credentials["good"]))
            await page.click("#verify")
            verdict = page.locator("#verdict")
            await verdict.wait_for(state="visible")
            await page.locator("#verdict[data-verdict=verified]").wait_for()
            assert (await verdict.text_content()) == VERDICTS[lang]["good"]
            learner = await page.locator("dd[data-field=learner]").text_content()
            assert learner == "Åsa Öberg"
            assert await page.locator("dd[data-field=ects]").text_content() == "7.5"
            assert (
                await page.locator("dd[data-field=deqar_id]").text_content()
                == (credentials["deqar"]["id"])
            )
            assert await page.locator("li.check").count() == 8
            assert await page.locator("li.check.fail").count() == 0
            await page.screenshot(path=str(ARTIFACTS / f"{lang}-good.png"), full_page=True)

            # Uploaded.
            await page.set_input_files("#file", str(files["tampered"]))
            await page.locator("#verdict[data-verdict=not_verified]").wait_for()
            assert (await verdict.text_content()) == VERDICTS[lang]["tampered"]
            proof = page.locator("li[data-check=proof]")
            assert await proof.get_attribute("data-status") == "fail"
            await page.screenshot(path=str(ARTIFACTS / f"{lang}-tampered.png"), full_page=True)

            # Dropped.
            await page.fill("#paste", "")
            await page.evaluate(
                "() => { document.querySelector('#verdict').dataset.verdict = ''; }"
            )
            await page.evaluate(
                """text => {
                    const data = new DataTransfer();
                    data.items.add(new File([text], 'revoked.json', {type: 'application/json'}));
                    const zone = document.querySelector('#drop');
                    zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true}));
                }""",
                files["revoked"].read_text(),
            )
            await page.locator("#verdict[data-verdict=not_verified]").wait_for()
            status = page.locator("li[data-check=status]")
            assert await status.get_attribute("data-status") == "fail"
            message = await status.locator(".message").text_content()
            assert message == (
                "The issuer has revoked this credential."
                if lang == "en"
                else "Utfärdaren har återkallat intyget."
            )
            await page.screenshot(path=str(ARTIFACTS / f"{lang}-revoked.png"), full_page=True)

            # Not JSON: said plainly, nothing sent.
            await page.fill("#paste", "not a credential")
            await page.click("#verify")
            await page.locator("#error").wait_for(state="visible")

            assert outside == [], outside  # nothing leaves the page but to the verifier
            assert errors == [], errors  # no script error, no CSP violation
        finally:
            await browser.close()
