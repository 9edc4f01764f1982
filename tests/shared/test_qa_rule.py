"""The "quality assured on date D" rule at each of its edges."""

from __future__ import annotations

from datetime import UTC, date, datetime

from meriter_shared.qa import (
    Decision,
    Registration,
    ReportFacts,
    Status,
    add_years,
    quality_assured,
)

T0 = datetime(2020, 1, 1, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)
REGISTERED = {"A": [Registration(date(2010, 1, 1))]}


def report(**kw: object) -> ReportFacts:
    base: dict[str, object] = {
        "report_id": "r1",
        "agency_id": "A",
        "status": Status.OBLIGATORY,
        "decision": Decision.POSITIVE,
        "valid_from": date(2020, 3, 1),
        "valid_to": date(2025, 2, 28),
        "recorded_at": T0,
    }
    base.update(kw)
    return ReportFacts(**base)  # type: ignore[arg-type]


def qa(r: ReportFacts, on: date, as_of: datetime = NOW, regs: object = None) -> bool:
    return quality_assured([r], regs or REGISTERED, on, as_of).quality_assured  # type: ignore[arg-type]


def test_valid_from_day_is_inside() -> None:
    assert qa(report(), date(2020, 3, 1))


def test_day_before_valid_from_is_outside() -> None:
    assert not qa(report(), date(2020, 2, 29))


def test_valid_to_day_is_inside() -> None:
    assert qa(report(), date(2025, 2, 28))


def test_day_after_valid_to_is_outside() -> None:
    assert not qa(report(), date(2025, 3, 1))


def test_missing_valid_to_means_six_years_inclusive() -> None:
    r = report(valid_to=None)
    assert qa(r, date(2026, 3, 1))
    assert not qa(r, date(2026, 3, 2))


def test_six_years_from_leap_day_ends_on_28_february() -> None:
    assert add_years(date(2020, 2, 29), 6) == date(2026, 2, 28)


def test_negative_decision_does_not_qualify() -> None:
    verdict = quality_assured(
        [report(decision=Decision.NEGATIVE)], REGISTERED, date(2021, 1, 1), NOW
    )
    assert not verdict.quality_assured
    assert verdict.rejected == {"r1": "negative decision"}


def test_not_applicable_decision_qualifies() -> None:
    assert qa(report(decision=Decision.NOT_APPLICABLE), date(2021, 1, 1))


def test_positive_with_conditions_qualifies() -> None:
    assert qa(report(decision=Decision.POSITIVE_WITH_CONDITIONS), date(2021, 1, 1))


def test_voluntary_report_does_not_qualify() -> None:
    assert not qa(report(status=Status.VOLUNTARY), date(2021, 1, 1))


def test_report_withdrawn_later_leaves_past_answers_unchanged() -> None:
    withdrawn = datetime(2022, 6, 1, tzinfo=UTC)
    r = report(withdrawn_at=withdrawn)
    assert qa(r, date(2021, 1, 1), as_of=datetime(2022, 5, 31, tzinfo=UTC))
    assert not qa(r, date(2021, 1, 1), as_of=withdrawn)


def test_report_withdrawn_on_a_day_counts_before_it_and_not_from_it() -> None:
    recorded = datetime(2023, 3, 1, tzinfo=UTC)
    r = report(withdrawn_at=recorded, withdrawn_on=date(2022, 1, 1))
    assert qa(r, date(2021, 12, 31))
    verdict = quality_assured([r], REGISTERED, date(2022, 1, 1), NOW)
    assert (verdict.quality_assured, verdict.rejected) == (False, {"r1": "withdrawn"})
    # Before the withdrawal was recorded, it was not known: the report counted.
    assert qa(r, date(2022, 1, 1), as_of=datetime(2023, 2, 28, tzinfo=UTC))


def test_flagged_report_stops_counting_from_the_flag() -> None:
    r = report(high_flags=((datetime(2022, 6, 1, tzinfo=UTC), None),))
    assert qa(r, date(2021, 1, 1), as_of=datetime(2022, 1, 1, tzinfo=UTC))
    assert not qa(r, date(2021, 1, 1), as_of=NOW)


def test_a_lifted_flag_counts_only_while_it_was_up() -> None:
    raised, lifted = datetime(2022, 6, 1, tzinfo=UTC), datetime(2022, 9, 1, tzinfo=UTC)
    r = report(high_flags=((raised, lifted),))
    assert qa(r, date(2021, 1, 1), as_of=datetime(2022, 5, 31, tzinfo=UTC))
    assert not qa(r, date(2021, 1, 1), as_of=raised)
    assert not qa(r, date(2021, 1, 1), as_of=datetime(2022, 8, 31, tzinfo=UTC))
    assert qa(r, date(2021, 1, 1), as_of=lifted)


def test_report_recorded_after_as_of_is_not_seen() -> None:
    assert not qa(report(recorded_at=NOW), date(2021, 1, 1), as_of=T0)


def test_agency_not_registered_on_the_date_does_not_qualify() -> None:
    regs = {"A": [Registration(date(2018, 1, 1), date(2020, 12, 31))]}
    assert qa(report(), date(2020, 12, 31), regs=regs)
    verdict = quality_assured([report()], regs, date(2021, 1, 1), NOW)
    assert verdict.rejected == {"r1": "agency not EQAR-registered on the date"}


def test_unknown_agency_registration_does_not_qualify() -> None:
    assert not qa(report(agency_id="B"), date(2021, 1, 1))


def test_one_qualifying_report_among_failing_ones_is_enough() -> None:
    reports = [report(report_id="bad", decision=Decision.NEGATIVE), report(report_id="good")]
    verdict = quality_assured(reports, REGISTERED, date(2021, 1, 1), NOW)
    assert verdict.quality_assured
    assert [r.report_id for r in verdict.justifying] == ["good"]


def test_deqar_status_and_decision_ids_and_activity_names_are_understood() -> None:
    from meriter_registry.reports.schemas import ReportSubmission

    sub = ReportSubmission.model_validate(
        {
            "agency_id": "33",
            "local_identifier": "x",
            "activity": "joint programme accreditation",
            "status_id": 1,
            "decision_id": 4,
            "valid_from": "5/1/2020",
            "date_format": "%-d/%-m/%Y",
            "institutions": [{"deqar_id": "DEQARINST0001"}],
        }
    )
    # The activity's type is the agency's list's to say (or its name's): see the service.
    assert (sub.agency, sub.activity, sub.status, sub.decision) == (
        "33",
        "joint programme accreditation",
        Status.OBLIGATORY,
        Decision.NOT_APPLICABLE,
    )
    assert sub.dates() == (date(2020, 1, 5), None)
