"""Every check's message, in English and Swedish.

A check carries a message code and its parameters; the language is chosen
from ``Accept-Language`` (Swedish when it prefers ``sv``, English otherwise)
only when the answer is written, so the rules never deal in words.
"""

from __future__ import annotations

from typing import Any, Literal

Language = Literal["en", "sv"]

MESSAGES: dict[str, dict[Language, str]] = {
    # format
    "format.ok": {
        "en": "The credential follows the W3C Verifiable Credentials Data Model 2.0.",
        "sv": "Intyget följer W3C:s datamodell för verifierbara intyg (VC Data Model 2.0).",
    },
    "format.ok_ob": {
        "en": "The credential follows the W3C Verifiable Credentials Data Model 2.0 "
        "and the Open Badges 3.0 schema.",
        "sv": "Intyget följer W3C:s datamodell för verifierbara intyg (VC Data Model 2.0) "
        "och Open Badges 3.0-schemat.",
    },
    "format.legacy": {
        "en": "The credential uses the older Verifiable Credentials Data Model 1.1. "
        "It can be read and checked, but it is not the current standard.",
        "sv": "Intyget använder den äldre datamodellen VC Data Model 1.1. "
        "Det kan läsas och kontrolleras men följer inte den nuvarande standarden.",
    },
    "format.invalid": {
        "en": "The credential is not well-formed ({count} problem(s)); the first: {first}",
        "sv": "Intyget är inte korrekt uppbyggt ({count} fel); det första: {first}",
    },
    "format.presentation_ok": {
        "en": "The presentation follows the W3C Verifiable Credentials Data Model 2.0.",
        "sv": "Presentationen följer W3C:s datamodell för verifierbara intyg (VC Data Model 2.0).",
    },
    # proof
    "proof.ok": {
        "en": "The signature is valid ({suites}) and was made with a key of the issuer, "
        "so the content has not been changed since it was issued.",
        "sv": "Signaturen är giltig ({suites}) och gjord med utfärdarens nyckel, "
        "så innehållet har inte ändrats sedan intyget utfärdades.",
    },
    "proof.legacy": {
        "en": "The signature is valid and made with a key of the issuer, but it uses the "
        "older Ed25519Signature2020 suite.",
        "sv": "Signaturen är giltig och gjord med utfärdarens nyckel, men den använder den "
        "äldre sviten Ed25519Signature2020.",
    },
    "proof.none": {
        "en": "The credential has no signature (proof), so nothing shows who issued it.",
        "sv": "Intyget saknar signatur (proof), så inget visar vem som utfärdade det.",
    },
    "proof.invalid": {
        "en": "The signature does not verify: the content was changed after signing, or the "
        "key is wrong ({reason}).",
        "sv": "Signaturen stämmer inte: innehållet har ändrats efter signeringen, eller så är "
        "nyckeln fel ({reason}).",
    },
    "proof.not_issuer": {
        "en": "The signature is valid but was made by {controller}, not by the issuer {issuer}.",
        "sv": "Signaturen är giltig men gjord av {controller}, inte av utfärdaren {issuer}.",
    },
    # issuer
    "issuer.known": {
        "en": "Issued by {name}, an institution in the national registry (DEQAR ID {deqar}).",
        "sv": "Utfärdat av {name}, ett lärosäte i det nationella registret (DEQAR-id {deqar}).",
    },
    "issuer.known_no_deqar": {
        "en": "Issued by {name}, an institution in the national registry.",
        "sv": "Utfärdat av {name}, ett lärosäte i det nationella registret.",
    },
    "issuer.unknown": {
        "en": "The issuer {did} was found, but it is not an institution the registry knows. "
        "This does not make the credential false: check who the issuer is.",
        "sv": "Utfärdaren {did} hittades men är inget lärosäte som registret känner till. "
        "Det gör inte intyget falskt: kontrollera vem utfärdaren är.",
    },
    "issuer.unresolved": {
        "en": "The issuer's identifier {did} could not be resolved: {reason}",
        "sv": "Utfärdarens identifierare {did} kunde inte slås upp: {reason}",
    },
    "issuer.not_did": {
        "en": "The issuer {issuer} is not a DID, so its keys could not be looked up.",
        "sv": "Utfärdaren {issuer} är ingen DID, så dess nycklar kunde inte slås upp.",
    },
    "issuer.missing": {
        "en": "The credential names no issuer.",
        "sv": "Intyget anger ingen utfärdare.",
    },
    # quality assurance
    "qa.ok_still": {
        "en": "{name} was externally quality assured on {date}, the date of issuing "
        "({agency}, report {report}), and still is today.",
        "sv": "{name} var externt kvalitetssäkrat den {date}, då intyget utfärdades "
        "({agency}, rapport {report}), och är det fortfarande i dag.",
    },
    "qa.ok_lapsed": {
        "en": "{name} was externally quality assured on {date}, the date of issuing "
        "({agency}, report {report}); it is not quality assured today.",
        "sv": "{name} var externt kvalitetssäkrat den {date}, då intyget utfärdades "
        "({agency}, rapport {report}); det är inte kvalitetssäkrat i dag.",
    },
    "qa.not_on_date": {
        "en": "{name} was not externally quality assured on {date}, the date of issuing, "
        "by the registry's rule (an obligatory, non-negative review by an "
        "EQAR-registered agency, valid on that date).",
        "sv": "{name} var inte externt kvalitetssäkrat den {date}, då intyget utfärdades, "
        "enligt registrets regel (en obligatorisk granskning utan negativt beslut, av en "
        "EQAR-registrerad byrå, giltig det datumet).",
    },
    "qa.unknown_issuer": {
        "en": "Quality assurance can only be checked for institutions in the registry.",
        "sv": "Kvalitetssäkring kan bara kontrolleras för lärosäten i registret.",
    },
    "qa.no_date": {
        "en": "The credential gives no date of issuing, so quality assurance on that date "
        "cannot be checked.",
        "sv": "Intyget anger inget utfärdandedatum, så kvalitetssäkringen det datumet kan "
        "inte kontrolleras.",
    },
    # validity
    "validity.ok": {
        "en": "The credential is valid on {at} (valid from {start}{until_clause}).",
        "sv": "Intyget är giltigt den {at} (giltigt från {start}{until_clause}).",
    },
    "validity.open": {
        "en": "The credential is valid on {at}; it sets no validity period.",
        "sv": "Intyget är giltigt den {at}; det anger ingen giltighetstid.",
    },
    "validity.expired": {
        "en": "The credential expired on {until}.",
        "sv": "Intyget slutade gälla den {until}.",
    },
    "validity.not_yet": {
        "en": "The credential is not valid before {start}.",
        "sv": "Intyget gäller inte före den {start}.",
    },
    "validity.malformed": {
        "en": "The credential's validity dates cannot be read ({field}).",
        "sv": "Intygets giltighetsdatum kan inte läsas ({field}).",
    },
    # status
    "status.ok": {
        "en": "Not revoked{and_suspended}: checked in the issuer's signed status list.",
        "sv": "Inte återkallat{and_suspended}: kontrollerat i utfärdarens signerade statuslista.",
    },
    "status.revoked": {
        "en": "The issuer has revoked this credential.",
        "sv": "Utfärdaren har återkallat intyget.",
    },
    "status.suspended": {
        "en": "The issuer has suspended this credential for now.",
        "sv": "Utfärdaren har tills vidare spärrat intyget.",
    },
    "status.set": {
        "en": "The issuer has set a '{purpose}' status on this credential.",
        "sv": "Utfärdaren har satt statusen '{purpose}' på intyget.",
    },
    "status.error": {
        "en": "The credential's status could not be checked: {reason}",
        "sv": "Intygets status kunde inte kontrolleras: {reason}",
    },
    "status.none": {
        "en": "The credential has no status entry, so whether it was revoked cannot be checked.",
        "sv": "Intyget har ingen statuspost, så det går inte att kontrollera om det återkallats.",
    },
    # Annex I
    "annex.complete": {
        "en": "All {mandatory} mandatory elements of Annex I of the EU Recommendation on "
        "micro-credentials are present and machine-readable ({optional} of {optional_total} "
        "optional ones).",
        "sv": "Alla {mandatory} obligatoriska uppgifter i bilaga I till EU:s rekommendation om "
        "mikromeriter finns och är maskinläsbara ({optional} av {optional_total} valfria).",
    },
    "annex.incomplete": {
        "en": "Mandatory elements of Annex I of the EU Recommendation are missing: {missing}.",
        "sv": "Obligatoriska uppgifter enligt bilaga I till EU:s rekommendation saknas: {missing}.",
    },
    "annex.unreadable": {
        "en": "The Annex I elements cannot be read: {reason}",
        "sv": "Uppgifterna enligt bilaga I kan inte läsas: {reason}",
    },
    "annex.not_applicable": {
        "en": "Not an Open Badges achievement credential, so Annex I does not apply.",
        "sv": "Inget Open Badges-intyg om en prestation, så bilaga I gäller inte.",
    },
    # holder
    "holder.match": {
        "en": "The learner identifier given matches the credential's salted-hash identity.",
        "sv": "Den angivna identiteten stämmer med intygets saltade hashade identitet.",
    },
    "holder.mismatch": {
        "en": "The learner identifier given does not match the credential's identity.",
        "sv": "Den angivna identiteten stämmer inte med intygets identitet.",
    },
    "holder.not_given": {
        "en": "No learner identifier was given, so the holder was not compared.",
        "sv": "Ingen identitet angavs, så innehavaren jämfördes inte.",
    },
    "holder.presentation_ok": {
        "en": "The presentation is signed by its holder ({holder}){bound}.",
        "sv": "Presentationen är signerad av sin innehavare ({holder}){bound}.",
    },
    "holder.presentation_unsigned": {
        "en": "The presentation is not signed, so nothing shows who presents it.",
        "sv": "Presentationen är inte signerad, så inget visar vem som visar upp den.",
    },
    "holder.presentation_invalid": {
        "en": "The presentation's own signature does not verify: {reason}",
        "sv": "Presentationens egen signatur stämmer inte: {reason}",
    },
    "holder.presentation_binding": {
        "en": "The presentation's {what} does not match the one asked for.",
        "sv": "Presentationens {what} stämmer inte med den som efterfrågades.",
    },
    "presentation.empty": {
        "en": "The presentation holds no credential.",
        "sv": "Presentationen innehåller inget intyg.",
    },
    "presentation.summary": {
        "en": "{count} credential(s) in the presentation: {summary}",
        "sv": "{count} intyg i presentationen: {summary}",
    },
    # the credential's content (the summary), trusted or not
    "content.trusted": {
        "en": "What the credential says, signed by its issuer and unchanged since.",
        "sv": "Vad intyget säger, signerat av utfärdaren och oförändrat sedan dess.",
    },
    "content.untrusted": {
        "en": "What the document claims — not verified. These values are read from the "
        "document as it was sent and a check failed, so they must not be relied on.",
        "sv": "Vad dokumentet påstår — inte verifierat. Uppgifterna är lästa ur dokumentet som "
        "det skickades och en kontroll underkändes, så de går inte att lita på.",
    },
}

