"""The OpenAPI document tells the truth about errors.

Every service answers errors as RFC 9457 ``application/problem+json``; FastAPI
would document its own ``HTTPValidationError`` shape instead. ``install_openapi``
rewrites the generated document once:

* a ``Problem`` schema (with its ``errors`` items) in the components;
* on every operation, the problems the kernel itself may answer: 400 and 413
  (input hygiene), 422 (validation) — and, on an operation with a security
  requirement, 401 and 403;
* FastAPI's 422 shape replaced by ``Problem``; an error answer is documented
  as ``Problem`` (and, where a route declares one, a page for browsers).

Problems a route raises itself (404, 409, 429 …) it declares with
``responses=problems(404, 409)``, so each operation lists what it can answer.
Models a route reads by hand (its ``openapi_extra`` body refers to them) are
listed in ``app.state.openapi_models`` and put in the components.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from meriter_shared.errors import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "trace_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "in": {"type": "string"},
                    "pointer": {"type": "string"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
ALWAYS = (400, 413, 422)
SECURED = (401, 403)


def problem_response(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the problems it raises itself."""
    return {status: problem_response(status) for status in statuses}


def rewrite(document: dict[str, Any]) -> dict[str, Any]:
    """Problems in place of FastAPI's error shapes, on every operation."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = ALWAYS + (SECURED if operation.get("security") else ())
            for status in codes:
                responses[str(status)] = problem_response(status)
            for status, response in list(responses.items()):
                if status[:1] in "45":
                    # FastAPI's application/json guess goes; a page a route
                    # declares for browsers (text/html) stays beside the problem.
                    content = response.get("content", {})
                    content.pop("application/json", None)
                    response["content"] = {**content, PROBLEM_JSON: {"schema": PROBLEM_REF}}
    return document


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            models: tuple[type[BaseModel], ...] = getattr(app.state, "openapi_models", ())
            if models:
                _, defs = models_json_schema(
                    [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
                )
                known = document.setdefault("components", {}).setdefault("schemas", {})
                for name, schema in defs.get("$defs", {}).items():
                    known.setdefault(name, schema)
            app.openapi_schema = rewrite(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
