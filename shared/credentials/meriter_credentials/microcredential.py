"""A micro-credential with every EU Annex I element, rendered as an Open Badges 3.0 credential.

Council Recommendation 2022/C 243/02, Annex I, lists what a micro-credential
must carry. :class:`MicroCredential` holds each element with strict input
validation; :meth:`MicroCredential.to_credential` renders a W3C VC Data Model
2.0 ``OpenBadgeCredential``. Where Open Badges 3.0 has a property for an
element it is used (title, awarding body, country, learner, ECTS, grade...);
the rest use European Learning Model (ELM v3) properties declared in an
inline ``@context`` object, so the credential is processable offline and
every emitted term is defined (the engine's safe mode checks that).

Mapping (predicate IRIs a verifier finds in the credential's RDF):

==========================  ===================================================
Annex I element             where
==========================  ===================================================
learner identification      ``credentialSubject.identifier`` (ob:identifier,
                            salted SHA-256 ``IdentityObject``) + schema:name
title                       ``achievement.name`` (schema:name)
country/region of issuer    ``issuer.address.addressCountryCode`` (ob:CountryCode)
awarding body               ``issuer`` (cred:issuer, a did:web DID + name)
date of issuing             ``validFrom`` (cred:validFrom)
learning outcomes           ``achievement.learningOutcome`` (elm:learningOutcome)
notional workload           ``achievement.creditPoint`` (elm:creditPoint, ECTS)
                            + ``creditsAvailable`` (ob:creditsAvailable)
level                       ``achievement.eqfLevel`` (elm:EQFLevel, EQF IRI)
                            and/or ``educationLevel`` (elm:educationLevel)
type of assessment          ``achievement.provenBy.dcType`` (dc:type, Europass
                            assessment-type IRI)
form of participation       ``achievement.mode`` (elm:mode, Europass
                            learning-assessment IRI)
type of quality assurance   ``achievement.accreditation`` (elm:accreditation)
prerequisites               ``achievement.entryRequirement`` (elm:entryRequirement)
supervision / ID check      ``credentialSubject.provenBy.idVerification``
                            (elm:idVerification)
grade                       ``credentialSubject.result`` (ob:result, schema:value)
integration/stackability    ``achievement.isPartialQualification``
                            (elm:isPartialQualification)
further information         ``achievement.additionalNote`` (elm:additionalNote)
==========================  ===================================================

Controlled-vocabulary IRIs are used only where they were confirmed against
the ELM repository (european-commission-empl/European-Learning-Model: the
Annex I sample credential and the XSD enumerations); other values are
``skos:Concept`` nodes carrying only a ``prefLabel``.

Invariants:

- The learner's identifier (national id, e-mail, student id) never appears
  in the credential: only ``sha256$hex(sha256(identifier + salt))``.
- The inline context holds exactly the terms the credential uses.
- ``annex_i_completeness`` reads a credential back through JSON-LD -> RDF
  (by predicate IRI), so it judges what a verifier can machine-read, not the
  JSON shape.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from meriter_credentials.proofs import xsd_datetime

__all__ = [
    "ANNEX_I_MANDATORY",
    "ANNEX_I_OPTIONAL",
    "AssessmentType",
    "AwardingBody",
    "Grade",
    "Integration",
    "Learner",
    "MicroCredential",
    "ParticipationForm",
    "QfEheaCycle",
    "QualityAssurance",
    "QualityAssuranceType",
    "Supervision",
    "annex_i_completeness",
    "identity_hash",
]

VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
OB_V3: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

ELM: Final = "http://data.europa.eu/snb/model/elm/"
DC: Final = "http://purl.org/dc/terms/"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
CRED: Final = "https://www.w3.org/2018/credentials#"
OBV: Final = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
SCHEMA: Final = "https://schema.org/"
RDF_TYPE: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

EQF_IRI: Final = "http://data.europa.eu/snb/eqf/"
ECTS_IRI: Final = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
"""Europass education-credit scheme: European Credit Transfer System."""

# Inline context term definitions; ``to_credential`` copies the ones it uses.
_TERMS: Final[dict[str, Any]] = {
    "learningOutcome": "elm:learningOutcome",
    "title": "dc:title",
    "eqfLevel": {"@id": "elm:EQFLevel", "@type": "@id"},
    "educationLevel": "elm:educationLevel",
    "prefLabel": f"{SKOS}prefLabel",
    "creditPoint": "elm:creditPoint",
    "framework": {"@id": "elm:framework", "@type": "@id"},
    "point": "elm:point",
    "volumeOfLearning": {"@id": "elm:volumeOfLearning", "@type": f"{XSD}duration"},
    "mode": {"@id": "elm:mode", "@type": "@id"},
    "provenBy": "elm:provenBy",
    "dcType": {"@id": "dc:type", "@type": "@id"},
    "idVerification": {"@id": "elm:idVerification", "@type": "@id"},
    "accreditation": "elm:accreditation",
    "entryRequirement": "elm:entryRequirement",
    "additionalNote": "elm:additionalNote",
    "noteLiteral": "elm:noteLiteral",
    # A JSON boolean already is an xsd:boolean literal.
    "isPartialQualification": "elm:isPartialQualification",
}
"""Inline context term definitions; ``to_credential`` copies the ones it uses
(with the ``elm``/``dc`` prefixes they need)."""


class QfEheaCycle(StrEnum):
    SHORT = "short"
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"


# QF-EHEA cycles and the EQF level each corresponds to (EQF Recommendation, Annex II).
_CYCLE_EQF: Final = {
    QfEheaCycle.SHORT: 5,
    QfEheaCycle.FIRST: 6,
    QfEheaCycle.SECOND: 7,
    QfEheaCycle.THIRD: 8,
}


class AssessmentType(StrEnum):
    """Europass Standard List of Assessment Types (those with a confirmed IRI)."""

    WRITTEN_EXAMINATION = "written-examination"
    ORAL_EXAMINATION = "oral-examination"
    CONTINUOUS_EVALUATION = "continuous-evaluation"
    PROJECT_WORK = "project-work"
    PRACTICAL_ASSESSMENT = "practical-assessment"
    PORTFOLIO = "portfolio"
    MARKED_ASSIGNMENT = "marked-assignment"
    PEER_ASSESSMENT = "peer-assessment"
    PEER_REVIEW = "peer-review"
    GROUP_PERFORMANCE = "group-performance"
    PROBLEM_BASED_LEARNING = "problem-based-learning"
    QUIZ = "quiz"
    LEVEL_OF_ATTENDANCE = "level-of-attendance"


_ASSESSMENT_IRI: Final = {
    AssessmentType.PEER_ASSESSMENT: "19a2e5e671",
    AssessmentType.MARKED_ASSIGNMENT: "2939dae15f",
    AssessmentType.CONTINUOUS_EVALUATION: "3484bd7e51",
    AssessmentType.PORTFOLIO: "4f03b91c0e",
    AssessmentType.GROUP_PERFORMANCE: "56539a6507",
    AssessmentType.PRACTICAL_ASSESSMENT: "6a4db9f11d",
    AssessmentType.WRITTEN_EXAMINATION: "6e6cb2cc78",
    AssessmentType.LEVEL_OF_ATTENDANCE: "7331eb4762",
    AssessmentType.PROJECT_WORK: "795dac4096",
    AssessmentType.PEER_REVIEW: "812e3b0ae1",
    AssessmentType.QUIZ: "b1b68f6735",
    AssessmentType.PROBLEM_BASED_LEARNING: "c4256a2726",
    AssessmentType.ORAL_EXAMINATION: "d30284d7df",
}


def assessment_type_iri(value: AssessmentType) -> str:
    return f"http://data.europa.eu/snb/assessment/{_ASSESSMENT_IRI[value]}"


class ParticipationForm(StrEnum):
    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"


_MODE_IRI: Final = {
    ParticipationForm.ONSITE: "9191af2ed9",  # "Presential"
    ParticipationForm.ONLINE: "920fbb3cbe",
    ParticipationForm.BLENDED: "e92d221e4d",
}


def participation_iri(value: ParticipationForm) -> str:
    """Europass Standard List of Modes Of Learning and Assessment."""
    return f"http://data.europa.eu/snb/learning-assessment/{_MODE_IRI[value]}"


class Supervision(StrEnum):
    """Annex I: supervision and identity verification during assessment."""

    UNSUPERVISED = "unsupervised"
    SUPERVISED_NO_ID_CHECK = "supervised-no-id-check"
    SUPERVISED_ONLINE = "supervised-online"
    ONSITE_WITH_ID_CHECK = "onsite-with-id-check"


_SUPERVISION_LABEL: Final = {
    Supervision.UNSUPERVISED: "Unsupervised with no identity verification",
    Supervision.SUPERVISED_NO_ID_CHECK: "Supervised with no identity verification",
    Supervision.SUPERVISED_ONLINE: "Supervised online",
    Supervision.ONSITE_WITH_ID_CHECK: "Onsite with identity verification",
}
# Only this value's Europass IRI (Methods Of Supervision And Verification) is
# confirmed with an exactly matching label; the others are labelled concepts.
_SUPERVISION_IRI: Final = {
    Supervision.UNSUPERVISED: "http://data.europa.eu/snb/supervision-verification/c598449d64",
}


class Integration(StrEnum):
    """Annex I: standalone, or integrated/stackable towards another credential."""

    STANDALONE = "standalone"
    STACKABLE = "stackable"


class QualityAssuranceType(StrEnum):
    EXTERNAL_INSTITUTIONAL = "external-institutional"
    EXTERNAL_PROGRAMME = "external-programme"
    INTERNAL = "internal"
    OTHER = "other"


_QA_LABEL: Final = {
    QualityAssuranceType.EXTERNAL_INSTITUTIONAL: "Internal QA, externally reviewed (ESG)",
    QualityAssuranceType.EXTERNAL_PROGRAMME: "External programme accreditation",
    QualityAssuranceType.INTERNAL: "Internal QA of the provider",
    QualityAssuranceType.OTHER: "Other quality assurance",
}

IdentityType = Literal[
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
]
"""OB 3.0 ``IdentifierTypeEnum`` (the ``ext:`` extension form is not offered)."""

# ISO 3166-1 alpha-2: officially assigned codes.
_ISO_3166_ALPHA2_CODES: Final = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL "
    "BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV "
    "CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD "
    "GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM "
    "IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK "
    "LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW "
    "MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR "
    "PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS "
    "ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY "
    "UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
)
ISO_3166_ALPHA2: Final = frozenset(_ISO_3166_ALPHA2_CODES.split())

_LANGUAGE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _url(value: str) -> str:
    if not _ABSOLUTE_URL.match(value):
        raise ValueError("must be an absolute URL")
    return value


NonBlank = Annotated[str, AfterValidator(_non_blank)]
Url = Annotated[str, AfterValidator(_url)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def identity_hash(identifier: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex SHA-256 of UTF-8 ``identifier + salt``."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Learner(_Strict):
    """Identification of the learner; ``identifier`` is only ever hashed."""

    name: NonBlank
    identifier: NonBlank = Field(repr=False)
    identifier_type: IdentityType = "nationalIdentityNumber"
    salt: NonBlank = Field(default_factory=lambda: secrets.token_hex(16), repr=False)

    def identity_object(self) -> dict[str, Any]:
        return {
            "type": "IdentityObject",
            "identityHash": identity_hash(self.identifier, self.salt),
            "identityType": self.identifier_type,
            "hashed": True,
            "salt": self.salt,
        }


class AwardingBody(_Strict):
    """The issuer: legal identity as a DID, name, country (and region)."""

    did: NonBlank
    name: NonBlank
    url: Url | None = None
    country_code: str = Field(description="ISO 3166-1 alpha-2")
    country: NonBlank | None = None
    region: NonBlank | None = None

    @field_validator("did")
    @classmethod
    def _did(cls, value: str) -> str:
        if not re.fullmatch(r"did:[a-z0-9]+:\S+", value):
            raise ValueError("must be a DID (did:<method>:<id>)")
        return value

    @field_validator("country_code")
    @classmethod
    def _country(cls, value: str) -> str:
        if value not in ISO_3166_ALPHA2:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value


class QualityAssurance(_Strict):
    type: QualityAssuranceType
    description: NonBlank | None = None


class Grade(_Strict):
    value: NonBlank
    scale: tuple[NonBlank, ...] = ()
    """Allowed values, lowest first (e.g. ``("U", "G", "VG")``)."""

    @model_validator(mode="after")
    def _in_scale(self) -> Grade:
        if self.scale and self.value not in self.scale:
            raise ValueError(f"grade {self.value!r} is not in the scale {list(self.scale)}")
        return self


class MicroCredential(_Strict):
    """Every Annex I element of one learner's micro-credential."""

    # Mandatory.
    learner: Learner
    title: NonBlank
    awarding_body: AwardingBody
    issued: AwareDatetime
    learning_outcomes: tuple[NonBlank, ...] = Field(min_length=1)
    ects: float = Field(gt=0, le=60, description="notional workload in ECTS credits")
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    qf_ehea_cycle: QfEheaCycle | None = None
    assessment_type: AssessmentType
    participation: ParticipationForm
    quality_assurance: QualityAssurance
    # Descriptive (OB 3.0 requires a description).
    description: NonBlank
    achievement_id: Url
    course_code: NonBlank | None = None
    field_of_study: NonBlank | None = None
    language: str = "en"
    notional_hours: int | None = Field(default=None, gt=0, le=1800)
    # Optional Annex I elements.
    prerequisites: NonBlank | None = None
    supervision: Supervision | None = None
    grade: Grade | None = None
    integration: Integration | None = None
    further_information: NonBlank | None = None
    # Credential envelope.
    credential_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    valid_until: AwareDatetime | None = None

    @field_validator("ects")
    @classmethod
    def _ects_granularity(cls, value: float) -> float:
        if abs(value * 10 - round(value * 10)) > 1e-9:
            raise ValueError("ECTS credits are given to at most one decimal")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANGUAGE.match(value):
            raise ValueError(f"{value!r} is not a BCP 47 language tag such as 'en' or 'sv'")
        return value

    @model_validator(mode="after")
    def _level(self) -> MicroCredential:
        if self.eqf_level is None and self.qf_ehea_cycle is None:
            raise ValueError("level: give eqf_level and/or qf_ehea_cycle")
        if self.eqf_level is not None and self.qf_ehea_cycle is not None:
            expected = _CYCLE_EQF[self.qf_ehea_cycle]
            if self.eqf_level != expected:
                raise ValueError(
                    f"QF-EHEA {self.qf_ehea_cycle.value} cycle corresponds to EQF level "
                    f"{expected}, not {self.eqf_level}"
                )
        if self.valid_until is not None and self.valid_until < self.issued:
            raise ValueError("valid_until is before the date of issuing")
        return self

    # -- rendering -----------------------------------------------------------

    def to_credential(self) -> dict[str, Any]:
        """The unsigned OB 3.0 ``OpenBadgeCredential`` (VC DM 2.0) for this micro-credential."""
        used: list[str] = []

        def term(name: str) -> str:
            if name not in used:
                used.append(name)
            return name

        def concept(iri: str | None, label: str) -> str | dict[str, Any]:
            return iri if iri is not None else {term("prefLabel"): label}

        def note(text: str) -> dict[str, Any]:
            return {term("noteLiteral"): text}

        body = self.awarding_body
        address: dict[str, Any] = {"type": ["Address"]}
        if body.country:
            address["addressCountry"] = body.country
        address["addressCountryCode"] = body.country_code
        if body.region:
            address["addressRegion"] = body.region
        issuer: dict[str, Any] = {"id": body.did, "type": ["Profile"], "name": body.name}
        if body.url:
            issuer["url"] = body.url
        issuer["address"] = address

        ects = _number(self.ects)
        achievement: dict[str, Any] = {
            "id": self.achievement_id,
            "type": ["Achievement"],
            "achievementType": "MicroCredential",
            "name": self.title,
            "description": self.description,
            "criteria": {"narrative": _criteria(self)},
        }
        if self.course_code:
            achievement["humanCode"] = self.course_code
        achievement["creditsAvailable"] = ects
        if self.field_of_study:
            achievement["fieldOfStudy"] = self.field_of_study
        achievement["inLanguage"] = self.language
        if self.eqf_level is not None:
            achievement["alignment"] = [
                {
                    "type": ["Alignment"],
                    "targetName": f"EQF level {self.eqf_level}",
                    "targetUrl": f"{EQF_IRI}{self.eqf_level}",
                    "targetFramework": "European Qualifications Framework",
                }
            ]
        if self.grade is not None:
            description: dict[str, Any] = {
                "id": f"{self.achievement_id}#grade",
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "LetterGrade",
            }
            if self.grade.scale:
                description["allowedValue"] = list(self.grade.scale)
            achievement["resultDescription"] = [description]
        # ELM v3 (LearningAchievementSpecification properties).
        achievement[term("learningOutcome")] = [
            {term("title"): outcome} for outcome in self.learning_outcomes
        ]
        achievement[term("creditPoint")] = {
            term("framework"): ECTS_IRI,
            term("point"): str(ects),
        }
        if self.notional_hours is not None:
            achievement[term("volumeOfLearning")] = f"PT{self.notional_hours}H"
        if self.eqf_level is not None:
            achievement[term("eqfLevel")] = f"{EQF_IRI}{self.eqf_level}"
        if self.qf_ehea_cycle is not None:
            achievement[term("educationLevel")] = concept(
                None, f"QF-EHEA {self.qf_ehea_cycle.value} cycle"
            )
        achievement[term("mode")] = participation_iri(self.participation)
        achievement[term("provenBy")] = {term("dcType"): assessment_type_iri(self.assessment_type)}
        qa: dict[str, Any] = {term("title"): _QA_LABEL[self.quality_assurance.type]}
        if self.quality_assurance.description:
            qa["description"] = self.quality_assurance.description
        achievement[term("accreditation")] = qa
        if self.prerequisites:
            achievement[term("entryRequirement")] = note(self.prerequisites)
        if self.integration is not None:
            achievement[term("isPartialQualification")] = self.integration is Integration.STACKABLE
        if self.further_information:
            achievement[term("additionalNote")] = note(self.further_information)

        subject: dict[str, Any] = {
            "type": ["AchievementSubject"],
            "name": self.learner.name,
            "identifier": [self.learner.identity_object()],
            "achievement": achievement,
            "creditsEarned": ects,
        }
        if self.grade is not None:
            subject["result"] = [
                {
                    "type": ["Result"],
                    "resultDescription": f"{self.achievement_id}#grade",
                    "value": self.grade.value,
                }
            ]
        if self.supervision is not None:
            subject[term("provenBy")] = {
                term("idVerification"): concept(
                    _SUPERVISION_IRI.get(self.supervision), _SUPERVISION_LABEL[self.supervision]
                )
            }

        inline: dict[str, Any] = {"elm": ELM}
        if any("dc:" in str(_TERMS[name]) for name in used):
            inline["dc"] = DC
        inline.update((name, _TERMS[name]) for name in sorted(used))
        document: dict[str, Any] = {
            "@context": [VC_V2, OB_V3, inline],
            "id": self.credential_id.urn,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": issuer,
            "validFrom": xsd_datetime(self.issued),
        }
        if self.valid_until is not None:
            document["validUntil"] = xsd_datetime(self.valid_until)
        document["name"] = self.title
        document["credentialSubject"] = subject
        return document


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _criteria(mc: MicroCredential) -> str:
    method = mc.assessment_type.value.replace("-", " ")
    return f"Learning outcomes assessed by {method}."


# -- reading back ---------------------------------------------------------------

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
