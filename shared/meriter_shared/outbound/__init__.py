"""Outbound HTTP to URLs that untrusted input names, without SSRF.

``addresses``: the one rule for which addresses and names may be reached,
and resolution that checks every address. ``client``: an HTTP client that
enforces it where it connects, re-checks every redirect and bounds each
answer's size and time.
"""

from meriter_shared.outbound.addresses import (
    LOCAL_NAMES,
    OutboundError,
    OutboundPolicy,
    Reason,
    Refused,
    Resolver,
    Target,
    Unresolvable,
    address_is_public,
    is_local_name,
    origin_of,
)
from meriter_shared.outbound.client import (
    OutboundClient,
    OutboundResponse,
    TimedOut,
    TooLarge,
    UnexpectedStatus,
)

__all__ = [
    "LOCAL_NAMES",
    "OutboundClient",
    "OutboundError",
    "OutboundPolicy",
    "OutboundResponse",
    "Reason",
    "Refused",
    "Resolver",
    "Target",
    "TimedOut",
    "TooLarge",
    "UnexpectedStatus",
    "Unresolvable",
    "address_is_public",
    "is_local_name",
    "origin_of",
]
