"""Reading Annex I back: which elements a credential carries, machine-readably.

``annex_i_completeness`` reads a credential's RDF (default graph, so a proof
never counts) by predicate IRI, so it judges what a verifier can read, not
the JSON shape; ``MicroCredential`` (``microcredential``) writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from meriter_credentials.vocabularies import (
    CRED,
    DC,
    ECTS_IRI,
    ELM,
    OBV,
    RDF_TYPE,
    SCHEMA,
)

__all__ = ["ANNEX_I_MANDATORY", "ANNEX_I_OPTIONAL", "annex_i_completeness"]

ANNEX_I_MANDATORY: Final = (
    "learner-identification",
    "title",
    "issuer-country",
    "awarding-body",
    "date-of-issuing",
    "learning-outcomes",
    "notional-workload",
    "level",
    "assessment-type",
    "participation-form",
    "quality-assurance",
)
ANNEX_I_OPTIONAL: Final = (
    "prerequisites",
    "supervision-and-id-verification",
    "grade",
    "integration-stackability",
    "further-information",
)


def _iri(value: str) -> str:
    return f"<{value}>"


class _Graph:
    """Default-graph triples of a credential, indexed by subject."""

    def __init__(self, document: Mapping[str, Any], quads: Iterable[Any] | None = None) -> None:
        if quads is None:
            from meriter_credentials.jsonld import to_rdf

            quads = to_rdf(document)
        self.by_subject: dict[str, list[tuple[str, str]]] = {}
        for s, p, o, g in quads:
            if g == "":
                self.by_subject.setdefault(s, []).append((p, o))

    def objects(self, subjects: list[str], predicate: str) -> list[str]:
        p = _iri(predicate)
        return [o for s in subjects for (pp, o) in self.by_subject.get(s, []) if pp == p]

    def subjects_of_type(self, type_iri: str) -> list[str]:
        t = _iri(type_iri)
        return [s for s, pos in self.by_subject.items() if (_iri(RDF_TYPE), t) in pos]


def annex_i_completeness(
    document: Mapping[str, Any], *, quads: Iterable[Any] | None = None
) -> dict[str, bool]:
    """Which Annex I elements a (signed or unsigned) credential carries, machine-readably.

    Reads the credential's RDF (default graph, so a proof never counts) by
    predicate IRI; ``quads``, when given, is that RDF already made (of the
    document with or without its proof: the default graph is the same).
    Mandatory elements come first, then the optional ones.
    Raises ``JsonLdError`` when the document is not processable JSON-LD.
    """
    g = _Graph(document, quads)
    vc = g.subjects_of_type(f"{CRED}VerifiableCredential")
    issuer = g.objects(vc, f"{CRED}issuer")
    subject = g.objects(vc, f"{CRED}credentialSubject")
    achievement = g.objects(subject, f"{OBV}achievement")
    identity = g.objects(subject, f"{OBV}identifier")
    address = g.objects(issuer, f"{OBV}address")
    outcomes = g.objects(achievement, f"{ELM}learningOutcome")
    credit = g.objects(achievement, f"{ELM}creditPoint")
    ects_framework = g.objects(credit, f"{ELM}framework")
    assessment_spec = g.objects(achievement, f"{ELM}provenBy")
    assessment = g.objects(subject, f"{ELM}provenBy")
    results = g.objects(subject, f"{OBV}result")
    return {
        "learner-identification": bool(g.objects(identity, f"{OBV}identityHash")),
        "title": bool(g.objects(achievement, f"{SCHEMA}name")),
        "issuer-country": bool(g.objects(address, f"{OBV}CountryCode")),
        "awarding-body": bool(issuer) and bool(g.objects(issuer, f"{SCHEMA}name")),
        "date-of-issuing": bool(g.objects(vc, f"{CRED}validFrom")),
        "learning-outcomes": bool(g.objects(outcomes, f"{DC}title")),
        "notional-workload": _iri(ECTS_IRI) in ects_framework
        and bool(g.objects(credit, f"{ELM}point")),
        "level": bool(
            g.objects(achievement, f"{ELM}EQFLevel")
            or g.objects(achievement, f"{ELM}educationLevel")
        ),
        "assessment-type": bool(g.objects(assessment_spec, f"{DC}type")),
        "participation-form": bool(g.objects(achievement, f"{ELM}mode")),
        "quality-assurance": bool(g.objects(achievement, f"{ELM}accreditation")),
        "prerequisites": bool(g.objects(achievement, f"{ELM}entryRequirement")),
        "supervision-and-id-verification": bool(g.objects(assessment, f"{ELM}idVerification")),
        "grade": bool(g.objects(results, f"{SCHEMA}value")),
        "integration-stackability": bool(g.objects(achievement, f"{ELM}isPartialQualification")),
        "further-information": bool(g.objects(achievement, f"{ELM}additionalNote")),
    }
