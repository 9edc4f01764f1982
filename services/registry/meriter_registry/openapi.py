"""What the OpenAPI document says beyond FastAPI's own: hand-read bodies, who may write.

Every write route declares the role its guard admits with
``openapi_extra=requires(role)``: the operation carries ``x-required-role``
(``admin``, ``agency`` or ``institution``; the admin passes every guard) and
its description says so in words (``add_schemas`` writes that line).
``tests/registry/test_openapi.py`` holds the declarations to the guards.

Request bodies a route reads by hand, declared so the OpenAPI document shows them.

Three routes parse their own body, on purpose: the token endpoint (a form;
python-multipart, which FastAPI's ``Form`` needs, is not a dependency), the
DEQAR JSON submission (so text that is not JSON stays a 400 and an invalid
report keeps its own problem, after the guard has run) and its CSV twin (one
answer per row). ``json_body``/``form_body``/``text_body`` give such a
route's ``openapi_extra``; ``add_schemas`` puts the models a ``json_body``
refers to into the document's components, where the reference points.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF = "#/components/schemas/{model}"
REQUIRED_ROLE = "x-required-role"
_WHO = {
    "admin": "the national body's admin token",
    "agency": "an agency token (for its own records) or the admin's",
    "institution": "an institution token (for its own records) or the admin's",
}


def requires(role: str, *parts: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for a write route whose guard admits ``role`` (and the admin),
    merged with the route's other ``openapi_extra`` ``parts`` (a body, a body limit)."""
    if role not in _WHO:
        raise ValueError(f"no such role {role}")
    merged: dict[str, Any] = {REQUIRED_ROLE: role}
    for part in parts:
        merged.update(part)
    return merged


def json_body(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    schema = {"$ref": REF.format(model=model.__name__)}
    return _body("application/json", schema, description)


def form_body(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return _body("application/x-www-form-urlencoded", schema, description)


def text_body(media_type: str, description: str = "") -> dict[str, Any]:
    return _body(media_type, {"type": "string"}, description)


def _body(media_type: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    body: dict[str, Any] = {"required": True, "content": {media_type: {"schema": schema}}}
    if description:
        body["description"] = description
    return {"requestBody": body}


def _say_who(document: dict[str, Any]) -> None:
    """Each operation's required role, in its description too."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            role = operation.get(REQUIRED_ROLE) if isinstance(operation, dict) else None
            if role is None:
                continue
            line = f"Requires {_WHO[role]} (role `{role}`)."
            described = operation.get("description", "").rstrip()
            operation["description"] = f"{described}\n\n{line}" if described else line


def add_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add ``models`` (and the models they use) to ``app``'s OpenAPI components,
    and write each write operation's required role into its description."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = generate()
        if first:
            _, defs = models_json_schema([(m, "validation") for m in models], ref_template=REF)
            known = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in defs.get("$defs", {}).items():
                known.setdefault(name, schema)
            _say_who(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
