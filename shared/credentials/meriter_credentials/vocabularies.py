"""The controlled vocabularies of Annex I as Meriter renders them.

Each enumeration is the set of values an offering or a result may carry for
an Annex I element (type of assessment, form of participation, supervision,
integration, type of quality assurance, QF-EHEA cycle), with the Europass/ELM
IRI or label it is written as.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, Literal

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
