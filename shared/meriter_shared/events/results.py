"""The events the issuer publishes on ``results.events`` about institutions' results.

They carry keys and outcomes, never the learner's personal data: a result's
learner stays in the issuer's database, where an erasure can reach it (a
Kafka log cannot be edited). Keyed by ``<institution_id>/<result_id>`` so one
result's events stay in order.
"""

from __future__ import annotations

from typing import ClassVar

from meriter_shared.events.contracts import EventPayload
from meriter_shared.events.topics import Topics


class _ResultEvent(EventPayload):
    topic: ClassVar[str] = Topics.RESULTS
    source: ClassVar[str] = "urn:meriter:issuer"
    subject_field: ClassVar[str] = "result_key"

    institution_id: str
    result_id: str

    @property
    def result_key(self) -> str:
        return f"{self.institution_id}/{self.result_id}"


class ResultRegistered(_ResultEvent):
    """``result.registered``: a result was accepted and awaits issuance."""

    event_type: ClassVar[str] = "result.registered"
    offering_id: str


class ResultReleased(_ResultEvent):
    """``result.released``: a held result may now be issued (its institution's QA changed)."""

    event_type: ClassVar[str] = "result.released"
    offering_id: str


class ResultHeld(_ResultEvent):
    """``result.held``: not issued yet, and why (e.g. not quality assured on the date)."""

    event_type: ClassVar[str] = "result.held"
    reason: str


class ResultRejected(_ResultEvent):
    """``result.rejected``: will not be issued, and why (e.g. not the institution's offering)."""

    event_type: ClassVar[str] = "result.rejected"
    reason: str
