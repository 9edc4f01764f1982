"""The claim page: server-rendered HTML, every value escaped, no external assets, no script.

The only style is one inline ``<style>`` block, allowed by its SHA-256 in the
Content-Security-Policy; nothing else may load (``default-src 'none'``).

A revoked or suspended credential's page opens with that (its heading is the
page's ``h1``, the credential's title comes second) and has no download link.
The words the platform writes into every credential in English (EQF level,
QF-EHEA cycle, type of quality assurance, the issuer's account of the QA
reports) are put in the page's language; everything else is shown as the
credential says it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape

from meriter_issuer.claims.service import Language, Standing, View

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1b1b;line-height:1.5}h1{font-size:1.6rem;margin-bottom:.25rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem}"
    "dt{font-weight:600}dd{margin:0}.note{color:#444;font-size:.95rem}"
    "a.download{display:inline-block;margin-top:1rem;padding:.6rem 1rem;border-radius:.4rem;"
    "background:#0b5394;color:#fff;text-decoration:none}nav a{margin-right:1rem}"
    ".standing{margin:1rem 0 1.5rem;padding:1rem 1.25rem;border-radius:.4rem;"
    "border-left:.5rem solid #b3261e;background:#fdecea;color:#5f1410}"
    ".standing h1{margin:0 0 .5rem;font-size:1.5rem;color:#8c1d18}.standing p{margin:.4rem 0}"
    ".standing.suspended{border-left-color:#8a5a00;background:#fff4e0;color:#4a3000}"
    ".standing.suspended h1{color:#6b4500}.reason{font-weight:600}"
    ".void dl,.void ul{color:#555}.void h2.title{font-size:1.3rem;margin-bottom:.25rem}"
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
        "revoked_title": "This credential has been revoked",
        "revoked": "The institution that issued it has withdrawn it. It is no longer valid: "
        "anyone who checks it is told that it is revoked, and it can no longer be downloaded.",
        "superseded_title": "This credential has been replaced by a corrected credential",
        "superseded": "The institution that issued it has corrected the result and issued a new "
        "credential in its place. This one is no longer valid and can no longer be downloaded; "
        "use the corrected credential instead.",
        "suspended_title": "This credential is suspended",
        "suspended": "The institution that issued it has suspended it for the time being. While "
        "it is suspended, anyone who checks it is told so, and it cannot be downloaded. The "
        "institution may reinstate it.",
        "reason": "The institution's reason:",
        "was": "The credential as it was issued",
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
        "revoked_title": "Intyget har återkallats",
        "revoked": "Lärosätet som utfärdade intyget har dragit tillbaka det. Det gäller inte "
        "längre: den som kontrollerar det får veta att det är återkallat, och det går inte "
        "längre att ladda ner.",
        "superseded_title": "Intyget har ersatts av ett rättat intyg",
        "superseded": "Lärosätet som utfärdade intyget har rättat resultatet och utfärdat ett "
        "nytt intyg i dess ställe. Det här intyget gäller inte längre och går inte att ladda "
        "ner; använd det rättade intyget i stället.",
        "suspended_title": "Intyget är spärrat",
        "suspended": "Lärosätet som utfärdade intyget har tillfälligt spärrat det. Så länge "
        "spärren gäller får den som kontrollerar intyget veta det, och det går inte att ladda "
        "ner. Lärosätet kan häva spärren.",
        "reason": "Lärosätets motivering:",
        "was": "Intyget som det utfärdades",
    },
}


# The English labels the engine (``meriter_credentials``) and the issuer write into every
# credential, as the Swedish page says them.
_EQF = re.compile(r"EQF level (\d+)")
_QF_EHEA = re.compile(r"QF-EHEA (short|first|second|third) cycle")
_CYCLES_SV = {
    "short": "kort cykel",
    "first": "första cykeln (grundnivå)",
    "second": "andra cykeln (avancerad nivå)",
    "third": "tredje cykeln (forskarnivå)",
}
_QA_SV = {
    "Internal QA, externally reviewed (ESG)": "Intern kvalitetssäkring, externt granskad (ESG)",
    "External programme accreditation": "Extern programackreditering",
    "Internal QA of the provider": "Utbildningsanordnarens interna kvalitetssäkring",
    "Other quality assurance": "Annan kvalitetssäkring",
}


# The issuer's account of the QA reports behind a credential (``issuance/build.py``).
_REVIEW = re.compile(
    r"(?P<agency>.+?) (?P<activity>institutional|programme|joint programme|"
    r"institutional/programme) review (?P<report>.+?): (?P<decision>positive|positive with "
    r"conditions or restrictions|negative|not applicable), valid (?P<start>\d{4}-\d\d-\d\d) "
    r"to (?P<end>\d{4}-\d\d-\d\d)(?P<six> \(6 years\))?"
)
_ACTIVITY_SV = {
    "institutional": "institutionell granskning",
    "programme": "programgranskning",
    "joint programme": "granskning av gemensamt program",
    "institutional/programme": "institutionell granskning och programgranskning",
}
_DECISION_SV = {
    "positive": "positivt beslut",
    "positive with conditions or restrictions": "positivt beslut med villkor eller begränsningar",
    "negative": "negativt beslut",
    "not applicable": "beslut ej tillämpligt",
}


def _review_sv(text: str) -> str | None:
    parts = []
    for part in text.split("; "):
        m = _REVIEW.fullmatch(part)
        if m is None:
            return None
        parts.append(
            f"{m['agency']} {_ACTIVITY_SV[m['activity']]} {m['report']}: "
            f"{_DECISION_SV[m['decision']]}, giltig {m['start']} till {m['end']}"
            + (" (6 år)" if m["six"] else "")
        )
    return "; ".join(parts)


def localized(text: str, language: Language) -> str:
    """A label the platform wrote in English, in ``language``; any other text as it is."""
    if language == "en":
        return text
    if m := _EQF.fullmatch(text):
        return f"EQF-nivå {m[1]}"
    if m := _QF_EHEA.fullmatch(text):
        return f"QF-EHEA {_CYCLES_SV[m[1]]}"
    return _QA_SV.get(text) or _review_sv(text) or text


def _document(language: Language, title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _standing(standing: Standing, t: dict[str, str]) -> str:
    """The banner a revoked or suspended credential's page opens with."""
    kind = "superseded" if standing.superseded else standing.status
    reason = (
        f'<p class="reason">{escape(t["reason"])} <q>{escape(standing.reason)}</q></p>'
        if standing.reason
        else ""
    )
    return (
        f'<section class="standing {escape(standing.status)}" data-status="{escape(kind)}">'
        f"<h1>{escape(t[f'{kind}_title'])}</h1><p>{escape(t[kind])}</p>{reason}</section>"
    )


