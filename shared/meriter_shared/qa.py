"""What "quality assured on date D" means: the rule, with no I/O.

Shared because the registry answers it and the issuer and verifier apply it
to their projections of `registry.events`. The rule, in full:

Two time axes are kept apart on purpose:

* **validity** (dates): a report is valid from ``valid_from`` to ``valid_to``
  inclusive; when DEQAR gives no ``valid_to`` the report counts as valid for
  six years, i.e. up to and including ``valid_from + 6 years``. An agency's
  EQAR registration likewise runs from ``registered_from`` to
  ``registered_to`` inclusive (open-ended when absent).
* **knowledge** (timestamps): a report is *recorded* at one instant and may be
  *withdrawn* (or flagged) at a later instant. A question asked ``as_of`` an
  instant sees only what was recorded by then and the withdrawals recorded by
  then, so a report withdrawn later leaves every earlier answer exactly as it
  was.

A withdrawal has both: the instant it was recorded (``withdrawn_at``) and the
day it takes effect (``withdrawn_on``, DEQAR's deletion date): a report
withdrawn on W no longer counts for dates from W on, and still counts for the
dates before W (the institution *was* quality assured then). A withdrawal
recorded without a day (``withdrawn_on`` None, as older records and events
have it) takes the report out for every date.

The rule (DEQAR's own, as used for its Europass export): an institution is
quality assured on D when at least one of its reports, visible as of the
question, has ``valid_from <= D <= valid_to``, status "part of obligatory EQA
system", a decision that is not "negative", and an agency that was EQAR
registered on D.

Decision "not applicable" is accepted: DEQAR uses it for obligatory
procedures that end without a graded verdict (e.g. an audit with no
pass/fail), so it is not a negative outcome; only "negative" disqualifies.
Voluntary reports never count, whatever their decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

DEFAULT_VALIDITY_YEARS = 6


class Status(StrEnum):
    OBLIGATORY = "part of obligatory EQA system"
    VOLUNTARY = "voluntary"


class Decision(StrEnum):
    POSITIVE = "positive"
    POSITIVE_WITH_CONDITIONS = "positive with conditions or restrictions"
    NEGATIVE = "negative"
    NOT_APPLICABLE = "not applicable"


class ActivityType(StrEnum):
    INSTITUTIONAL = "institutional"
    PROGRAMME = "programme"
    JOINT_PROGRAMME = "joint programme"
    INSTITUTIONAL_PROGRAMME = "institutional/programme"


def add_years(d: date, years: int) -> date:
    """``d`` plus whole years; 29 February falls back to 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def effective_valid_to(valid_from: date, valid_to: date | None) -> date:
    return valid_to if valid_to is not None else add_years(valid_from, DEFAULT_VALIDITY_YEARS)


@dataclass(frozen=True, slots=True)
class Registration:
    """One period of an agency's EQAR registration (inclusive dates)."""

    registered_from: date
    registered_to: date | None = None

    def covers(self, on: date) -> bool:
        return self.registered_from <= on and (
            self.registered_to is None or on <= self.registered_to
        )


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the rule needs to know about one report."""

    report_id: str
    agency_id: str
    status: Status
    decision: Decision
    valid_from: date
    valid_to: date | None
    recorded_at: datetime
    withdrawn_at: datetime | None = None
    withdrawn_on: date | None = None
    # High-level flags as (raised, lifted or None): while one is up the report
    # does not count, as DEQAR leaves high-flagged reports out of its exports.
    high_flags: tuple[tuple[datetime, datetime | None], ...] = ()

    @property
    def valid_until(self) -> date:
        return effective_valid_to(self.valid_from, self.valid_to)

    def visible(self, as_of: datetime) -> bool:
        if self.recorded_at > as_of:
            return False
        withdrawn = self.withdrawn_at is not None and self.withdrawn_at <= as_of
        if withdrawn and self.withdrawn_on is None:
            return False  # withdrawn without a day: for every date
        return not self.flagged(as_of)

    def withdrawn_for(self, on: date, as_of: datetime) -> bool:
        """Withdrawn, as known at ``as_of``, with effect on or before ``on``."""
        return (
            self.withdrawn_at is not None
            and self.withdrawn_at <= as_of
            and (self.withdrawn_on is None or self.withdrawn_on <= on)
        )

    def flagged(self, as_of: datetime) -> bool:
        return any(
            raised <= as_of and (lifted is None or lifted > as_of)
            for raised, lifted in self.high_flags
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    quality_assured: bool
    justifying: tuple[ReportFacts, ...]
    # Why each visible but non-qualifying report was set aside, by report id.
    rejected: dict[str, str]


def reason_not_qualifying(
    report: ReportFacts, on: date, registrations: Sequence[Registration]
) -> str | None:
    """``None`` when the report qualifies on ``on``, else the first failed condition."""
    if on < report.valid_from:
        return "not yet valid"
    if on > report.valid_until:
        return "expired"
    if report.status is not Status.OBLIGATORY:
        return "voluntary"
    if report.decision is Decision.NEGATIVE:
        return "negative decision"
    if not any(r.covers(on) for r in registrations):
        return "agency not EQAR-registered on the date"
    return None


def quality_assured(
    reports: Iterable[ReportFacts],
    registrations: Mapping[str, Sequence[Registration]],
    on: date,
    as_of: datetime,
) -> Verdict:
    """Apply the rule to an institution's reports; see the module docstring."""
    justifying: list[ReportFacts] = []
    rejected: dict[str, str] = {}
    for report in reports:
        if not report.visible(as_of):
            continue
        if report.withdrawn_for(on, as_of):
            rejected[report.report_id] = "withdrawn"
            continue
        reason = reason_not_qualifying(report, on, registrations.get(report.agency_id, ()))
        if reason is None:
            justifying.append(report)
        else:
            rejected[report.report_id] = reason
    justifying.sort(key=lambda r: (r.valid_from, r.report_id))
    return Verdict(bool(justifying), tuple(justifying), rejected)
