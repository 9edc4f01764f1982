"""One server span and the HTTP metrics for every request, as plain ASGI.

Starlette's ``@app.middleware("http")`` wraps each request in extra tasks and
memory streams; on a hot read path (the registry's qa-status) that costs more
than the handler. This middleware only wraps ``send`` to learn the status.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meriter_shared.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS
from meriter_shared.observability.tracing import extract_context

_tracer = trace.get_tracer(__name__)
_PROPAGATED = frozenset({b"traceparent", b"tracestate", b"baggage"})


class ObserveRequests:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless the app answers: an exception escaping is a 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        carrier = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k in _PROPAGATED
        }
        method: str = scope["method"]
        try:
            with _tracer.start_as_current_span(
                f"{method} {scope['path']}",
                context=extract_context(carrier) if carrier else None,
                kind=trace.SpanKind.SERVER,
            ) as span:
                await self.app(scope, receive, send_observed)
                span.set_attribute("http.response.status_code", status)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, path).observe(time.perf_counter() - start)
