"""Request bodies a route reads by hand, declared so the OpenAPI document shows them.

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


def add_schemas(app: FastAPI, *models: type[BaseModel]) -> None:
    """Add ``models`` (and the models they use) to ``app``'s OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        document = generate()
        if first:
            _, defs = models_json_schema([(m, "validation") for m in models], ref_template=REF)
            known = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in defs.get("$defs", {}).items():
                known.setdefault(name, schema)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
