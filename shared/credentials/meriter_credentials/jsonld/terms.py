"""The one place where the JSON-LD engine writes N-Quads terms.

Every IRI, blank node label, language tag, base direction and datatype that
reaches a canonical N-Quads line is written here, and only after it was
checked to be well formed: no value can end a term early and start another
statement (a language tag ``en .\\n<s> <p> <o>`` would otherwise turn one
document's canonical form into another's). What is not well formed raises
``SafeModeError`` -- JSON-LD would drop it, safe mode refuses to.

Terms come out as ``rdfc.Quad`` members: ``<iri>``, ``_:label``,
``"lexical"``, ``"lexical"@lang``, ``"lexical"^^<datatype>`` (never
``^^<xsd:string>``: canonical N-Quads omit it).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import rfc8785

from meriter_credentials.errors import SafeModeError
from meriter_credentials.jsonld.iri import is_absolute
from meriter_credentials.rdfc import XSD_STRING, escape_literal

__all__ = [
    "I18N",
    "blank",
    "check_direction",
    "check_language",
    "datatype_suffix",
    "double_lexical",
    "iri",
    "json_lexical",
    "language_suffix",
    "literal",
    "well_formed_language",
]

I18N: Final = "https://www.w3.org/ns/i18n#"
# BCP 47 as JSON-LD processors check it (subtags of 1-8 letters or digits,
# the first all letters); within N-Quads' LANGTAG.
_LANGUAGE: Final = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_BLANK: Final = re.compile(r"^_:[A-Za-z0-9_][A-Za-z0-9_\-.]*(?<!\.)$")
_DIRECTIONS: Final = frozenset({"ltr", "rtl"})


def well_formed_language(tag: str) -> bool:
    return _LANGUAGE.fullmatch(tag) is not None


def check_language(tag: object, where: str = "") -> str:
    """``tag`` if it is a well-formed language tag, else ``SafeModeError``."""
    if not isinstance(tag, str) or _LANGUAGE.fullmatch(tag) is None:
        raise SafeModeError(
            f"invalid language tag {tag!r}{_at(where)}: expected BCP 47, such as 'en' or 'sv-SE'",
            code="invalid language-tagged string",
        )
    return tag


def check_direction(direction: object, where: str = "") -> str:
    if direction not in _DIRECTIONS:
        raise SafeModeError(
            f"invalid base direction {direction!r}{_at(where)}: expected 'ltr' or 'rtl'",
            code="invalid base direction",
        )
    assert isinstance(direction, str)
    return direction


def iri(value: str, where: str = "") -> str:
    """``<value>``, for a well-formed absolute IRI."""
    if not is_absolute(value):
        raise SafeModeError(
            f"{value!r}{_at(where)} is not an absolute IRI (or holds characters IRIs forbid)",
            code="invalid IRI",
        )
    return f"<{value}>"


def blank(label: str) -> str:
    if _BLANK.fullmatch(label) is None:
        raise SafeModeError(f"invalid blank node label {label!r}")
    return label


def datatype_suffix(datatype: str | None, where: str = "") -> str:
    """What follows a literal's quoted form for ``datatype`` (``""`` for xsd:string)."""
    if datatype is None or datatype == XSD_STRING:
        return ""
    return "^^" + iri(datatype, where)


def language_suffix(language: str | None, direction: str | None, where: str = "") -> str:
    """The suffix of a string with this language and base direction (i18n-datatype)."""
    if direction is not None:
        check_direction(direction, where)
        lang = check_language(language, where).lower() if language is not None else ""
        return f"^^<{I18N}{lang}_{direction}>"
    if language is not None:
        return "@" + check_language(language, where).lower()
    return ""


def literal(lexical: str, suffix: str) -> str:
    """A literal from its lexical form and a suffix made by the functions above."""
    return f'"{escape_literal(lexical)}"{suffix}'


def double_lexical(value: float) -> str:
    """XSD canonical double as JSON-LD (toExponential(15)) writes it: ``1.5E0``, ``1.0E-7``.

    Rounds the exact binary value to 16 significant digits, ties away from
    zero, as ECMAScript's toExponential does (Python's formatting rounds ties
    to even).
    """
    if value == 0:
        return "0.0E0"
    exact = Decimal(value)
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(_SIXTEEN_DIGITS, ROUND_HALF_UP)
    if abs(mantissa) >= 10:
        exponent += 1
        mantissa = exact.scaleb(-exponent).quantize(_SIXTEEN_DIGITS, ROUND_HALF_UP)
    whole, _, fraction = str(mantissa).partition(".")
    return f"{whole}.{fraction.rstrip('0') or '0'}E{exponent}"


_SIXTEEN_DIGITS: Final = Decimal("1.000000000000000")


def json_lexical(value: Any) -> str:
    """The lexical form of an ``rdf:JSON`` literal: RFC 8785 (JCS) canonical JSON."""
    try:
        return rfc8785.dumps(value).decode("utf-8")
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise SafeModeError(f"a JSON literal cannot be canonicalized: {exc}") from exc


def _at(where: str) -> str:
    return f" at {where}" if where else ""
