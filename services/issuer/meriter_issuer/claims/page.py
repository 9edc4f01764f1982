"""The claim page: server-rendered HTML, every value escaped, no external assets, no script.

The only style is one inline ``<style>`` block, allowed by its SHA-256 in the
Content-Security-Policy; nothing else may load (``default-src 'none'``).
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from meriter_issuer.claims.service import Language, View

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1b1b;line-height:1.5}h1{font-size:1.6rem;margin-bottom:.25rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem}"
    "dt{font-weight:600}dd{margin:0}.note{color:#444;font-size:.95rem}"
    "a.download{display:inline-block;margin-top:1rem;padding:.6rem 1rem;border-radius:.4rem;"
    "background:#0b5394;color:#fff;text-decoration:none}nav a{margin-right:1rem}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

TEXT: dict[Language, dict[str, str]] = {
    "en": {
        "heading": "Your credential",
        "institution": "Awarded by",
        "learner": "Awarded to",
        "ects": "Credits",
        "ects_unit": "ECTS credits",
        "level": "Level",
        "issued": "Date of issue",
        "qa": "Quality assurance",
        "grade": "Grade",
        "outcomes": "Learning outcomes",
        "download": "Download the signed credential (JSON)",
        "note": "This is a digitally signed micro-credential. Keep the file: anyone you share "
        "it with can check that it is genuine and unchanged.",
        "other": "På svenska",
        "not_found": "This link is not valid, or it has expired.",
        "not_found_title": "Link not found",
        "gone": "This credential has been erased at the learner's request.",
        "gone_title": "Credential erased",
    },
    "sv": {
        "heading": "Ditt intyg",
        "institution": "Utfärdat av",
        "learner": "Utfärdat till",
        "ects": "Omfattning",
        "ects_unit": "högskolepoäng (ECTS)",
        "level": "Nivå",
        "issued": "Utfärdandedatum",
        "qa": "Kvalitetssäkring",
        "grade": "Betyg",
        "outcomes": "Lärandemål",
        "download": "Ladda ner det signerade intyget (JSON)",
        "note": "Det här är ett digitalt signerat mikrointyg. Spara filen: den du delar den med "
        "kan kontrollera att den är äkta och oförändrad.",
        "other": "In English",
        "not_found": "Länken är ogiltig eller har slutat gälla.",
        "not_found_title": "Länken hittades inte",
        "gone": "Intyget har raderats på den studerandes begäran.",
        "gone_title": "Intyget är raderat",
    },
}


def _document(language: Language, title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def credential_page(view: View, language: Language) -> str:
    t = TEXT[language]
    other: Language = "en" if language == "sv" else "sv"
    rows: list[tuple[str, str]] = []
    if view.institution:
        rows.append((t["institution"], escape(view.institution)))
    if view.learner:
        rows.append((t["learner"], escape(view.learner)))
    if view.ects:
        ects = view.ects.replace(".", ",") if language == "sv" else view.ects
        rows.append((t["ects"], f"{escape(ects)} {escape(t['ects_unit'])}"))
    if view.levels:
        rows.append((t["level"], "<br>".join(escape(v) for v in view.levels)))
    if view.issued:
        rows.append((t["issued"], f"<time>{escape(view.issued)}</time>"))
    if view.grade:
        rows.append((t["grade"], escape(view.grade)))
    if view.quality_assurance:
        rows.append((t["qa"], "<br>".join(escape(q) for q in view.quality_assurance)))
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    outcomes = ""
    if view.outcomes:
        items = "".join(f"<li>{escape(o)}</li>" for o in view.outcomes)
        outcomes = f"<h2>{escape(t['outcomes'])}</h2><ul>{items}</ul>"
    body = (
        f'<nav><a href="?lang={other}" hreflang="{other}">{escape(t["other"])}</a></nav>'
        f"<p>{escape(t['heading'])}</p><h1>{escape(view.title)}</h1>"
        f"<dl>{facts}</dl>{outcomes}"
        f'<p><a class="download" href="?download=1" download="credential.json">'
        f"{escape(t['download'])}</a></p>"
        f'<p class="note">{escape(t["note"])}</p>'
    )
    return _document(language, f"{view.title} — {t['heading']}", body)


def message_page(language: Language, kind: str) -> str:
    t = TEXT[language]
    title = t[f"{kind}_title"]
    return _document(language, title, f"<h1>{escape(title)}</h1><p>{escape(t[kind])}</p>")
