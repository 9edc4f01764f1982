"""The ``status`` check: the issuer has not revoked or suspended the credential.

Each ``credentialStatus`` entry (Bitstring Status List) is read from its
list, fetched and checked by ``status/service.py``'s ``StatusLists``.

Invariants:
- Without an entry the check is ``not_applicable``.
- Revoked or suspended fails; so does a list that cannot be fetched,
  verified or is not the credential issuer's (``status.error``): an unknown
  status is never "valid". A bit set for another purpose is a warning.
- The platform's micro-credentials carry their revocation entry only; the
  suspension list with the same index is read beside it.
- A list the cache holds is read without suspending; only the others are
  fetched, side by side.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from meriter_credentials.statuslist import StatusEntry, StatusResult, parse_entry
from meriter_shared.db.types import Pool
from meriter_verifier.checks.document import as_list
from meriter_verifier.checks.result import Check
from meriter_verifier.identities.resolver import Resolved
from meriter_verifier.status.service import StatusLists, sibling


async def status_check(
    status_lists: StatusLists,
    pool: Pool,
    document: dict[str, Any],
    issuer: str | None,
    resolved: Resolved | None,
    at: datetime,
) -> Check:
    raw = as_list(document.get("credentialStatus"))
    if not raw:
        return Check("status", "not_applicable", "status.none")
    entries: list[StatusEntry] = []
    outcomes: list[dict[str, Any]] = []
    for item in raw:
        parsed = parse_entry(item)
        if isinstance(parsed, StatusResult):
            outcomes.append(
                {"purpose": parsed.purpose, "outcome": "error", "message": parsed.message}
            )
        else:
            entries.append(parsed)
    if resolved is not None and resolved.institution_id is not None:
        entries += _suspension_siblings(status_lists, entries)
    # No tasks to gather on the usual, warm path.
    found = [status_lists.cached_status_of(e, at, issuer) for e in entries]
    missing = [i for i, outcome in enumerate(found) if outcome is None]
    fetched = await asyncio.gather(
        *(status_lists.status_of(pool, entries[i], at, issuer) for i in missing)
    )
    for i, answer in zip(missing, fetched, strict=True):
        found[i] = answer
    outcomes += [o for o in found if o is not None]
    return _judge(outcomes)


def _suspension_siblings(
    status_lists: StatusLists, entries: list[StatusEntry]
) -> list[StatusEntry]:
    """The platform's suspension entries beside its revocation entries, unless given."""
    if any(e.purpose == "suspension" for e in entries):
        return []
    return [
        StatusEntry(
            None, "suspension", sibling(e.list_credential, "suspension"), e.index, e.status_size
        )
        for e in entries
        if e.purpose == "revocation"
        and status_lists.is_own(e.list_credential)
        and e.list_credential.endswith("-revocation")
    ]


def _judge(outcomes: list[dict[str, Any]]) -> Check:
    evidence = {"entries": outcomes}
    for outcome, code in (("revoked", "status.revoked"), ("suspended", "status.suspended")):
        if any(o["outcome"] == outcome for o in outcomes):
            return Check("status", "fail", code, {}, evidence)
    errors = [o for o in outcomes if o["outcome"] == "error"]
    if errors:
        return Check("status", "fail", "status.error", {"reason": errors[0]["message"]}, evidence)
    flagged = [o for o in outcomes if o["outcome"] == "set"]
    if flagged:
        return Check("status", "warn", "status.set", {"purpose": flagged[0]["purpose"]}, evidence)
    suspended_checked = any(o["purpose"] == "suspension" for o in outcomes)
    return Check("status", "pass", "status.ok", {"and_suspended": suspended_checked}, evidence)
