"""``/docs`` and ``/redoc`` work without internet: every service built by the kernel's
app factory serves the pages and every asset they load itself (meriter_shared.docs).

The test runs with every outbound connection and name lookup refused, so a page
or asset that needed the network could not pass."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI

from meriter_shared.http import create_service_app
from meriter_shared.runtime import Runtime
from meriter_shared.settings import ServiceSettings


class _Refs(HTMLParser):
    """Every ``src`` and ``href`` a page names, and ReDoc's ``spec-url``."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value is not None:
                self.refs.append(value)


def refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No connection leaves the process and no name is resolved."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def service_app() -> FastAPI:
    settings = ServiceSettings(service_name="docs-test")
    return create_service_app(settings, Runtime(settings, migrations=()), title="Docs test")


@pytest.fixture
async def client(offline: None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        yield http


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_names_only_assets_of_the_service_itself(
    client: httpx.AsyncClient, page: str
) -> None:
    r = await client.get(page)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    found = refs(r.text)
    assert found, "the page loads nothing"
    assert "://" not in r.text, "the page names another host"
    for ref in found:
        assert ref.startswith("/"), ref
        assert not ref.startswith("//"), ref


@pytest.mark.parametrize(
    ("page", "kinds"),
    [
        ("/docs", {"text/javascript", "text/css", "image/png"}),
        ("/redoc", {"text/javascript", "image/png"}),
    ],
)
async def test_every_asset_a_docs_page_names_is_served_with_its_type(
    client: httpx.AsyncClient, page: str, kinds: set[str]
) -> None:
    html = (await client.get(page)).text
    served: set[str] = set()
    for ref in refs(html):
        if ref == "/openapi.json":
            continue
        r = await client.get(ref)
        assert r.status_code == 200, ref
        assert len(r.content) > 1000, ref
        served.add(r.headers["content-type"].split(";")[0])
    assert served == kinds


async def test_the_docs_pages_load_the_services_own_openapi_document(
    client: httpx.AsyncClient,
) -> None:
    swagger = (await client.get("/docs")).text
    redoc = (await client.get("/redoc")).text
    assert "url: '/openapi.json'" in swagger
    assert "/openapi.json" in refs(redoc)
    document = await client.get("/openapi.json")
    assert (document.status_code, document.json()["info"]["title"]) == (200, "Docs test")


async def test_the_swagger_validator_badge_which_calls_out_is_off(
    client: httpx.AsyncClient,
) -> None:
    assert '"validatorUrl": null' in (await client.get("/docs")).text


async def test_behind_a_path_prefix_the_pages_name_their_assets_under_it(offline: None) -> None:
    transport = httpx.ASGITransport(app=service_app(), root_path="/registry")
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as http:
        html = (await http.get("/docs")).text
    assert all(ref.startswith("/registry/") for ref in refs(html)), refs(html)
