"""RFC 9457 problem details: one error hierarchy for every service.

Raise a ``Problem`` subclass anywhere below an endpoint; the handlers
installed by ``install_problem_handlers`` turn it — and FastAPI's own
validation errors — into ``application/problem+json`` carrying the trace id.
Validation problems list every field at fault, never just the first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from meriter_shared.observability.tracing import current_trace_id

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://meriter.example/problems/"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error the client is told about, as RFC 9457 problem details."""

    status: int = 500
    title: str = "Internal Server Error"
    slug: str = "internal"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
        self.extensions = extensions

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        trace_id = current_trace_id()
        if trace_id:
            body["trace_id"] = trace_id
        return body


class BadRequest(Problem):
    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(Problem):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    status, title, slug = 404, "Not Found", "not-found"


class RequestTimeout(Problem):
    """The body stopped arriving: a streamed upload waited on for too long."""

    status, title, slug = 408, "Request Timeout", "request-timeout"


class Conflict(Problem):
    status, title, slug = 409, "Conflict", "conflict"


class Gone(Problem):
    """The thing existed and is no more (an expired or used claim, an erased record)."""

    status, title, slug = 410, "Gone", "gone"


class PayloadTooLarge(Problem):
    status, title, slug = 413, "Content Too Large", "too-large"


class UnsupportedMediaType(Problem):
    """The request body's ``Content-Type`` is not one the route takes."""

    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class ValidationProblem(Problem):
    status, title, slug = 422, "Validation Failed", "validation"


class TooManyRequests(Problem):
    status, title, slug = 429, "Too Many Requests", "rate-limited"


class ServiceUnavailable(Problem):
    status, title, slug = 503, "Service Unavailable", "unavailable"


def field_errors(exc: ValidationError | RequestValidationError) -> list[dict[str, Any]]:
    """Every field at fault, as ``{"pointer", "field", "message", "code"}``.

    ``pointer`` is a JSON Pointer into the request (RFC 6901), so clients can
    mark the field; the offending input value is left out on purpose: it may
    be personal data.
    """
    out: list[dict[str, Any]] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header"}:
            where, rest = loc[0], loc[1:]
        else:
            where, rest = "body", loc
        out.append(
            {
                "in": where,
                "pointer": "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in rest),
                "field": ".".join(rest),
                "message": err.get("msg", "invalid"),
                "code": err.get("type", "invalid"),
            }
        )
    return out


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        problem = ValidationProblem(
            "The request has invalid fields; see errors.", errors=field_errors(exc)
        )
        return problem_response(problem, request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = Problem(str(exc.detail) if exc.detail else None, headers=exc.headers)
        problem.status = exc.status_code
        problem.title = _reason(exc.status_code)
        problem.slug = f"http-{exc.status_code}"
        return problem_response(problem, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(Problem("An unexpected error occurred."), request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
