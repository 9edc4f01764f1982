"""A report version and a flag as the ``report.*`` events carry them.

The API's models and the shared contracts
(:class:`~meriter_shared.events.registry.ReportState`,
:class:`~meriter_shared.events.registry.ReportFlagState`) are separate types
so they can change apart: an event takes the fields its contract names from
the API's model, and a contract field the API lost fails loudly here.
"""

from __future__ import annotations

from meriter_registry.reports.schemas import FlagOut, ReportOut
from meriter_shared.events.registry import ReportFlagState, ReportState


def report_state(out: ReportOut) -> ReportState:
    """The API's report version as the ``report.*`` events carry it."""
    return ReportState.model_validate(out.model_dump(include=set(ReportState.model_fields)))


def flag_state(flag: FlagOut) -> ReportFlagState:
    """The API's flag as ``report.flagged`` / ``report.flag_lifted`` carry it."""
    return ReportFlagState.model_validate(
        flag.model_dump(include=set(ReportFlagState.model_fields))
    )
