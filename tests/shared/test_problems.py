"""RFC 9457 problem details from the shared error hierarchy."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, Field

from meriter_shared.errors import Forbidden, NotFound, Unauthorized, install_problem_handlers


class Body(BaseModel):
    name: str = Field(min_length=1)
    ects: float = Field(ge=0)


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/things/{thing_id}")
    async def read(thing_id: str) -> dict[str, str]:
        raise NotFound(f"no thing {thing_id}")

    @app.get("/secret")
    async def secret() -> None:
        raise Unauthorized("a bearer token is required")

    @app.get("/theirs")
    async def theirs() -> None:
        raise Forbidden("that belongs to another institution")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def call(method: str, path: str, **kw: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kw)  # type: ignore[arg-type]


async def test_validation_problem_lists_every_field_at_fault() -> None:
    response = await call("POST", "/things", json={"name": "", "ects": -1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/validation")
    assert {e["pointer"] for e in problem["errors"]} == {"/name", "/ects"}


async def test_validation_problem_does_not_echo_the_submitted_values() -> None:
    response = await call("POST", "/things", json={"name": "", "ects": "personal-123"})
    assert "personal-123" not in response.text


async def test_not_found_is_a_problem_with_detail_and_instance() -> None:
    response = await call("GET", "/things/42")
    assert response.status_code == 404
    assert response.json()["detail"] == "no thing 42"
    assert response.json()["instance"] == "/things/42"


async def test_unauthorized_asks_for_a_bearer_token() -> None:
    response = await call("GET", "/secret")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_forbidden_is_403() -> None:
    assert (await call("GET", "/theirs")).status_code == 403


async def test_unexpected_errors_are_500_problems_without_internals() -> None:
    response = await call("GET", "/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text


async def test_unknown_route_is_a_problem_too() -> None:
    response = await call("GET", "/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
