"""The ``holder`` check of a credential: the learner's identifier, when one is given,
is the one the credential holds (salted hash, ``document.holder_match``).

A presentation's own holder check — signed by its holder, bound to the
challenge and domain asked for — is in ``presentation.py``.

Invariants:
- Without an identifier to compare the check is ``not_applicable``.
- The identifier is compared, never stored, logged or put in the evidence.
"""

from __future__ import annotations

from meriter_verifier.checks.document import HolderMatch
from meriter_verifier.checks.result import Check


def holder_check(found: HolderMatch | None) -> Check:
    if found is None:
        return Check("holder", "not_applicable", "holder.not_given")
    if found.matched:
        return Check("holder", "pass", "holder.match", {}, found.evidence())
    return Check("holder", "fail", "holder.mismatch", {}, found.evidence())
