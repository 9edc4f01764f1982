"""SSRF: what a credential points at is fetched from public HTTPS addresses only.

Every attempt here targets loopback servers this test runs, or addresses
refused before any connection is made (10.0.0.1, 169.254.169.254 …): no
traffic leaves the machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from meriter_verifier.fetch import Fetcher, FetchRefused, address_is_public, cache_ttl
from support.webserver import Route, WebServer
from verifier.conftest import World, check

PRIVATE = [
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "192.168.1.1",
    "172.16.0.1",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - an address refused, never bound
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "not-an-address",
]


@pytest.mark.parametrize("address", PRIVATE)
def test_loopback_private_link_local_and_multicast_addresses_are_not_public(
    address: str,
) -> None:
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "193.10.0.1", "2001:4860:4860::8888"])
def test_global_addresses_are_public(address: str) -> None:
    assert address_is_public(address)  # a pure check: nothing is sent there


@pytest.fixture
def other() -> Iterator[WebServer]:
    """A second loopback server that is *not* allowed: it must never be reached."""
    server = WebServer()
    server.json("/secret", {"secret": True})
    yield server
    server.close()


def fetcher_for(*allowed: WebServer, **kw: Any) -> Fetcher:
    return Fetcher(allow_origins=[s.origin for s in allowed], **kw)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/.well-known/did.json",
        "https://10.0.0.1/.well-known/did.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://0.0.0.0/x",
        "http://93.184.215.14/x",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "https://user:pw@example.org/x",
        "https://example.org:99999/x",
    ],
)
async def test_a_url_to_a_private_address_or_not_https_is_refused_before_connecting(
    url: str,
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchRefused):
        await fetcher_for().get(url)
    assert time.monotonic() - started < 1.0


async def test_a_host_name_resolving_to_loopback_is_refused_after_resolution(
    other: WebServer,
) -> None:
    with pytest.raises(FetchRefused, match="non-public address"):
        await fetcher_for().get(f"https://localhost:{other.port}/secret")
    assert other.hits == []


async def test_a_loopback_server_not_allowed_is_never_reached(other: WebServer) -> None:
    with pytest.raises(FetchRefused):
        await fetcher_for().get(other.url("/secret"))
    assert other.hits == []


async def test_an_allowed_origin_is_fetched_with_its_cache_lifetime(web: WebServer) -> None:
    url = web.json("/doc", {"ok": True}, **{"Cache-Control": "public, max-age=60"})
    fetched = await fetcher_for(web).get(url)
    assert fetched.json() == {"ok": True}
    assert fetched.ttl_s == 60


@pytest.mark.parametrize(
    "target",
    [
        "https://10.0.0.1/did.json",
        "https://169.254.169.254/latest/meta-data/iam",
        "https://127.0.0.1/did.json",
        "http://localhost/did.json",
    ],
)
async def test_a_redirect_to_a_private_address_is_refused(web: WebServer, target: str) -> None:
    url = web.redirect("/r", target)
    with pytest.raises(FetchRefused):
        await fetcher_for(web).get(url)


async def test_a_redirect_to_a_loopback_server_not_allowed_never_reaches_it(
    web: WebServer, other: WebServer
) -> None:
    url = web.redirect("/r", other.url("/secret"))
    with pytest.raises(FetchRefused, match="is not https"):
        await fetcher_for(web).get(url)
    assert other.hits == []


async def test_redirects_within_allowed_origins_are_followed_up_to_the_limit(
    web: WebServer,
) -> None:
    web.json("/final", {"ok": 1})
    web.redirect("/a", "/final")
    assert (await fetcher_for(web).get(web.url("/a"))).json() == {"ok": 1}
    web.redirect("/loop", "/loop")
    with pytest.raises(FetchRefused, match="redirects"):
        await fetcher_for(web, max_redirects=3).get(web.url("/loop"))
    assert web.hits.count("/loop") == 4


async def test_a_huge_declared_answer_is_refused_before_its_body(web: WebServer) -> None:
    web.routes["/huge"] = Route(body=b"x" * (3 * 1024 * 1024))
    with pytest.raises(FetchRefused, match="larger than"):
        await fetcher_for(web, max_bytes=1024 * 1024).get(web.url("/huge"))


async def test_a_huge_streamed_answer_is_cut_off_at_the_limit(web: WebServer) -> None:
    sent = []

    def endless() -> Iterator[bytes]:
        for _ in range(10_000):
            sent.append(1)
            yield b"x" * 65_536

    web.routes["/stream"] = Route(chunks=endless())
    with pytest.raises(FetchRefused, match="larger than"):
        await fetcher_for(web, max_bytes=1024 * 1024).get(web.url("/stream"))
    assert len(sent) < 10_000


async def test_a_slow_answer_is_given_up_after_the_time_limit(web: WebServer) -> None:
    web.routes["/slow"] = Route(body=b"{}", delay_s=5)
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="within"):
        await fetcher_for(web, timeout_s=0.5).get(web.url("/slow"))
    assert time.monotonic() - started < 2.5


async def test_https_with_a_trusted_certificate_is_fetched(tls_web: WebServer) -> None:
    url = tls_web.json("/did.json", {"id": "x"})
    fetched = await fetcher_for(tls_web, ca_file=tls_web.ca_file).get(url)
    assert fetched.json() == {"id": "x"}
    with pytest.raises(FetchRefused):  # the same server, its certificate not trusted
        await fetcher_for(tls_web).get(url)


@pytest.mark.parametrize(
    ("header", "ttl"),
    [
        (None, 300.0),
        ("max-age=60", 60.0),
        ("public, max-age=99999", 3600.0),
        ("no-store", 0.0),
        ("no-cache, max-age=60", 0.0),
        ("max-age=abc", 0.0),
        ("s-maxage=10, max-age=60", 10.0),
    ],
)
def test_cache_lifetimes_follow_cache_control(header: str | None, ttl: float) -> None:
    assert cache_ttl(header, default_s=300, max_s=3600) == ttl


async def test_a_credential_whose_status_list_points_at_metadata_fails_without_a_request(
    world: World,
) -> None:
    issuer = await world.institution()
    document = world.credential(issuer)
    document["credentialStatus"]["statusListCredential"] = "https://169.254.169.254/list"
    answer = await world.verify({"credential": world.sign(document, issuer.key)})
    status = check(answer, "status")
    assert status["status"] == "fail"
    assert "non-public address" in status["message"]


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "localhost"])
async def test_a_did_web_pointing_at_a_private_address_does_not_resolve(
    world: World, host: str
) -> None:
    from meriter_credentials.keys import Ed25519KeyPair

    did = f"did:web:{host}"
    key = Ed25519KeyPair.from_seed(bytes(32), did_web=did)
    document = world.credential(await world.institution())
    document["issuer"]["id"] = did
    del document["credentialStatus"]
    answer = await world.verify({"credential": world.sign(document, key)})
    assert answer["verdict"] == "not_verified"
    issuer = check(answer, "issuer")
    assert issuer["status"] == "fail"
    assert "non-public address" in issuer["message"]
