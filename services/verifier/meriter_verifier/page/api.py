"""The page at ``/``: drop, upload or paste a credential, or open a claim link, and read
the verdict and every check in plain English or Swedish.

Server-rendered HTML with one small same-origin script and stylesheet; the
Content-Security-Policy allows nothing else (no inline script or style, no
other origin, no framing), and the script talks only to this verifier.

What a credential that did not verify says is shown apart: under "What the
document claims — not verified", in a hatched box with every value tagged
"not verified", never as the plain facts a verified credential's are.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from meriter_shared.errors import NotFound, ValidationProblem
from meriter_shared.openapi import problems
from meriter_verifier.checks.messages import Language, language
from meriter_verifier.deps import ComponentsDep
from meriter_verifier.fetch import FetchRefused
from meriter_verifier.identities.resolver import own_url
from meriter_verifier.page.text import TEXT
from meriter_verifier.ratelimit import RATE_LIMITED

router = APIRouter(tags=["page"])
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
STATIC = {"verifier.js": "text/javascript", "verifier.css": "text/css"}


def _static(name: str) -> bytes:
    return (resources.files("meriter_verifier.page") / "static" / name).read_bytes()


def render_page(lang: Language) -> str:
    t = {k: html.escape(v) for k, v in TEXT[lang].items()}
    texts = html.escape(json.dumps(TEXT[lang], ensure_ascii=False), quote=True)
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t["title"]} · Meriter</title>
<link rel="stylesheet" href="/static/verifier.css">
<script src="/static/verifier.js" defer></script>
</head>
<body data-lang="{lang}" data-texts="{texts}">
<header>
  <p class="brand">Meriter</p>
  <a id="other-language" href="{t["other_href"]}"
     hreflang="{"sv" if lang == "en" else "en"}">{t["other_language"]}</a>
</header>
<main>
  <h1>{t["title"]}</h1>
  <p class="lead">{t["lead"]}</p>
  <form id="verify-form">
    <label for="paste">{t["paste_label"]}</label>
    <textarea id="paste" rows="8" spellcheck="false"
              placeholder="{t["paste_placeholder"]}"></textarea>
    <div id="drop" class="drop" tabindex="0">{t["drop"]}</div>
    <label for="file">{t["file_label"]}</label>
    <input id="file" type="file" accept=".json,.jsonld,application/json,application/ld+json">
    <label for="claim-url">{t["claim_label"]}</label>
    <div class="row">
      <input id="claim-url" type="url" inputmode="url" autocomplete="off">
      <button id="open-claim" type="button">{t["claim_button"]}</button>
    </div>
    <button id="verify" type="submit">{t["verify"]}</button>
  </form>
  <section id="result" hidden aria-live="polite">
    <p id="verdict" class="verdict"></p>
    <div id="content" class="content">
      <h2 id="content-heading">{t["content"]}</h2>
      <p id="content-note" class="content-note" hidden>{t["untrusted_note"]}</p>
      <dl id="summary"></dl>
    </div>
    <h2>{t["checks"]}</h2>
    <ul id="checks"></ul>
  </section>
  <p id="error" class="error" hidden role="alert"></p>
</main>
</body>
</html>
"""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page(
    lang: str | None = Query(default=None, max_length=8),
    accept_language: str | None = Header(default=None),
) -> HTMLResponse:
    chosen: Language = "sv" if lang == "sv" else "en" if lang == "en" else language(accept_language)
    headers = {**SECURITY, "Content-Language": chosen, "Vary": "Accept-Language"}
    return HTMLResponse(render_page(chosen), headers=headers)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """No icon: answered so browsers asking for one log no error."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    if name not in STATIC:
        raise NotFound("no such file")
    return Response(
        _static(name),
        media_type=STATIC[name],
        headers={**SECURITY, "Cache-Control": "public, max-age=300"},
    )


class ClaimLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2048)


@router.post(
    "/v1/claims/open",
    responses={**problems(404, 429), **RATE_LIMITED},
)
async def open_claim(link: ClaimLink, components: ComponentsDep) -> JSONResponse:
    """The signed credential behind a claim link of this platform's issuer.

    Only links under the platform issuer's ``/claim/`` are opened (the
    verifier is no open proxy); the issuer answers them with the credential
    when asked for JSON.
    """
    base = components.settings.issuer_url.rstrip("/") + "/claim/"
    if not link.url.startswith(base):
        raise ValidationProblem(
            "only this platform's claim links can be opened",
            errors=[{"in": "body", "field": "url", "message": f"must start with {base}"}],
        )
    try:
        fetched = await components.fetcher.get(
            own_url(link.url, components.settings.issuer_url, components.settings.issuer_fetch_url),
            accept="application/json",
        )
        document: Any = fetched.json()
    except FetchRefused as exc:
        raise NotFound(f"the claim link gave no credential: {exc}") from exc
    if not isinstance(document, dict):
        raise NotFound("the claim link gave no credential")
    return JSONResponse(document, headers={"Cache-Control": "no-store"})
