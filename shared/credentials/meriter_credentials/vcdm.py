"""VC Data Model 2.0 structure rules, plus the Open Badges 3.0 JSON Schema for OB credentials.

``validate(document)`` returns every problem found (an empty list means the
document is well-formed); it never raises. It checks, for credentials and
presentations:

- the normative MUSTs of VC DM 2.0 that can be checked on the document alone
  (contexts, types, identifiers, issuer, subject, validity period, status,
  schema, evidence, terms of use, refresh service, related resources,
  names and descriptions, holder, embedded and enveloped credentials);
- that the document (without ``proof``, as Data Integrity signs it) is
  processable JSON-LD in the engine's safe mode
  (``jsonld.to_rdf``): protected term redefinitions, undefined terms and
  types, relative or malformed IRIs and unbundled contexts are problems,
  because a verifier could not canonicalize or understand what was signed;
- for ``OpenBadgeCredential`` / ``AchievementCredential``: the official
  1EdTech AchievementCredential JSON Schema (bundled under ``schemas/``,
  hash-pinned in its manifest, compiled once).

Problem paths are JSON Pointers (RFC 6901) into the document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from meriter_credentials.obschema import (
    OB_SCHEMA_URL,
    _fast_ob_validator,
    _fast_valid,
    _ob_validator,
    ob_schema,
)
from meriter_credentials.values import (
    DATETIME_STAMP,
    MAX_SAFE_INTEGER,
    as_list,
    has_unsafe_integer,
    is_stamp,
    parse_stamp,
)

__all__ = ["OB_SCHEMA_URL", "FormatProblem", "ob_schema", "validate"]

VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
VC_V1: Final = "https://www.w3.org/2018/credentials/v1"
_OB_TYPES: Final = frozenset({"OpenBadgeCredential", "AchievementCredential"})

# An absolute URL: a scheme, then no white space (RFC 3986 allows none).
_URL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")
# XML Schema dateTimeStamp: dateTime with a mandatory time zone.
_DATETIME_STAMP: Final = DATETIME_STAMP
_LANGUAGE_VALUE_KEYS: Final = frozenset({"@value", "@language", "@direction"})


@dataclass(frozen=True)
class FormatProblem:
    """One violated rule: a stable ``code``, a JSON Pointer ``path`` and an explanation."""

    code: str
    path: str
    message: str


def _pointer(*parts: str | int) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def _types(value: Any) -> list[str] | None:
    """The ``type`` values, or None when ``type`` is malformed."""
    items = as_list(value)
    if not items or not all(isinstance(t, str) and t for t in items):
        return None
    return [t for t in items if isinstance(t, str)]


_DATE_PROPERTIES: Final = ("validFrom", "validUntil", "issuanceDate", "expirationDate")


is_datetime_stamp = is_stamp


def value_problems(document: Any) -> list[FormatProblem]:
    """The VC value rules every signature depends on being read alike everywhere.

    Integers beyond ±(2^53 − 1) anywhere (JavaScript verifiers read them
    rounded, so the signature fails there); ``validFrom``/``validUntil`` (VC
    2.0) and ``issuanceDate``/``expirationDate`` (VC 1.1) that are not
    dateTimeStamps (``2025-01-15``, no time zone, ``T09:00Z``, ``23:59:60Z``).
    """
    problems: list[FormatProblem] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = (
        [(document, ())] if has_unsafe_integer(document) else []
    )
    while stack:
        value, path = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
            problems.append(
                FormatProblem(
                    "number-out-of-range",
                    _pointer(*path),
                    f"{value} is beyond ±(2^53 − 1): JavaScript verifiers read it rounded, so "
                    "its signature would fail there (I-JSON, RFC 7493); write it as a string",
                )
            )
        elif isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    if isinstance(document, Mapping):
        for prop in _DATE_PROPERTIES:
            if prop in document and not is_datetime_stamp(document[prop]):
                problems.append(
                    FormatProblem(
                        f"{prop}-invalid",
                        _pointer(prop),
                        f"{prop} must be an XML Schema dateTimeStamp with seconds and a time "
                        f"zone, such as 2026-06-01T00:00:00Z (got {document[prop]!r})",
                    )
                )
    return problems


def _parse_stamp(value: Any) -> datetime | None:
    try:
        return parse_stamp(value)
    except ValueError:
        return None  # not a stamp, or one Python cannot compare (years > 9999, 24:00)


class _Checker:
    def __init__(self, *, allow_v1: bool = False) -> None:
        self.problems: list[FormatProblem] = []
        self.firsts = (VC_V2, VC_V1) if allow_v1 else (VC_V2,)

    def add(self, code: str, path: str, message: str) -> None:
        self.problems.append(FormatProblem(code, path, message))

    # -- shared pieces ---------------------------------------------------------

    def context(self, doc: Mapping[str, Any], base: tuple[str | int, ...]) -> None:
        if "@context" not in doc:
            self.add("context-missing", _pointer(*base), "@context is required")
            return
        contexts = as_list(doc["@context"])
        if not contexts or contexts[0] not in self.firsts:
            self.add(
                "context-first",
                _pointer(*base, "@context"),
                f"the first @context entry must be {' or '.join(self.firsts)}",
            )
        for i, entry in enumerate(contexts):
            if isinstance(entry, dict):
                continue
            if not is_url(entry):
                self.add(
                    "context-entry",
                    _pointer(*base, "@context", i),
                    "a @context entry must be a URL or a context object",
                )

    def type_(
        self, doc: Mapping[str, Any], base: tuple[str | int, ...], required: str
    ) -> list[str]:
        if "type" not in doc:
            self.add("type-missing", _pointer(*base), "type is required")
            return []
        types = _types(doc["type"])
        if types is None:
            self.add("type-invalid", _pointer(*base, "type"), "type must be a non-empty string set")
            return []
        if required not in types:
            self.add("type-required", _pointer(*base, "type"), f"type must include {required}")
        return types

    def identifier(self, obj: Mapping[str, Any], base: tuple[str | int, ...]) -> None:
        if "id" in obj and isinstance(obj["id"], str) and obj["id"].startswith("_:"):
            self.add(
                "id-blank-node",
                _pointer(*base, "id"),
                "id must be a URL, not a blank node identifier",
            )
        elif "id" in obj and not is_url(obj["id"]):
            self.add("id-not-url", _pointer(*base, "id"), "id must be a single URL")

    def typed_objects(
        self,
        doc: Mapping[str, Any],
        prop: str,
        base: tuple[str | int, ...],
        *,
        id_required: bool = False,
    ) -> None:
        """``prop`` values must be objects with ``type`` (and a URL ``id`` where required)."""
        if prop not in doc:
            return
        value = doc[prop]
        many = isinstance(value, list)
        for i, item in enumerate(as_list(value)):
            path = (*base, prop, i) if many else (*base, prop)
            if not isinstance(item, dict):
                self.add(f"{prop}-not-object", _pointer(*path), f"each {prop} must be an object")
                continue
            if "type" not in item:
                self.add(f"{prop}-type-missing", _pointer(*path), f"{prop} must have a type")
            elif _types(item["type"]) is None:
                self.add(
                    f"{prop}-type-invalid",
                    _pointer(*path, "type"),
                    f"{prop} type must be a string or set of strings",
                )
            if "id" in item:
                if not is_url(item["id"]):
                    message = f"{prop} id must be a URL"
                    self.add(f"{prop}-id-not-url", _pointer(*path, "id"), message)
            elif id_required:
                self.add(f"{prop}-id-missing", _pointer(*path), f"{prop} must have an id")

    def language_values(self, obj: Mapping[str, Any], base: tuple[str | int, ...]) -> None:
        for prop in ("name", "description"):
            if prop not in obj:
                continue
            value = obj[prop]
            many = isinstance(value, list)
            for i, item in enumerate(as_list(value)):
                path = (*base, prop, i) if many else (*base, prop)
                if isinstance(item, str):
                    continue
                if not isinstance(item, dict) or not isinstance(item.get("@value"), str):
                    self.add(
                        f"{prop}-invalid",
                        _pointer(*path),
                        f"{prop} must be a string or a language value object",
                    )
                    continue
                extra = sorted(set(item) - _LANGUAGE_VALUE_KEYS)
                if extra:
                    self.add(
                        f"{prop}-invalid",
                        _pointer(*path),
                        f"a language value object has only @value, @language, @direction "
                        f"(found {', '.join(extra)})",
                    )

    def jsonld(self, doc: Mapping[str, Any], base: tuple[str | int, ...]) -> None:
        from meriter_credentials.jsonld import JsonLdError, to_rdf

        # Proofs are checked by their cryptosuite; what is signed is the document without them.
        unsecured = {k: v for k, v in doc.items() if k != "proof"}
        try:
            to_rdf(unsecured)
        except JsonLdError as exc:
            self.add("jsonld", _pointer(*base), f"{type(exc).__name__}: {exc}")
        except RecursionError:
            self.add("jsonld", _pointer(*base), "document is nested too deeply")

    # -- credentials -----------------------------------------------------------

    def credential(self, doc: Mapping[str, Any], base: tuple[str | int, ...] = ()) -> list[str]:
        self.context(doc, base)
        types = self.type_(doc, base, "VerifiableCredential")
        self.identifier(doc, base)
        self.language_values(doc, base)

        if "issuer" not in doc:
            self.add("issuer-missing", _pointer(*base), "issuer is required")
        else:
            issuer = doc["issuer"]
            if isinstance(issuer, dict):
                if not is_url(issuer.get("id")):
                    self.add(
                        "issuer-id", _pointer(*base, "issuer", "id"), "issuer.id must be a URL"
                    )
                self.language_values(issuer, (*base, "issuer"))
            elif not is_url(issuer):
                self.add(
                    "issuer-invalid",
                    _pointer(*base, "issuer"),
                    "issuer must be a URL or an object with a URL id",
                )

        if "credentialSubject" not in doc:
            self.add("subject-missing", _pointer(*base), "credentialSubject is required")
        else:
            subjects = doc["credentialSubject"]
            many = isinstance(subjects, list)
            if many and not subjects:
                self.add(
                    "subject-empty", _pointer(*base, "credentialSubject"), "no credentialSubject"
                )
            for i, subject in enumerate(as_list(subjects)):
                path = (*base, "credentialSubject", i) if many else (*base, "credentialSubject")
                if not isinstance(subject, dict):
                    message = "credentialSubject must be an object"
                    self.add("subject-not-object", _pointer(*path), message)
                elif not subject:
                    self.add(
                        "subject-no-claims",
                        _pointer(*path),
                        "a credentialSubject must make at least one claim (or give an id)",
                    )
                else:
                    self.identifier(subject, path)

        if as_list(doc.get("@context"))[:1] == [VC_V1] and VC_V1 in self.firsts:
            # VC 1.1: issuanceDate is required (validFrom/validUntil are 2.0 terms)
            if "issuanceDate" not in doc:
                self.add("issuanceDate-missing", _pointer(*base), "issuanceDate is required")
            elif not isinstance(doc["issuanceDate"], str) or not _DATETIME_STAMP.fullmatch(
                doc["issuanceDate"]
            ):
                self.add(
                    "issuanceDate-invalid",
                    _pointer(*base, "issuanceDate"),
                    "issuanceDate must be an XML Schema dateTime with a time zone",
                )
        moments: dict[str, datetime | None] = {}
        for prop in ("validFrom", "validUntil"):
            if prop in doc:
                value = doc[prop]
                if not isinstance(value, str) or not _DATETIME_STAMP.fullmatch(value):
                    self.add(
                        f"{prop}-invalid",
                        _pointer(*base, prop),
                        f"{prop} must be an XML Schema dateTimeStamp (with a time zone)",
                    )
                else:
                    moments[prop] = _parse_stamp(value)
        start, end = moments.get("validFrom"), moments.get("validUntil")
        if start is not None and end is not None and start > end:
            self.add(
                "validity-order", _pointer(*base, "validUntil"), "validUntil is before validFrom"
            )

        self.typed_objects(doc, "credentialStatus", base)
        self.typed_objects(doc, "credentialSchema", base, id_required=True)
        self.typed_objects(doc, "evidence", base)
        self.typed_objects(doc, "termsOfUse", base)
        self.typed_objects(doc, "refreshService", base)
        self.related_resources(doc, base)
        self.proofs(doc, base)
        return types

    def related_resources(self, doc: Mapping[str, Any], base: tuple[str | int, ...]) -> None:
        if "relatedResource" not in doc:
            return
        value = doc["relatedResource"]
        many = isinstance(value, list)
        seen: set[str] = set()
        for i, item in enumerate(as_list(value)):
            path = (*base, "relatedResource", i) if many else (*base, "relatedResource")
            if not isinstance(item, dict) or not is_url(item.get("id")):
                self.add("relatedResource-id", _pointer(*path), "relatedResource needs a URL id")
                continue
            if item["id"] in seen:
                self.add("relatedResource-duplicate", _pointer(*path, "id"), "id is repeated")
            seen.add(item["id"])
            if "digestSRI" not in item and "digestMultibase" not in item:
                self.add(
                    "relatedResource-digest",
                    _pointer(*path),
                    "relatedResource needs digestSRI or digestMultibase",
                )

    def proofs(self, doc: Mapping[str, Any], base: tuple[str | int, ...]) -> None:
        if "proof" in doc:
            self.typed_objects(doc, "proof", base)

    # -- presentations -----------------------------------------------------------

    def presentation(self, doc: Mapping[str, Any]) -> None:
        self.context(doc, ())
        self.type_(doc, (), "VerifiablePresentation")
        self.identifier(doc, ())
        if "holder" in doc:
            holder = doc["holder"]
            holder_id = holder.get("id") if isinstance(holder, dict) else holder
            if not is_url(holder_id):
                self.add(
                    "holder-invalid",
                    _pointer("holder"),
                    "holder must be a URL or an object with a URL id",
                )
        self.proofs(doc, ())
        if "verifiableCredential" not in doc:
            return
        value = doc["verifiableCredential"]
        many = isinstance(value, list)
        for i, item in enumerate(as_list(value)):
            path: tuple[str | int, ...] = (
                ("verifiableCredential", i) if many else ("verifiableCredential",)
            )
            if not isinstance(item, dict):
                self.add(
                    "vc-not-object",
                    _pointer(*path),
                    "verifiableCredential entries must be credential objects",
                )
                continue
            types = _types(item.get("type"))
            if types is not None and "EnvelopedVerifiableCredential" in types:
                self.context(item, path)
                if not (isinstance(item.get("id"), str) and item["id"].startswith("data:")):
                    message = "an enveloped credential's id must be a data: URL"
                    self.add("enveloped-id", _pointer(*path, "id"), message)
            elif (
                "type" not in item
                and isinstance(item.get("id"), str)
                and item["id"].startswith("data:")
            ):
                self.add(
                    "enveloped-type",
                    _pointer(*path),
                    "an enveloped credential must have type EnvelopedVerifiableCredential",
                )
            else:
                self.credential(item, path)


def _ob_problems(doc: Mapping[str, Any]) -> list[FormatProblem]:
    # The OB 3.0 schema wants ``proof`` as an array (proofs.add_proof writes one
    # on OB credentials); VC DM 2.0 and JSON-LD, which read both the same, also
    # allow a single proof object, so other issuers' credentials are judged by
    # the shape OB means rather than refused for it.
    if "proof" in doc and isinstance(doc["proof"], dict):
        doc = {**doc, "proof": [doc["proof"]]}
    fast = _fast_ob_validator()
    if fast is not None and _fast_valid(fast, doc):
        return []
    errors = sorted(
        _ob_validator().iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message)
    )
    return [
        FormatProblem("ob3-schema", _pointer(*e.absolute_path), e.message[:500]) for e in errors
    ]


def validate(document: Any, *, jsonld: bool = True, allow_v1: bool = False) -> list[FormatProblem]:
    """Every VC DM 2.0 (and, for OB credentials, OB 3.0 schema) problem of ``document``.

    ``jsonld=False`` skips the JSON-LD processability check (for callers that
    canonicalize anyway and report JSON-LD errors themselves). ``allow_v1``
    also accepts a VC Data Model 1.1 credential (its context first, with an
    ``issuanceDate``), judged otherwise by the same structural rules.
    """
    if not isinstance(document, Mapping):
        return [FormatProblem("not-object", "", "a credential is a JSON object")]
    checker = _Checker(allow_v1=allow_v1)
    types = _types(document.get("type")) or []
    if "VerifiablePresentation" in types:
        checker.presentation(document)
    else:
        types = checker.credential(document)
    reported = {p.path for p in checker.problems}
    checker.problems.extend(p for p in value_problems(document) if p.path not in reported)
    if jsonld and ("@context" in document):
        checker.jsonld(document, ())
    if _OB_TYPES & set(types):
        checker.problems.extend(_ob_problems(document))
    return checker.problems
