"""OpenTelemetry tracing.

Traces flow HTTP → outbox → Kafka → consumer: the W3C ``traceparent`` is
stored with each outbox row and carried in Kafka headers, so a consumer's
span continues the trace of the request that caused the event. Export is
OTLP/HTTP when an endpoint is configured. Spans are recorded only once a
span processor reads them (``add_span_processor``: the exporter, or a
test's); until then they still carry trace ids (in logs, problem responses
and the ``traceparent`` passed on) but record nothing, which costs a hot
request path less.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
)

_configured = False


def setup_tracing(service_name: str, otlp_endpoint: str | None) -> None:
    global _configured
    if _configured:
        return
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}), sampler=_SAMPLER
    )
    trace.set_tracer_provider(provider)
    _configured = True
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))


def add_span_processor(processor: SpanProcessor) -> None:
    """Send the spans to ``processor`` (after ``setup_tracing``); from now on they are recorded."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "setup_tracing first"
    provider.add_span_processor(processor)
    _SAMPLER.recording = True


class _RecordWhenRead(Sampler):
    """``ParentBased(ALWAYS_ON)`` once a span processor is added, ``ALWAYS_OFF`` before."""

    def __init__(self) -> None:
        self.recording = False
        self._on = ParentBased(ALWAYS_ON)

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return (self._on if self.recording else ALWAYS_OFF).should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return "RecordWhenRead"


_SAMPLER = _RecordWhenRead()


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def inject_headers() -> dict[str, str]:
    """The current trace context as text headers (``traceparent``, ``tracestate``)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str]) -> otel_context.Context:
    return propagate.extract(dict(headers))
