"""The kernel's SSRF-safe outbound HTTP (meriter_shared.outbound).

No traffic leaves the machine: every server here listens on 127.0.0.1, the
client reaches it only through the test-only loopback allowance, every other
destination is refused before a connection is made, and names other than
``localhost`` are answered by an injected resolver (no DNS query is sent).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meriter_shared.outbound import (
    OutboundClient,
    OutboundError,
    OutboundPolicy,
    Reason,
    Refused,
    TimedOut,
    TooLarge,
    UnexpectedStatus,
    Unresolvable,
    address_is_public,
    is_local_name,
    origin_of,
)
from support.webserver import Route, WebServer

NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "0.0.0.0",  # noqa: S104 - an address refused, never bound
    "0.1.2.3",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "::",
    "::1",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",  # site-local
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::808:808",  # local-use NAT64
    "not-an-address",
    "",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_and_their_embedded_forms_are_not_public(address: str) -> None:
    assert not address_is_public(address)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "193.10.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_global_addresses_and_their_embedded_forms_are_public(address: str) -> None:
    assert address_is_public(address)  # a pure check: nothing is sent there


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST.", "api.localhost", "printer.local", "db.internal", "ip6-loopback"],
)
def test_names_that_only_mean_something_locally_are_local(host: str) -> None:
    assert is_local_name(host)


@pytest.mark.parametrize("host", ["uu.se", "localhost.example", "internal.example.org"])
def test_other_names_are_not_local(host: str) -> None:
    assert not is_local_name(host)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://uu.se/x", Reason.SCHEME),
        ("file:///etc/passwd", Reason.SCHEME),
        ("http://uu.se/x", Reason.SCHEME),
        ("https:///x", Reason.NO_HOST),
        ("https://user:pw@uu.se/x", Reason.CREDENTIALS),
        ("https://uu.se:99999/x", Reason.PORT),
        ("https://[::1", Reason.NOT_A_URL),
        ("https://localhost/x", Reason.LOCAL_NAME),
        ("https://printer.local/x", Reason.LOCAL_NAME),
        ("https://metadata.google.internal/x", Reason.LOCAL_NAME),
        ("https://127.0.0.1/x", Reason.NON_PUBLIC),
        ("https://169.254.169.254/latest/meta-data/", Reason.NON_PUBLIC),
        ("https://[::ffff:10.0.0.1]/x", Reason.NON_PUBLIC),
        ("https://[2002:a9fe:a9fe::1]/x", Reason.NON_PUBLIC),
    ],
)
def test_urls_are_refused_by_form_before_any_connection(url: str, reason: Reason) -> None:
    with pytest.raises(Refused) as refused:
        OutboundPolicy().check_url(url)
    assert refused.value.reason is reason


def test_a_public_https_url_passes_the_form_check() -> None:
    target = OutboundPolicy().check_url("https://Hooks.UU.se./m?x=1")
    assert (target.scheme, target.host, target.port, target.trusted) == (
        "https",
        "hooks.uu.se",
        443,
        False,
    )


def test_the_loopback_allowance_admits_loopback_and_localhost_and_nothing_else() -> None:
    policy = OutboundPolicy(allow_http=True, allow_loopback=True)
    policy.check_url("http://127.0.0.1:8080/x")
    policy.check_url("http://localhost:8080/x")
    policy.check_url("http://[::1]:8080/x")
    for url in ("http://10.0.0.1/x", "http://169.254.169.254/x", "http://printer.local/x"):
        with pytest.raises(Refused):
            policy.check_url(url)


def test_an_allowed_origin_may_use_any_scheme_and_address_but_only_that_origin() -> None:
    policy = OutboundPolicy.of(allow_origins=["http://issuer:8002"])
    assert policy.check_url("http://issuer:8002/status-lists/1").trusted
    assert origin_of("HTTP://Issuer:8002/x") == "http://issuer:8002"
    with pytest.raises(Refused):
        policy.check_url("http://issuer:8003/x")


async def test_a_name_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"mixed.example": ["8.8.8.8", "10.0.0.7"], "meta.example": ["169.254.169.254"]}[host]

    for host in ("mixed.example", "meta.example"):
        with pytest.raises(Refused) as refused:
            await OutboundPolicy().resolve(host, 443, resolver)
        assert refused.value.reason is Reason.RESOLVES_NON_PUBLIC
        assert "non-public address" in str(refused.value)


async def test_a_name_without_addresses_is_unresolvable_not_refused() -> None:
    async def nothing(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    async def empty(host: str, port: int) -> list[str]:
        return []

    for resolver in (nothing, empty):
        with pytest.raises(Unresolvable):
            await OutboundPolicy().resolve("gone.example", 443, resolver)


# --- the client, against loopback servers only ------------------------------


@pytest.fixture
def web() -> Iterator[WebServer]:
    server = WebServer()
    yield server
    server.close()


@pytest.fixture
def other() -> Iterator[WebServer]:
    """A second loopback server that must never be reached."""
    server = WebServer()
    server.json("/secret", {"secret": True})
    yield server
    server.close()


def loopback_client(**kw: object) -> OutboundClient:
    """A client for tests: loopback allowed over http, nothing else that is not public."""
    return OutboundClient(OutboundPolicy(allow_http=True, allow_loopback=True), **kw)  # type: ignore[arg-type]


async def test_a_loopback_server_is_reached_only_with_the_test_allowance(
    web: WebServer,
) -> None:
    url = web.json("/doc", {"ok": True})
    async with loopback_client() as client:
        answer = await client.get(url)
    assert (answer.status, answer.body, answer.url) == (200, b'{"ok": true}', url)
    assert answer.headers["content-type"] == "application/json"
    async with OutboundClient(OutboundPolicy(allow_http=True)) as strict:
        with pytest.raises(Refused):
            await strict.get(url)
    assert web.hits == ["/doc"]


async def test_a_name_resolving_to_loopback_is_refused_without_the_allowance(
    other: WebServer,
) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    policy = OutboundPolicy(allow_http=True)
    async with OutboundClient(policy, resolver=resolver) as client:
        with pytest.raises(Refused, match="non-public address"):
            await client.get(f"http://loopback.example:{other.port}/secret")
    assert other.hits == []


async def test_the_connection_goes_to_the_address_checked_not_a_second_answer(
    web: WebServer,
) -> None:
    answers = [["127.0.0.1"], ["10.0.0.1"]]  # a rebinding name: checked, then swapped
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[len(asked) - 1]

    web.json("/doc", {"ok": 1})
    async with loopback_client(resolver=resolver) as client:
        answer = await client.get(f"http://rebind.example:{web.port}/doc")
    assert answer.status == 200
    assert asked == ["rebind.example"]  # resolved once, connected to that answer


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/iam",
        "http://[::ffff:169.254.169.254]/x",
        "http://printer.local/x",
        "ftp://127.0.0.1/x",
    ],
)
async def test_every_redirect_is_checked_as_the_first_url_was(web: WebServer, target: str) -> None:
    url = web.redirect("/r", target)
    async with loopback_client() as client:
        with pytest.raises(Refused):
            await client.get(url)
    assert web.hits == ["/r"]


async def test_a_redirect_to_a_name_resolving_to_a_private_address_is_refused(
    web: WebServer,
) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "localhost" else ["10.1.2.3"]

    url = web.redirect("/r", "http://intranet.example/x")
    async with loopback_client(resolver=resolver) as client:
        with pytest.raises(Refused, match="non-public address"):
            await client.get(url)


async def test_redirects_are_followed_up_to_the_limit(web: WebServer) -> None:
    web.json("/final", {"ok": 1})
    web.redirect("/a", "/final")
    web.redirect("/loop", "/loop")
    async with loopback_client(max_redirects=3) as client:
        answer = await client.get(web.url("/a"))
        assert (answer.url, answer.body) == (web.url("/final"), b'{"ok": 1}')
        with pytest.raises(OutboundError, match="more than 3 redirects"):
            await client.get(web.url("/loop"))
    assert web.hits.count("/loop") == 4


async def test_a_post_is_not_sent_on_to_where_a_redirect_points(other: WebServer) -> None:
    received: list[bytes] = []

    async def redirect_everything(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        received.append(head.split(b" ", 1)[0] + b" " + await reader.readexactly(length))
        location = other.url("/secret").encode()
        writer.write(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: %s\r\n" % location)
        writer.write(b"Content-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(redirect_everything, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with loopback_client() as client:
            answer = await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
    finally:
        server.close()
        await server.wait_closed()
    assert answer.status == 307
    assert received == [b"POST {}"]
    assert other.hits == []


async def test_an_unexpected_status_is_refused_before_its_body(web: WebServer) -> None:
    web.routes["/missing"] = Route(status=404, body=b"x" * 10_000)
    async with loopback_client() as client:
        with pytest.raises(UnexpectedStatus, match="HTTP 404") as refused:
            await client.get(web.url("/missing"), expect=(200,))
    assert refused.value.status == 404


async def test_a_huge_declared_answer_is_refused_before_its_body(web: WebServer) -> None:
    web.routes["/huge"] = Route(body=b"x" * (3 * 1024 * 1024))
    async with loopback_client(max_bytes=1024 * 1024) as client:
        with pytest.raises(TooLarge, match="larger than"):
            await client.get(web.url("/huge"))


async def test_a_huge_streamed_answer_is_cut_off_at_the_limit(web: WebServer) -> None:
    sent = []

    def endless() -> Iterator[bytes]:
        for _ in range(10_000):
            sent.append(1)
            yield b"x" * 65_536

    web.routes["/stream"] = Route(chunks=endless())
    async with loopback_client(max_bytes=1024 * 1024) as client:
        with pytest.raises(TooLarge):
            await client.get(web.url("/stream"))
    assert len(sent) < 10_000


async def test_a_slow_answer_is_given_up_after_the_time_limit(web: WebServer) -> None:
    web.routes["/slow"] = Route(body=b"{}", delay_s=5)
    started = time.monotonic()
    async with loopback_client(timeout_s=0.5) as client:
        with pytest.raises(TimedOut, match="within"):
            await client.get(web.url("/slow"))
    assert time.monotonic() - started < 2.5


async def test_https_is_verified_against_the_trusted_certificate(tmp_path: Path) -> None:
    server = WebServer(tls_dir=tmp_path)
    try:
        url = server.json("/did.json", {"id": "x"})
        async with loopback_client(ca_file=server.ca_file) as client:
            assert (await client.get(url)).status == 200
        async with loopback_client() as untrusting:
            with pytest.raises(OutboundError):
                await untrusting.get(url)
    finally:
        server.close()


async def test_a_closed_port_is_an_outbound_error_not_a_transport_exception() -> None:
    closed = WebServer()
    url = closed.url("/x")
    closed.close()
    async with loopback_client() as client:
        with pytest.raises(OutboundError):
            await client.get(url)
