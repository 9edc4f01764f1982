"""The SSRF-safe outbound HTTP client: the address rule, enforced where it connects.

Invariants (the address rule itself is in ``addresses.py``):

- Every URL, the first and every redirect target, is checked before a
  request (``OutboundPolicy.check_url``); every connection is made by a
  network backend that resolves the host once, checks *every* address, and
  connects to a checked one (TLS still verifies the host's name). A pooled
  connection was checked when it was opened.
- Redirects are followed for GET and HEAD only, at most ``max_redirects``;
  any other method gets the redirect back as its answer (a body is never
  sent on to a place its sender did not name).
- An answer larger than ``max_bytes`` is refused as it streams (a declared
  ``Content-Length`` over it before reading), and the whole request —
  resolution, connection, redirects, body — ends after ``timeout_s``.
- Every failure is an ``OutboundError`` whose message names the URL and the
  cause, never a stray transport exception; ``Refused`` marks the ones that
  retrying cannot cure. Nothing is logged here: callers decide what a URL
  reveals.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.parse
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpcore

from meriter_shared.outbound.addresses import (
    OutboundError,
    OutboundPolicy,
    Resolver,
    getaddrinfo_resolver,
)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


class TooLarge(OutboundError):
    """The answer is larger than the client's ``max_bytes``."""


class TimedOut(OutboundError):
    """No complete answer within the client's ``timeout_s``."""


class UnexpectedStatus(OutboundError):
    """The final answer's status is not one the caller expects (body not read)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class OutboundResponse:
    url: str  # where the answer came from, after redirects
    status: int
    headers: Mapping[str, str]  # names in lower case; repeated ones joined by ", "
    body: bytes


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses: resolves once, checks every address,
    connects to a checked one. Hosts of the allowed origins may be anything."""

    def __init__(self, policy: OutboundPolicy, resolver: Resolver = getaddrinfo_resolver) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.policy = policy
        self.trusted_hosts = policy.trusted_hosts
        self.resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if (host.lower().strip("[]"), port) not in self.trusted_hosts:
            host = await self.policy.resolve(host, port, self.resolver)
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class OutboundClient:
    """HTTP requests under the rules in the module docstring; one per service component."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        timeout_s: float = 5.0,
        max_bytes: int = 2 * 1024 * 1024,
        max_redirects: int = 3,
        ca_file: str | None = None,
        user_agent: str = "meriter",
        max_connections: int = 64,
        resolver: Resolver = getaddrinfo_resolver,
    ) -> None:
        self.policy = policy
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        context = ssl.create_default_context()
        if ca_file:
            context.load_verify_locations(ca_file)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(policy, resolver),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def get(
        self, url: str, *, headers: Headers = (), expect: Collection[int] | None = None
    ) -> OutboundResponse:
        return await self.request("GET", url, headers=headers, expect=expect)

    async def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Headers = (),
        expect: Collection[int] | None = None,
    ) -> OutboundResponse:
        return await self.request("POST", url, content=content, headers=headers, expect=expect)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Headers = (),
        content: bytes | None = None,
        expect: Collection[int] | None = None,
    ) -> OutboundResponse:
        """The answer to ``method url``; raises ``OutboundError`` (and its kinds) only.

        ``expect``: the statuses the caller takes; any other final status
        raises ``UnexpectedStatus`` before the body is read.
        """
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._follow(method.upper(), url, headers, content, expect)
        except (TimeoutError, httpcore.TimeoutException) as exc:
            raise TimedOut(f"{url}: no complete answer within {self.timeout_s:g}s") from exc
        except OutboundError:
            raise
        except httpcore.ConnectError as exc:
            cause = exc.__context__ or exc.__cause__
            if isinstance(cause, OutboundError):
                raise cause from None
            raise OutboundError(f"{url}: cannot connect") from exc
        except (OSError, ssl.SSLError) as exc:
            raise OutboundError(f"{url}: {type(exc).__name__}") from exc
        except httpcore.NetworkError as exc:
            raise OutboundError(f"{url}: network error") from exc
        except (httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            raise OutboundError(f"{url}: not a valid HTTP answer") from exc
        except Exception as exc:  # a URL or answer nothing above foresaw: still ours
            raise OutboundError(f"{url}: cannot be requested ({type(exc).__name__})") from exc

    async def _follow(
        self,
        method: str,
        url: str,
        headers: Headers,
        content: bytes | None,
        expect: Collection[int] | None,
    ) -> OutboundResponse:
        given = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if not any(name.lower() == "user-agent" for name, _ in given):
            given.append(("User-Agent", self.user_agent))
        follow = method in ("GET", "HEAD")
        timeouts = dict.fromkeys(("connect", "read", "write", "pool"), self.timeout_s)
        current = url
        for hop in range(self.max_redirects + 1):
            self.policy.check_url(current)
            async with self._pool.stream(
                method,
                current,
                headers=given,
                content=content,
                extensions={"timeout": timeouts},
            ) as response:
                received = _headers(response.headers)
                if follow and response.status in REDIRECTS:
                    location = received.get("location")
                    if not location:
                        raise OutboundError(f"{current}: a redirect without a Location")
                    if hop == self.max_redirects:
                        raise OutboundError(f"{url}: more than {self.max_redirects} redirects")
                    current = urllib.parse.urljoin(current, location)
                    continue
                if expect is not None and response.status not in expect:
                    raise UnexpectedStatus(f"{current}: HTTP {response.status}", response.status)
                declared = received.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise TooLarge(f"{current}: larger than {self.max_bytes} bytes")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_stream():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(f"{current}: larger than {self.max_bytes} bytes")
                    chunks.append(chunk)
                return OutboundResponse(current, response.status, received, b"".join(chunks))
        raise OutboundError(f"{url}: more than {self.max_redirects} redirects")  # unreachable


def _headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out