def credential_page(view: View, language: Language, standing: Standing | None = None) -> str:
    standing = standing or Standing()
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
        levels = (localized(v, language) for v in view.levels)
        rows.append((t["level"], "<br>".join(escape(v) for v in levels)))
    if view.issued:
        rows.append((t["issued"], f"<time>{escape(view.issued)}</time>"))
    if view.grade:
        rows.append((t["grade"], escape(view.grade)))
    if view.quality_assurance:
        qa = (localized(q, language) for q in view.quality_assurance)
        rows.append((t["qa"], "<br>".join(escape(q) for q in qa)))
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    outcomes = ""
    if view.outcomes:
        items = "".join(f"<li>{escape(o)}</li>" for o in view.outcomes)
        outcomes = f"<h2>{escape(t['outcomes'])}</h2><ul>{items}</ul>"
    nav = f'<nav><a href="?lang={other}" hreflang="{other}">{escape(t["other"])}</a></nav>'
    if not standing.downloadable:
        kind = "superseded" if standing.superseded else standing.status
        body = (
            f'{nav}<main class="void">{_standing(standing, t)}'
            f'<p>{escape(t["was"])}</p><h2 class="title">{escape(view.title)}</h2>'
            f"<dl>{facts}</dl>{outcomes}</main>"
        )
        return _document(language, f"{t[f'{kind}_title']}: {view.title}", body)
    body = (
        f"{nav}<main><p>{escape(t['heading'])}</p><h1>{escape(view.title)}</h1>"
        f"<dl>{facts}</dl>{outcomes}"
        f'<p><a class="download" href="?download=1" download="credential.json">'
        f"{escape(t['download'])}</a></p>"
        f'<p class="note">{escape(t["note"])}</p></main>'
    )
    return _document(language, f"{view.title} — {t['heading']}", body)


def message_page(language: Language, kind: str) -> str:
    t = TEXT[language]
    title = t[f"{kind}_title"]
    return _document(language, title, f"<h1>{escape(title)}</h1><p>{escape(t[kind])}</p>")
