"""The Annex I micro-credential: validation, rendering, signing, machine-readable elements."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from pydantic import ValidationError

from meriter_credentials import obschema, vcdm
from meriter_credentials.did import OfflineResolver
from meriter_credentials.jsonld import to_rdf
from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.microcredential import (
    ANNEX_I_MANDATORY,
    ANNEX_I_OPTIONAL,
    MicroCredential,
    annex_i_completeness,
    identity_hash,
)
from meriter_credentials.proofs import JCS, RDFC, add_proof, verify_proofs
from meriter_credentials.samples import (
    SAMPLE_LEARNER_IDENTIFIER,
    sample_credential,
    sample_microcredential,
)

KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
ELM = "http://data.europa.eu/snb/model/elm/"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
CRED = "https://www.w3.org/2018/credentials#"
SCHEMA = "https://schema.org/"
DC = "http://purl.org/dc/terms/"


def _signed(suite: str = RDFC, mc: MicroCredential | None = None) -> dict[str, Any]:
    doc = (mc or sample_microcredential()).to_credential()
    doc["issuer"]["id"] = KEY.controller
    return add_proof(doc, KEY, suite=suite, created="2026-01-23T10:00:00Z")


def _quads(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(predicate, object) pairs of the credential's default graph."""
    return {(p, o) for _, p, o, g in to_rdf(doc) if g == ""}


def _minimal(**changes: Any) -> MicroCredential:
    data = sample_microcredential().model_dump()
    for optional in ("prerequisites", "supervision", "grade", "integration", "further_information"):
        data[optional] = None
    data.update(changes)
    return MicroCredential.model_validate(data)


def test_sample_is_valid_vc_and_ob3() -> None:
    assert vcdm.validate(sample_credential()) == []


def test_sample_is_deterministic_and_compact() -> None:
    first, second = sample_credential(), sample_credential()
    assert first == second
    size = len(json.dumps(first, separators=(",", ":")).encode("utf-8"))
    assert 2000 < size < 4000


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_sample_signs_and_verifies(suite: str) -> None:
    signed = _signed(suite)
    [result] = verify_proofs(signed, resolver=OfflineResolver())
    assert result.verified, result.error
    assert vcdm.validate(signed) == []


def test_signed_sample_tampered_fails() -> None:
    signed = _signed()
    signed["credentialSubject"]["achievement"]["eqfLevel"] = "http://data.europa.eu/snb/eqf/8"
    [result] = verify_proofs(signed, resolver=OfflineResolver())
    assert not result.verified


def test_learner_identifier_never_appears() -> None:
    for doc in (sample_credential(), _signed(RDFC), _signed(JCS)):
        assert SAMPLE_LEARNER_IDENTIFIER not in json.dumps(doc)
    assert SAMPLE_LEARNER_IDENTIFIER not in repr(sample_microcredential())


