"""Where a webhook may go: the kernel's address rule (``meriter_shared.outbound``),
worded for webhook endpoints.

Checked twice. When an endpoint is registered: the scheme, and a host that
is an IP literal or a local name. At every delivery: the host is resolved
and *every* address must be public (see the kernel for what that means);
the request then goes to the address that was checked (the TLS name stays
the host), so a DNS answer that changes between check and connect cannot
redirect it. ``allow_private`` (``webhooks.allow_private_networks``, for a
closed network and the tests' loopback receivers) lifts the address and
name rules, never the URL's form.
"""

from __future__ import annotations

from meriter_shared.outbound import LOCAL_NAMES, OutboundPolicy, Reason, Unresolvable
from meriter_shared.outbound import Refused as _Refused

__all__ = ["LOCAL_NAMES", "Refused", "check_url", "resolve"]

_WORDS = {
    Reason.NOT_A_URL: "not a URL",
    Reason.SCHEME: "webhook endpoints must use https",
    Reason.NO_HOST: "the URL has no host",
    Reason.CREDENTIALS: "the URL may not carry credentials",
    Reason.PORT: "the URL's port is not a port",
    Reason.LOCAL_NAME: "the host is a local name",
    Reason.NON_PUBLIC: "the host is not a public address",
    Reason.RESOLVES_NON_PUBLIC: "the endpoint resolves to an address that is not public",
}


class Refused(ValueError):
    """The URL or the address it resolves to is not allowed."""


def _policy(*, allow_http: bool, allow_private: bool) -> OutboundPolicy:
    return OutboundPolicy(allow_http=allow_http, allow_non_public=allow_private)


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> str:
    """The URL if it may be registered; raises Refused saying why."""
    try:
        _policy(allow_http=allow_http, allow_private=allow_private).check_url(url)
    except _Refused as exc:
        raise Refused(_WORDS[exc.reason]) from exc
    return url


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """An address of ``host`` to connect to, every address checked; raises Refused
    (not allowed) or OSError (no address now: worth a retry)."""
    try:
        return await _policy(allow_http=True, allow_private=allow_private).resolve(host, port)
    except _Refused as exc:
        raise Refused(_WORDS[exc.reason]) from exc
    except Unresolvable as exc:
        raise OSError(f"cannot resolve the endpoint's host: {exc}") from exc
