"""HTTP request metrics for Prometheus, as plain ASGI.

The server span of each request is FastAPI's own (its native OpenTelemetry
support, configured in ``meriter_shared.http``): it continues the caller's
``traceparent`` and is named after the route template. This middleware only
counts and times requests by route template and status; it wraps ``send`` to
learn the status instead of using ``@app.middleware("http")``, whose extra
tasks and streams cost more than a hot read path's handler.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meriter_shared.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS


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

        method: str = scope["method"]
        try:
            await self.app(scope, receive, send_observed)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, path).observe(time.perf_counter() - start)