def test_identity_hash_recomputes_from_identifier_and_salt() -> None:
    [identity] = sample_credential()["credentialSubject"]["identifier"]
    expected = hashlib.sha256((SAMPLE_LEARNER_IDENTIFIER + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert identity["identityHash"] == identity_hash(SAMPLE_LEARNER_IDENTIFIER, identity["salt"])
    assert identity["hashed"] is True
    assert identity["identityType"] == "nationalIdentityNumber"


def test_default_salt_is_random() -> None:
    data = sample_microcredential().model_dump()
    del data["learner"]["salt"]
    a = MicroCredential.model_validate(data).learner.salt
    b = MicroCredential.model_validate(data).learner.salt
    assert a != b
    assert len(a) >= 16


@pytest.mark.parametrize(
    ("field", "value", "location"),
    [
        ("eqf_level", 9, "eqf_level"),
        ("eqf_level", 0, "eqf_level"),
        ("learning_outcomes", [], "learning_outcomes"),
        ("learning_outcomes", ["  "], "learning_outcomes"),
        ("ects", -7.5, "ects"),
        ("ects", 0, "ects"),
        ("ects", 500, "ects"),
        ("ects", 7.55, "ects"),
        ("qf_ehea_cycle", "fourth", "qf_ehea_cycle"),
        ("assessment_type", "vibes", "assessment_type"),
        ("participation", "telepathic", "participation"),
        ("supervision", "sometimes", "supervision"),
        ("language", "English", "language"),
        ("issued", "2026-01-23T10:00:00", "issued"),
    ],
)
def test_invalid_input_names_the_field(field: str, value: Any, location: str) -> None:
    data = sample_microcredential().model_dump()
    data[field] = value
    with pytest.raises(ValidationError) as info:
        MicroCredential.model_validate(data)
    assert location in {str(e["loc"][0]) for e in info.value.errors()}


def test_bad_country_names_the_field() -> None:
    data = sample_microcredential().model_dump()
    data["awarding_body"]["country_code"] = "XX"
    with pytest.raises(ValidationError) as info:
        MicroCredential.model_validate(data)
    assert info.value.errors()[0]["loc"] == ("awarding_body", "country_code")


def test_level_is_required_and_consistent() -> None:
    with pytest.raises(ValidationError, match="eqf_level and/or qf_ehea_cycle"):
        _minimal(eqf_level=None, qf_ehea_cycle=None)
    with pytest.raises(ValidationError, match="corresponds to EQF level 7"):
        _minimal(eqf_level=6, qf_ehea_cycle="second")
    assert _minimal(eqf_level=None).qf_ehea_cycle == "second"
    assert _minimal(qf_ehea_cycle=None).eqf_level == 7


def test_unknown_fields_are_refused() -> None:
    data = sample_microcredential().model_dump()
    data["shoe_size"] = 44
    with pytest.raises(ValidationError):
        MicroCredential.model_validate(data)


E = ELM
# Annex I mandatory element -> (predicate, object) that must be in the signed credential's RDF.
MANDATORY: dict[str, tuple[str, str | None]] = {
    "learner-identification": (
        f"{OB}identityHash",
        '"sha256$' + identity_hash(SAMPLE_LEARNER_IDENTIFIER, "5d0c8e3a1f7b4c29")[7:] + '"',
    ),
    "title": (f"{SCHEMA}name", '"Applied Machine Learning for Public Health"'),
    "issuer-country": (f"{OB}CountryCode", '"SE"'),
    "awarding-body": (f"{SCHEMA}name", '"Uppsala University"'),
    "date-of-issuing": (
        f"{CRED}validFrom",
        '"2026-01-23T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    ),
    "learning-outcomes": (f"{DC}title", '"Assess bias and privacy risks of a model"'),
    "notional-workload": (
        f"{E}framework",
        "<http://data.europa.eu/snb/education-credit/6fcec5c5af>",
    ),
    "level": (f"{E}EQFLevel", "<http://data.europa.eu/snb/eqf/7>"),
    "assessment-type": (f"{DC}type", "<http://data.europa.eu/snb/assessment/6e6cb2cc78>"),
    "participation-form": (
        f"{E}mode",
        "<http://data.europa.eu/snb/learning-assessment/e92d221e4d>",
    ),
    "quality-assurance": (f"{E}accreditation", None),
}
OPTIONAL: dict[str, tuple[str, str | None]] = {
    "prerequisites": (f"{E}entryRequirement", None),
    "supervision-and-id-verification": (f"{E}idVerification", None),
    "grade": (f"{SCHEMA}value", '"VG"'),
    "integration-stackability": (
        f"{E}isPartialQualification",
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>',
    ),
    "further-information": (f"{E}additionalNote", None),
}


def test_element_tables_cover_annex_i() -> None:
    assert tuple(MANDATORY) == ANNEX_I_MANDATORY
    assert tuple(OPTIONAL) == ANNEX_I_OPTIONAL


def _has(quads: set[tuple[str, str]], predicate: str, value: str | None) -> bool:
    p = f"<{predicate}>"
    return any(pp == p and (value is None or o == value) for pp, o in quads)


@pytest.fixture(scope="module")
def signed_quads() -> set[tuple[str, str]]:
    return _quads(_signed(RDFC))


@pytest.mark.parametrize("element", list(MANDATORY))
def test_mandatory_element_is_machine_readable_in_the_signed_credential(
    element: str, signed_quads: set[tuple[str, str]]
) -> None:
    predicate, value = MANDATORY[element]
    assert _has(signed_quads, predicate, value), f"{element}: no <{predicate}> {value}"


@pytest.mark.parametrize("element", list(OPTIONAL))
def test_optional_element_is_machine_readable_when_supplied(
    element: str, signed_quads: set[tuple[str, str]]
) -> None:
    predicate, value = OPTIONAL[element]
    assert _has(signed_quads, predicate, value), f"{element}: no <{predicate}> {value}"


def test_mandatory_details() -> None:
    quads = _quads(_signed(RDFC))
    # Workload in ECTS: credit points and OB creditsAvailable.
    assert _has(quads, f"{E}point", '"7.5"')
    assert _has(quads, f"{OB}creditsAvailable", None)
    # Both level frameworks, and the EQF alignment OB displayers understand.
    assert _has(quads, f"{E}educationLevel", None)
    assert _has(quads, f"{SKOS_PREFLABEL}", '"QF-EHEA second cycle"')
    assert _has(
        quads,
        f"{SCHEMA}targetUrl",
        '"http://data.europa.eu/snb/eqf/7"^^<https://www.w3.org/2001/XMLSchema#anyURI>',
    )
    # Three learning outcomes, each a node with a title.
    assert sum(1 for p, _ in quads if p == f"<{E}learningOutcome>") == 3


SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def test_completeness_of_signed_sample() -> None:
    for suite in (RDFC, JCS):
        report = annex_i_completeness(_signed(suite))
        assert list(report) == [*ANNEX_I_MANDATORY, *ANNEX_I_OPTIONAL]
        assert all(report.values()), report


def test_completeness_without_optional_elements() -> None:
    mc = _minimal()
    doc = mc.to_credential()
    report = annex_i_completeness(doc)
    assert all(report[e] for e in ANNEX_I_MANDATORY)
    assert not any(report[e] for e in ANNEX_I_OPTIONAL)
    assert vcdm.validate(doc) == []
    # The inline context only defines what is used.
    inline = doc["@context"][2]
    assert "idVerification" not in inline
    assert "noteLiteral" not in inline


def test_completeness_reports_a_missing_element() -> None:
    doc = sample_credential()
    del doc["credentialSubject"]["achievement"]["learningOutcome"]
    del doc["credentialSubject"]["achievement"]["mode"]
    report = annex_i_completeness(doc)
    assert report["learning-outcomes"] is False
    assert report["participation-form"] is False
    assert report["title"] is True


@pytest.mark.parametrize(
    ("supervision", "expected"),
    [
        ("unsupervised", "<http://data.europa.eu/snb/supervision-verification/c598449d64>"),
        ("onsite-with-id-check", None),
    ],
)
def test_supervision_values(supervision: str, expected: str | None) -> None:
    quads = _quads(_minimal(supervision=supervision).to_credential())
    if expected is not None:
        assert _has(quads, f"{E}idVerification", expected)
    else:
        assert _has(quads, SKOS_PREFLABEL, '"Onsite with identity verification"')


@pytest.mark.parametrize(
    ("form", "iri"),
    [
        ("online", "920fbb3cbe"),
        ("onsite", "9191af2ed9"),
        ("blended", "e92d221e4d"),
    ],
)
def test_participation_forms(form: str, iri: str) -> None:
    quads = _quads(_minimal(participation=form).to_credential())
    assert _has(quads, f"{E}mode", f"<http://data.europa.eu/snb/learning-assessment/{iri}>")


def test_every_model_variant_stays_within_safe_mode_and_schema() -> None:
    for changes in (
        {"eqf_level": None},
        {"qf_ehea_cycle": None, "eqf_level": 5},
        {"notional_hours": 200, "valid_until": "2031-01-23T10:00:00Z"},
        {"grade": {"value": "Pass"}},
        {"integration": "standalone"},
        {"course_code": None, "field_of_study": None},
    ):
        doc = _minimal(**changes).to_credential()
        assert vcdm.validate(doc) == [], changes
        to_rdf(doc)


def test_ob3_schema_problems_carry_a_json_pointer() -> None:
    doc = sample_credential()
    del doc["credentialSubject"]["achievement"]["criteria"]
    doc["credentialSubject"]["achievement"]["achievementType"] = "MicroCourse"
    problems = [p for p in vcdm.validate(doc) if p.code == "ob3-schema"]
    paths = {p.path for p in problems}
    assert "/credentialSubject/achievement" in paths
    assert "/credentialSubject/achievement/achievementType" in paths


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_an_open_badge_is_signed_with_a_proof_array_the_ob3_schema_accepts_as_is(
    suite: str,
) -> None:
    signed = _signed(suite)
    assert isinstance(signed["proof"], list)
    assert len(signed["proof"]) == 1
    assert list(obschema._ob_validator().iter_errors(signed)) == []  # no leniency needed


def test_ob3_schema_accepts_a_single_proof_object_from_other_issuers() -> None:
    signed = _signed(RDFC)
    signed["proof"] = signed["proof"][0]
    assert vcdm.validate(signed) == []
    [result] = verify_proofs(signed, resolver=OfflineResolver())
    assert result.verified


def test_undefined_term_is_a_format_problem() -> None:
    doc = sample_credential()
    doc["credentialSubject"]["achievement"]["stackableTowards"] = "MSc"
    [problem] = vcdm.validate(doc)
    assert problem.code == "jsonld"
    assert "stackableTowards" in problem.message


def test_the_assessment_date_is_the_subjects_activity_end_date_in_safe_mode_and_schema() -> None:
    doc = _minimal(assessed="2026-01-20").to_credential()
    assert doc["credentialSubject"]["activityEndDate"] == "2026-01-20T00:00:00Z"
    # A term of the bundled OB 3.0 context (safe mode would refuse an undefined one),
    # in the shape the OB 3.0 JSON Schema asks for (date-time).
    assert vcdm.validate(doc) == []
    assert (
        f"<{OB}activityEndDate>",
        # the context's own datatype IRI (https, as 1EdTech wrote it)
        '"2026-01-20T00:00:00Z"^^<https://www.w3.org/2001/XMLSchema#date>',
    ) in _quads(doc)
    signed = _signed(mc=_minimal(assessed="2026-01-20"))
    [result] = verify_proofs(signed, resolver=OfflineResolver())
    assert result.verified


def test_without_an_assessment_date_the_subject_has_no_activity_end_date() -> None:
    assert "activityEndDate" not in _minimal().to_credential()["credentialSubject"]


def test_an_assessment_after_the_date_of_issuing_is_refused() -> None:
    with pytest.raises(ValidationError, match="date of assessment is after the date of issuing"):
        _minimal(assessed="2026-01-24")
