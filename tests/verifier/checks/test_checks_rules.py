"""The checks' rules on their own: pure functions of what ``examine`` found and of the
document, called directly (no database, no HTTP).

The same rules through ``POST /v1/verify``, on real credentials, are in
``test_verify_api.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from meriter_verifier.checks.annex_i import annex_check
from meriter_verifier.checks.document import (
    AnnexFindings,
    FormatFindings,
    HolderMatch,
    Problem,
    ProofFinding,
)
from meriter_verifier.checks.format import format_check
from meriter_verifier.checks.holder import holder_check
from meriter_verifier.checks.presentation import combine, presentation_checks
from meriter_verifier.checks.proof import proof_check
from meriter_verifier.checks.result import CHECK_NAMES, Check, VerificationOutcome, verdict_of
from meriter_verifier.checks.validity import validity_check

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = "did:key:z6MkIssuer"


def a_proof(
    controller: str = ISSUER, *, verified: bool = True, suite: str = "eddsa-rdfc-2022"
) -> ProofFinding:
    error = None if verified else "bad signature"
    return ProofFinding(
        0, verified, suite, f"{controller}#k", "assertionMethod", controller, None, error
    )


def a_format(
    data_model: str | None = "2.0", problems: list[Problem] | None = None
) -> FormatFindings:
    found = problems or []
    return FormatFindings(data_model, False, ["VerifiableCredential"], found, len(found))


def test_any_failure_makes_not_verified_and_any_warning_verified_with_warnings() -> None:
    assert verdict_of(["pass", "warn", "fail", "not_applicable"]) == "not_verified"
    assert verdict_of(["pass", "warn", "not_applicable"]) == "verified_with_warnings"
    assert verdict_of(["pass", "not_applicable"]) == "verified"


def test_the_checks_are_answered_in_the_order_of_the_response_schema() -> None:
    assert CHECK_NAMES[0] == "format"
    assert CHECK_NAMES[-1] == "holder"
    assert len(CHECK_NAMES) == len(set(CHECK_NAMES)) == 8


def test_a_format_problem_fails_naming_the_first_and_counting_all() -> None:
    problems = [
        Problem(code="a", path="/type", message="wrong"),
        Problem(code="b", path="", message="x"),
    ]
    found = format_check(a_format(problems=problems))
    assert (found.status, found.code) == ("fail", "format.invalid")
    assert found.params == {"count": 2, "first": "/type: wrong"}


def test_the_older_data_model_is_a_warning() -> None:
    assert format_check(a_format("1.1")).status == "warn"


def test_a_valid_proof_by_someone_else_than_the_issuer_fails() -> None:
    found = proof_check([a_proof("did:key:z6MkOther")], ISSUER, {})
    assert (found.status, found.code) == ("fail", "proof.not_issuer")


def test_no_proof_fails_and_a_legacy_suite_warns() -> None:
    assert proof_check([], ISSUER, {}).code == "proof.none"
    assert proof_check([a_proof(suite="Ed25519Signature2020")], ISSUER, {}).status == "warn"
    assert proof_check([a_proof(verified=False)], ISSUER, {}).params == {"reason": "bad signature"}


def test_a_malformed_date_fails_naming_its_field() -> None:
    found = validity_check({"validFrom": "yesterday"}, AT)
    assert (found.status, found.code, found.params) == (
        "fail",
        "validity.malformed",
        {"field": "validFrom"},
    )


def test_validity_is_judged_at_the_moment_asked_about() -> None:
    window = {"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2026-12-31T00:00:00Z"}
    assert validity_check(window, AT).code == "validity.ok"
    assert validity_check(window, datetime(2027, 1, 1, tzinfo=UTC)).code == "validity.expired"
    assert validity_check(window, datetime(2025, 1, 1, tzinfo=UTC)).code == "validity.not_yet"
    assert validity_check({}, AT).code == "validity.open"


def test_missing_annex_i_elements_are_a_warning_naming_them() -> None:
    found = annex_check(AnnexFindings({"title": True, "credits": False}, {}))
    assert (found.status, found.params) == ("warn", {"missing": "credits"})
    assert annex_check(AnnexFindings({}, {}, error="unreadable")).status == "fail"
    assert annex_check(None).status == "not_applicable"


def test_the_holder_is_checked_only_when_an_identifier_is_given() -> None:
    assert holder_check(None).status == "not_applicable"
    assert holder_check(HolderMatch(False, identities=1)).evidence == {
        "matched": False,
        "identities": 1,
    }


def test_a_presentations_check_is_the_worst_of_its_credentials() -> None:
    found = combine(
        "status",
        [Check("status", "pass", "status.ok"), Check("status", "fail", "status.revoked")],
        2,
    )
    assert (found.status, found.code) == ("fail", "status.revoked")
    assert found.evidence["each"] == ["pass", "fail"]
    assert combine("status", [], 0).code == "presentation.empty"


def test_a_malformed_credential_fails_the_presentations_format() -> None:
    own = Check("format", "pass", "format.ok")
    holder = Check("holder", "pass", "holder.presentation_ok")
    alone = presentation_checks(own, holder, [])
    assert alone[0].code == "format.presentation_ok"
    not_an_object = VerificationOutcome([Check("format", "fail", "format.invalid")])
    checks = presentation_checks(own, holder, [not_an_object])
    assert [c.name for c in checks] == list(CHECK_NAMES)
    assert (checks[0].status, checks[0].code) == ("fail", "format.invalid")
