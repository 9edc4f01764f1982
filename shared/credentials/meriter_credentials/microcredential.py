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
(date of assessment)        ``credentialSubject.activityEndDate``
                            (ob:activityEndDate), when given
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
from datetime import date, datetime
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from meriter_credentials.annex_i import ANNEX_I_MANDATORY, ANNEX_I_OPTIONAL, annex_i_completeness
from meriter_credentials.proofs import xsd_datetime
from meriter_credentials.vocabularies import (
    _CYCLE_EQF,
    _QA_LABEL,
    _SUPERVISION_IRI,
    _SUPERVISION_LABEL,
    _TERMS,
    DC,
    ECTS_IRI,
    ELM,
    EQF_IRI,
    ISO_3166_ALPHA2,
    AssessmentType,
    IdentityType,
    Integration,
    ParticipationForm,
    QfEheaCycle,
    QualityAssuranceType,
    Supervision,
    assessment_type_iri,
    participation_iri,
)

__all__ = [
    "ANNEX_I_MANDATORY",
    "ANNEX_I_OPTIONAL",
    "AssessmentType",
    "AwardingBody",
    "Grade",
    "IdentityType",
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
    # When the learner was assessed (the end of the learning activity), if known.
    assessed: date | None = None
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
        if self.assessed is not None and self.assessed > self.issued.date():
            raise ValueError("the date of assessment is after the date of issuing")
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
        if self.assessed is not None:
            subject["activityEndDate"] = _activity_date(self.assessed)
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


def _activity_date(day: date) -> str:
    """OB 3.0's ``activityEndDate`` for a day: its JSON Schema (which verifiers check)
    asks for a date-time, while its JSON-LD context types the term xsd:date — an
    inconsistency 1EdTech has open (openbadges-specification#645). The spec's own
    examples write midnight UTC (``2010-01-01T00:00:00Z``), which passes the schema
    and names the same day; so do we."""
    return f"{day.isoformat()}T00:00:00Z"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _criteria(mc: MicroCredential) -> str:
    method = mc.assessment_type.value.replace("-", " ")
    return f"Learning outcomes assessed by {method}."


# -- reading back ---------------------------------------------------------------
