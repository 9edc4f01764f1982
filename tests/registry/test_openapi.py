"""The OpenAPI document describes every request body and the bearer security."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from meriter_registry.app import create_app
from meriter_registry.config import Settings
from meriter_shared.secrets import new_master_key_text

WRITES = ("post", "put", "patch", "delete")


def document() -> dict[str, Any]:
    return create_app(Settings(master_key=SecretStr(new_master_key_text()))).openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in WRITES
    ]


def test_every_write_with_a_body_describes_it_and_deletes_take_none() -> None:
    doc = document()
    missing = [
        f"{m.upper()} {p}"
        for m, p, op in operations(doc)
        if m != "delete" and not op.get("requestBody", {}).get("content")
    ]
    with_body = [
        f"DELETE {p}" for m, p, op in operations(doc) if m == "delete" and "requestBody" in op
    ]
    assert missing == []
    assert with_body == []


def test_the_hand_read_bodies_name_their_media_types_and_schemas() -> None:
    paths = document()["paths"]

    def content(path: str) -> dict[str, Any]:
        body: dict[str, Any] = paths[path]["post"]["requestBody"]["content"]
        return body

    token = content("/v1/oauth/token")["application/x-www-form-urlencoded"]["schema"]
    assert token["properties"]["grant_type"]["enum"] == ["client_credentials"]
    submission = content("/submissionapi/v2/submit/report")["application/json"]["schema"]
    assert submission == {"$ref": "#/components/schemas/ReportSubmission"}
    assert content("/submissionapi/v2/submit/csv")["text/csv"]["schema"] == {"type": "string"}


def test_every_reference_in_the_document_resolves() -> None:
    doc = document()
    schemas = doc["components"]["schemas"]
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    prefix = "#/components/schemas/"
    assert all(r.startswith(prefix) for r in refs)
    assert sorted({r.removeprefix(prefix) for r in refs} - set(schemas)) == []
    assert {"ReportSubmission", "InstitutionRef", "ReportFile"} <= set(schemas)


def test_guarded_writes_declare_the_bearer_scheme() -> None:
    doc = document()
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    unsecured = [
        f"{m.upper()} {p}"
        for m, p, op in operations(doc)
        if p != "/v1/oauth/token" and {"HTTPBearer": []} not in op.get("security", [])
    ]
    assert unsecured == []
