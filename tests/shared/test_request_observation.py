"""Every request gets a server span continuing the caller's trace, and HTTP metrics."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from meriter_shared.errors import NotFound, install_problem_handlers
from meriter_shared.http import TELEMETRY, ServiceApp
from meriter_shared.observability.metrics import HTTP_REQUESTS
from meriter_shared.observability.tracing import setup_tracing

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def build_app() -> FastAPI:
    setup_tracing("observation-test", None)
    app = ServiceApp(telemetry=TELEMETRY)
    app.observed_service = "observation-test"
    install_problem_handlers(app)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        if thing_id == "missing":
            raise NotFound("no such thing")
        if thing_id == "broken":
            raise RuntimeError("a bug")
        return {"id": thing_id}

    return app


def requests_counted(route: str, status: str) -> float:
    value = HTTP_REQUESTS.labels("observation-test", "GET", route, status)._value.get()
    return float(value)


async def test_a_problem_carries_the_trace_id_the_caller_started() -> None:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(
            "/things/missing",
            headers={"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"},
        )
    assert response.status_code == 404
    assert response.json()["trace_id"] == CALLER_TRACE


async def test_even_an_unexpected_error_answers_with_the_callers_trace_id() -> None:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(
            "/things/broken",
            headers={"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"},
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["trace_id"] == CALLER_TRACE


async def test_each_request_is_a_server_span_named_by_its_route_in_the_callers_trace() -> None:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, StatusCode

    from meriter_shared.observability.tracing import add_span_processor

    app = build_app()
    spans = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(spans))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        parent = {"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"}
        # a path may hold a secret (a claim link's token): spans never record it
        assert (await client.get("/things/tok-secret", headers=parent)).status_code == 200
        assert (await client.get("/things/broken")).status_code == 500
        assert (await client.get("/nowhere")).status_code == 404
    finished = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    ok, broken, unmatched = finished[-3:]
    assert ok.name == "GET /things/{thing_id}"
    assert format(ok.context.trace_id, "032x") == CALLER_TRACE
    assert ok.parent is not None
    assert format(ok.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert ok.attributes is not None
    assert ok.attributes["http.response.status_code"] == 200
    assert not any("tok-secret" in str(v) for v in ok.attributes.values())
    assert broken.status.status_code == StatusCode.ERROR
    assert [e.name for e in broken.events] == ["exception"]
    assert format(broken.context.trace_id, "032x") != CALLER_TRACE
    assert unmatched.name == "GET"
    assert unmatched.attributes is not None
    assert unmatched.attributes["http.response.status_code"] == 404


async def test_requests_are_counted_by_route_template_and_status() -> None:
    before_ok = requests_counted("/things/{thing_id}", "200")
    before_missing = requests_counted("/things/{thing_id}", "404")
    before_unmatched = requests_counted("unmatched", "404")
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/things/a")).status_code == 200
        assert (await client.get("/things/b")).status_code == 200
        assert (await client.get("/things/missing")).status_code == 404
        assert (await client.get("/nowhere")).status_code == 404
    assert requests_counted("/things/{thing_id}", "200") == before_ok + 2
    assert requests_counted("/things/{thing_id}", "404") == before_missing + 1
    assert requests_counted("unmatched", "404") == before_unmatched + 1
