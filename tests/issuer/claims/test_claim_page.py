"""The claim page as rendered from a signed credential: what it shows, what it escapes,
what it lets a browser load (no stack needed)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from meriter_credentials import samples
from meriter_issuer.claims.page import CSP, STYLE, credential_page, message_page
from meriter_issuer.claims.service import view


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
