"""Event types the registry adds on ``registry.events`` beyond the kernel's.

``institution.registered`` / ``institution.updated`` are the kernel's
(``meriter_shared.events.registry``); the rest are declared here, v1, with
payloads carrying the aggregate's new public state. Client events never carry
a secret or its hash.
"""

from __future__ import annotations

from meriter_shared.events.envelope import register_event

AGENCY_REGISTERED = "agency.registered"
AGENCY_UPDATED = "agency.updated"
REPORT_RECORDED = "report.recorded"
REPORT_UPDATED = "report.updated"
REPORT_WITHDRAWN = "report.withdrawn"
OFFERING_PUBLISHED = "offering.published"
OFFERING_UPDATED = "offering.updated"
CLIENT_CREATED = "client.created"
CLIENT_REVOKED = "client.revoked"

for _t in (
    AGENCY_REGISTERED,
    AGENCY_UPDATED,
    REPORT_RECORDED,
    REPORT_UPDATED,
    REPORT_WITHDRAWN,
    OFFERING_PUBLISHED,
    OFFERING_UPDATED,
    CLIENT_CREATED,
    CLIENT_REVOKED,
):
    register_event(_t, 1)
