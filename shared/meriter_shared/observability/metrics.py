"""Prometheus metrics shared by the kernel.

Services add their own domain metrics (issuance rate, signing time …) next
to their code; the kernel's cover HTTP, the outbox relay and consumers.
"""

from __future__ import annotations

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Counter(
    "meriter_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "meriter_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PUBLISHED = Counter(
    "meriter_outbox_published_total", "Outbox rows published to Kafka", ["service", "topic"]
)
OUTBOX_REPLAYED = Counter(
    "meriter_outbox_replayed_total",
    "Outbox rows published again because the broker lost them",
    ["service", "topic"],
)
OUTBOX_PENDING = Gauge("meriter_outbox_pending", "Outbox rows waiting to be published", ["service"])
OUTBOX_PARKED = Gauge(
    "meriter_outbox_parked", "Outbox rows parked: refused by the broker for good", ["service"]
)
EVENTS_CONSUMED = Counter(
    "meriter_events_consumed_total",
    "Events handled by consumers",
    ["consumer", "type", "outcome"],
)
CONSUMER_LAG = Gauge(
    "meriter_consumer_lag", "Messages behind the partition end", ["consumer", "topic", "partition"]
)


def install_metrics_endpoint(app: FastAPI) -> None:
    """``/metrics`` in the Prometheus text format (request metrics: ``requests.py``)."""

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