FRAGMENTS: dict[str, dict[Language, str]] = {
    "and_suspended": {"en": " and not suspended", "sv": " och inte spärrat"},
    "until": {"en": ", until {until}", "sv": ", till {until}"},
    "bound": {
        "en": ", for the challenge and domain asked",
        "sv": ", för efterfrågad challenge och domän",
    },
    "challenge": {"en": "challenge", "sv": "challenge"},
    "domain": {"en": "domain", "sv": "domän"},
}


def language(accept_language: str | None) -> Language:
    """``sv`` when the client prefers Swedish over English, else ``en``."""
    best: tuple[float, Language] = (0.0, "en")
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in ("en", "sv"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > best[0]:
            best = (quality, "sv" if primary == "sv" else "en")
    return best[1]


def fragment(name: str, lang: Language, **params: Any) -> str:
    return FRAGMENTS[name][lang].format(**params)


def _localize(name: str, value: Any, lang: Language) -> Any:
    if name in ("and_suspended", "bound"):
        return fragment(name, lang) if value else ""
    if name == "until_clause":
        return fragment("until", lang, until=value) if value else ""
    if name == "what" and value in FRAGMENTS:
        return fragment(value, lang)
    return "" if value is None else value


def render(code: str, lang: Language, params: dict[str, Any]) -> str:
    template = MESSAGES[code][lang]
    return template.format(**{k: _localize(k, v, lang) for k, v in params.items()})
