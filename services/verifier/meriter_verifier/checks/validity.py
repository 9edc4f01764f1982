"""The ``validity`` check: the credential is valid at the moment asked about.

``validFrom``/``validUntil`` (VC Data Model 1.1: ``issuanceDate``/
``expirationDate``) are compared with ``at`` — the request's, or now.

Invariants:
- A date that is present but not an ISO 8601 instant with a time zone fails
  (``validity.malformed``); an absent one bounds nothing.
- Not yet valid and expired both fail; the messages give days (UTC), the
  evidence the instant judged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from meriter_verifier.checks.document import data_model, parse_moment
from meriter_verifier.checks.result import Check


def validity_check(document: dict[str, Any], at: datetime) -> Check:
    legacy = data_model(document) == "1.1"
    start_field, end_field = (
        ("issuanceDate", "expirationDate") if legacy else ("validFrom", "validUntil")
    )
    evidence: dict[str, Any] = {"at": _stamp(at)}
    moments: dict[str, datetime | None] = {}
    for name in (start_field, end_field):
        if name in document:
            moments[name] = parse_moment(document[name])
            evidence[name] = document[name]
            if moments[name] is None:
                return Check("validity", "fail", "validity.malformed", {"field": name}, evidence)
    start, end = moments.get(start_field), moments.get(end_field)
    params = {
        "at": _day(at),
        "start": _day(start) if start else "",
        "until": _day(end) if end else "",
        "until_clause": _day(end) if end else "",
    }
    if start is not None and start > at:
        return Check("validity", "fail", "validity.not_yet", params, evidence)
    if end is not None and end < at:
        return Check("validity", "fail", "validity.expired", params, evidence)
    if start is None and end is None:
        return Check("validity", "pass", "validity.open", params, evidence)
    return Check("validity", "pass", "validity.ok", params, evidence)


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _stamp(moment: datetime) -> str:
    # isoformat, not strftime: the same text (years zero-padded to four digits)
    # in a fraction of the time, on a path every verification takes.
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
