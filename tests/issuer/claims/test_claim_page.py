"""The claim page as rendered from a signed credential: what it shows, what it escapes,
what it lets a browser load, how it tells a revoked or suspended credential, and its
Swedish (no stack needed)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from meriter_credentials import samples
from meriter_issuer.claims.page import CSP, STYLE, credential_page, localized, message_page
from meriter_issuer.claims.service import Standing, standing, view


def text_of(html: str) -> str:
    """What a reader sees: the body's text, without markup or style."""
    return re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1])


def hostile() -> dict[str, Any]:
    document = samples.sample_credential()
    document["name"] = '<script>alert("x")</script>'
    document["credentialSubject"]["name"] = "Åsa \"'><img src=x onerror=alert(1)>"
    return document


def test_the_page_shows_what_the_credential_says() -> None:
    shown = view(samples.sample_credential())
    assert shown.title == "Applied Machine Learning for Public Health"
    assert shown.institution == "Uppsala University"
    assert shown.learner == "Astrid Lindqvist"
    assert shown.ects == "7.5"
    assert shown.levels == ["EQF level 7", "QF-EHEA second cycle"]
    assert shown.issued == "2026-01-23"
    assert shown.quality_assurance[0] == "Internal QA, externally reviewed (ESG)"
    assert shown.outcomes[0] == "Train models on register data"


def test_every_value_from_the_credential_is_escaped() -> None:
    html = credential_page(view(hostile()), "en")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_page_is_in_swedish_or_english() -> None:
    document = samples.sample_credential()
    sv = credential_page(view(document), "sv")
    en = credential_page(view(document), "en")
    assert '<html lang="sv">' in sv
    assert "Lärandemål" in sv
    assert "7,5 högskolepoäng (ECTS)" in sv
    assert '<html lang="en">' in en
    assert "Learning outcomes" in en
    assert "7.5 ECTS credits" in en


def test_the_only_inline_style_is_the_one_the_policy_allows() -> None:
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CSP
    assert CSP.startswith("default-src 'none'")
    html = credential_page(view(samples.sample_credential()), "en")
    assert html.count("<style>") == 1
    assert f"<style>{STYLE}</style>" in html
    assert "style=" not in html


def test_gone_and_not_found_pages_name_no_credential() -> None:
    assert "erased" in message_page("en", "gone")
    assert "raderats" in message_page("sv", "gone")
    assert "expired" in message_page("en", "not_found")


# --- a revoked or suspended credential ------------------------------------------------


def test_a_revoked_credentials_page_says_so_first_with_the_reason_and_offers_no_download() -> None:
    shown = view(samples.sample_credential())
    gone = standing(revoked=True, suspended=False, reason="Grade entered <by mistake>")
    html = credential_page(shown, "en", gone)
    body = html.split("<body>", 1)[1]
    assert body.index("This credential has been revoked") < body.index(shown.title)
    assert "<h1>This credential has been revoked</h1>" in html
    assert "The institution&#x27;s reason: <q>Grade entered &lt;by mistake&gt;</q>" in html
    assert "download=" not in html
    assert "Download" not in text_of(html)
    assert "<title>This credential has been revoked: " in html
    sv = credential_page(shown, "sv", gone)
    assert "<h1>Intyget har återkallats</h1>" in sv
    assert "Lärosätets motivering: <q>Grade entered &lt;by mistake&gt;</q>" in sv
    assert "ladda ner det signerade" not in sv.lower()
    assert 'href="?download=1"' not in sv


def test_a_suspended_credentials_page_says_it_is_suspended_for_now() -> None:
    shown = view(samples.sample_credential())
    held = standing(revoked=False, suspended=True, reason="under review")
    en = credential_page(shown, "en", held)
    assert "<h1>This credential is suspended</h1>" in en
    assert "may reinstate it" in en
    assert "<q>under review</q>" in en
    assert 'href="?download=1"' not in en
    assert "<h1>Intyget är spärrat</h1>" in credential_page(shown, "sv", held)


def test_a_credential_superseded_by_a_corrected_one_reads_as_replaced_and_links_nothing() -> None:
    shown = view(samples.sample_credential())
    for reason in ("superseded", "Superseded by urn:uuid:1234 (grade corrected)"):
        replaced = standing(revoked=True, suspended=False, reason=reason)
        assert (replaced.superseded, replaced.reason) == (True, None)
        en = credential_page(shown, "en", replaced)
        assert "<h1>This credential has been replaced by a corrected credential</h1>" in en
        assert "urn:uuid:1234" not in en
        assert "superseded" not in text_of(en).lower()
        assert en.count("<a ") == 1  # the language link only
        sv = credential_page(shown, "sv", replaced)
        assert "<h1>Intyget har ersatts av ett rättat intyg</h1>" in sv


def test_a_status_change_without_words_of_the_institution_shows_no_reason() -> None:
    made_up = standing(revoked=True, suspended=False, reason="revocation set via the VC-API")
    assert (made_up.status, made_up.reason) == ("revoked", None)
    assert standing(revoked=False, suspended=True, reason="  ").reason is None
    page = credential_page(view(samples.sample_credential()), "en", made_up)
    assert 'class="reason"' not in page
    # Reinstated: the last reason belongs to no standing the page shows.
    assert standing(revoked=False, suspended=False, reason="error fixed") == Standing()
    assert Standing().downloadable


# --- the engine's English labels on the Swedish page -----------------------------------


def test_the_swedish_page_says_the_level_and_quality_assurance_in_swedish() -> None:
    shown = view(samples.sample_credential())
    sv = credential_page(shown, "sv")
    assert "EQF-nivå 7" in sv
    assert "QF-EHEA andra cykeln (avancerad nivå)" in sv
    assert "Intern kvalitetssäkring, externt granskad (ESG)" in sv
    for english in ("EQF level", "cycle", "Internal QA", "externally reviewed"):
        assert english not in sv, english
    assert "Reviewed by UKÄ" in sv  # the institution's own words stay as it wrote them
    en = credential_page(shown, "en")
    assert "EQF level 7" in en
    assert "QF-EHEA second cycle" in en
    assert "Internal QA, externally reviewed (ESG)" in en


def test_every_label_the_engine_writes_has_a_swedish_form() -> None:
    from meriter_credentials.vocabularies import _QA_LABEL, QfEheaCycle

    for label in _QA_LABEL.values():
        assert localized(label, "sv") != label, label
    for cycle in QfEheaCycle:
        said = localized(f"QF-EHEA {cycle.value} cycle", "sv")
        assert "cycle" not in said, said
        assert said.startswith("QF-EHEA "), said
    assert localized("EQF level 8", "sv") == "EQF-nivå 8"
    reviews = (
        "UKÄ institutional review UKA-17: positive, valid 2024-01-01 to 2029-12-30 (6 years); "
        "NOKUT programme review N 4: positive with conditions or restrictions, "
        "valid 2023-05-01 to 2027-05-01"
    )
    assert localized(reviews, "sv") == (
        "UKÄ institutionell granskning UKA-17: positivt beslut, giltig 2024-01-01 till "
        "2029-12-30 (6 år); NOKUT programgranskning N 4: positivt beslut med villkor eller "
        "begränsningar, giltig 2023-05-01 till 2027-05-01"
    )
    assert localized("Something the institution wrote", "sv") == "Something the institution wrote"
    assert localized("EQF level 8", "en") == "EQF level 8"
