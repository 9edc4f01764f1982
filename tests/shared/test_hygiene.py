"""Input hygiene: what no client may send through to a route, answered with a problem."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from meriter_shared.errors import install_problem_handlers
from meriter_shared.hygiene import (
    MAX_JSON_DEPTH,
    GuardInput,
    body_limit,
    nests_deeper_than,
    text_problem,
)


class Note(BaseModel):
    text: Any


def app() -> FastAPI:
    application = FastAPI()
    install_problem_handlers(application)

    @application.post("/notes")
    async def notes(note: Note) -> dict[str, Any]:
        return {"text": note.text}

    @application.get("/search")
    async def search(q: str = "") -> dict[str, str]:
        return {"q": q}

    @application.get("/items/{item}")
    async def item(item: str) -> dict[str, str]:
        return {"item": item}

    @application.post("/small", openapi_extra=body_limit(64))
    async def small(note: Note) -> dict[str, Any]:
        return {"text": note.text}

    @application.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    included = APIRouter(prefix="/bulk")

    @included.post("/big", openapi_extra=body_limit(16_384))
    async def big(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    application.include_router(included)
    application.add_middleware(GuardInput, max_body_bytes=4096)
    return application


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers["content-type"] == "application/problem+json"
        and response.json()["status"] == status
    )


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"text": "a\\u0000b"}', "NUL"),
        (b'{"text": "a\\u0000"}', "NUL"),
        (b'{"text": "\\ud800"}', "surrogate"),
        (b'{"text": "x\\udc00y"}', "surrogate"),
        (b'{"text": "\\ud800\\u0041"}', "surrogate"),
        (b'{"text": "\xff\xfe"}', "UTF-8"),
        (b'{"text": "\xed\xa0\x80"}', "UTF-8"),
    ],
)
async def test_json_strings_postgres_cannot_store_are_refused(
    client: httpx.AsyncClient, body: bytes, reason: str
) -> None:
    response = await client.post("/notes", content=body, headers=JSON)
    assert is_problem(response, 400)
    assert reason in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "smile \\ud83d\\ude00"}',
        b'{"text": "a literal \\\\u0000, not a NUL"}',
        '{"text": "Åsa Öberg"}'.encode(),
    ],
)
async def test_json_that_is_fine_passes(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/notes", content=body, headers=JSON)
    assert response.status_code == 200, response.text


async def test_json_nested_too_deep_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    deep = b'{"text": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = await client.post("/notes", content=deep, headers=JSON)
    assert is_problem(response, 400)
    assert "deeper" in response.json()["detail"]


async def test_json_nested_within_the_limit_passes(client: httpx.AsyncClient) -> None:
    depth = MAX_JSON_DEPTH - 2
    body = b'{"text": ' + b"[" * depth + b"]" * depth + b', "x": "[[[[[[[[[[[[[["}'
    response = await client.post("/notes", content=body, headers=JSON)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "url", ["/search?q=a%00b", "/search?q=%ff%fe", "/items/a%00b", "/items/%c3%28"]
)
async def test_paths_and_queries_postgres_cannot_store_are_refused(
    client: httpx.AsyncClient, url: str
) -> None:
    assert is_problem(await client.get(url), 400)


async def test_a_body_declared_over_the_route_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/small", content=b'{"text": "' + b"x" * 100 + b'"}', headers=JSON)
    assert is_problem(response, 413)
    assert "64 bytes" in response.json()["detail"]


async def test_a_streamed_body_is_refused_once_it_passes_the_limit(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1000

    response = await client.post("/upload", content=chunks())
    assert is_problem(response, 413)


async def test_a_streamed_body_within_the_limit_reaches_the_route(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 1000

    response = await client.post("/upload", content=chunks())
    assert response.json() == {"size": 3000}


async def test_form_bodies_with_a_nul_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/notes",
        content=b"text=a%00b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert is_problem(response, 400)


async def test_a_route_of_an_included_router_has_its_own_limit(client: httpx.AsyncClient) -> None:
    within = await client.post("/bulk/big", content=b"x" * 10_000)
    over = await client.post("/bulk/big", content=b"x" * 20_000)
    assert within.json() == {"size": 10_000}
    assert is_problem(over, 413)


# --- the fast checks agree with what a JSON parser reads ----------------------------

_ALPHABET = st.sampled_from(["a", "\\", "u", "0", '"', "\x00", "\ud800", "\udc00", "😀", "Å"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=12).map("".join), st.booleans())
def test_nul_and_lone_surrogates_are_found_exactly_when_json_decodes_them(
    text: str, ascii_only: bool
) -> None:
    body = json.dumps({"t": text}, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    decoded = json.loads(body.decode("utf-8", "surrogatepass"))["t"]
    harmful = any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in decoded)
    if not ascii_only and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert text_problem(body, "JSON body") is not None  # raw surrogates: not UTF-8
    else:
        assert (text_problem(body, "JSON body") is not None) is harmful


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


_JSON_VALUES = st.recursive(
    st.none() | st.text(alphabet='[]{}"\\a', max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES, st.integers(min_value=0, max_value=8))
def test_nesting_is_judged_as_a_json_parser_counts_it(value: object, limit: int) -> None:
    body = json.dumps(value).encode()
    assert nests_deeper_than(body, limit) is (_depth(value) > limit)
