"""A learner's claim link through HTTP once the institution revoked or suspended the
credential: the page says so first, and the download is refused as a problem."""

from __future__ import annotations

from issuer.claims.claim_support import Learner

from meriter_issuer.claims.page import CSP
from meriter_shared.errors import PROBLEM_JSON


async def test_an_active_credential_is_offered_and_downloaded(learner: Learner) -> None:
    page = await learner.open()
    assert page.status_code == 200
    assert 'href="?download=1"' in page.text
    download = await learner.open("?download=1")
    assert download.status_code == 200
    assert download.json()["id"] == learner.credential_id


async def test_a_revoked_credentials_page_says_so_and_its_download_is_gone(
    learner: Learner,
) -> None:
    await learner.institution_sets("revocation", "Awarded to the wrong learner")
    page = await learner.open()  # the learner's language: Swedish
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    body = page.text.split("<body>", 1)[1]
    assert body.index("<h1>Intyget har återkallats</h1>") < body.index("Applied Machine")
    assert "<q>Awarded to the wrong learner</q>" in body
    assert "download=" not in page.text
    english = await learner.open("?lang=en")
    assert "<h1>This credential has been revoked</h1>" in english.text
    download = await learner.open("?download=1")
    assert download.status_code == 410
    assert download.headers["content-type"] == PROBLEM_JSON
    problem = download.json()
    assert problem["type"].endswith("/gone")
    assert problem["detail"].startswith("the institution has revoked this credential")
    assert (problem["credential_status"], problem["superseded"]) == ("revoked", False)
    assert problem["instance"] == f"/claim/{learner.token}"
    # A verifier opening the link still reads the credential, and its status list says revoked.
    as_json = await learner.open(Accept="application/json")
    assert as_json.status_code == 200
    assert as_json.json()["id"] == learner.credential_id


async def test_a_suspended_credentials_download_conflicts_with_its_suspension(
    learner: Learner,
) -> None:
    await learner.institution_sets("suspension", "under review")
    page = await learner.open("?lang=en")
    assert "<h1>This credential is suspended</h1>" in page.text
    assert "download=" not in page.text
    download = await learner.open("?download=1", Accept="application/json")
    assert download.status_code == 409
    assert download.headers["content-type"] == PROBLEM_JSON
    assert download.json()["credential_status"] == "suspended"


async def test_a_credential_replaced_by_a_correction_reads_as_replaced(learner: Learner) -> None:
    await learner.institution_sets("revocation", "superseded")
    page = await learner.open("?lang=en")
    assert "<h1>This credential has been replaced by a corrected credential</h1>" in page.text
    download = await learner.open("?download=1")
    assert download.status_code == 410
    assert download.json()["superseded"] is True
    assert "corrected" in download.json()["detail"]


async def test_the_swedish_page_of_an_issued_credential_has_none_of_the_platforms_english(
    learner: Learner,
) -> None:
    page = (await learner.open()).text  # the learner's language: Swedish
    assert '<html lang="sv">' in page
    assert "EQF-nivå 7" in page
    assert "QF-EHEA andra cykeln (avancerad nivå)" in page
    assert "Intern kvalitetssäkring, externt granskad (ESG)" in page
    assert "UKÄ institutionell granskning UKA-inst-a: positivt beslut, giltig 2024-01-01" in page
    for english in (
        "EQF level",
        "cycle",
        "Internal QA",
        "externally reviewed",
        "institutional review",
        "positive",
        "years",
    ):
        assert english not in page, english
