"""The OpenAPI document describes every request body and the bearer security."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from registry.test_route_guards import GUARDS

from meriter_registry.app import create_app
from meriter_registry.config import Settings
from meriter_shared.auth import Role
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


ROLES = {frozenset(): "admin", frozenset({Role.AGENCY}): "agency"}
ROLES[frozenset({Role.INSTITUTION})] = "institution"


def test_every_write_operation_names_the_role_its_guard_admits() -> None:
    doc = document()
    for method, path, op in operations(doc):
        if path == "/v1/oauth/token":
            assert "x-required-role" not in op  # client credentials, no bearer guard
            continue
        role = ROLES[GUARDS[(method.upper(), path)].roles]
        assert op.get("x-required-role") == role, f"{method.upper()} {path}"
        assert f"(role `{role}`)" in op["description"], f"{method.upper()} {path}"


# The problems each route raises itself (the kernel adds 400, 413 and 422 to
# every operation, and 401 and 403 to secured ones).
OWN_PROBLEMS: dict[tuple[str, str], set[int]] = {
    ("post", "/v1/institutions"): {409},
    ("get", "/v1/institutions"): set(),
    ("put", "/v1/institutions/{institution_id}"): {404, 409},
    ("get", "/v1/institutions/{institution_id}"): {404},
    ("post", "/v1/institutions/{institution_id}/deactivate"): {404},
    ("post", "/v1/institutions/{institution_id}/reactivate"): {404},
    ("get", "/v1/institutions/by-identifier/{resource}/{identifier}"): {404},
    ("get", "/v1/agencies"): set(),
    ("post", "/v1/agencies"): {409},
    ("put", "/v1/agencies/{agency_id}"): {404, 409},
    ("post", "/v1/institutions/{institution_id}/offerings"): {404},
    ("get", "/v1/institutions/{institution_id}/offerings"): {404},
    ("put", "/v1/institutions/{institution_id}/offerings/{offering_id}"): {404},
    ("get", "/v1/offerings"): {404},
    ("get", "/v1/institutions/{institution_id}/qa-status"): {404},
    ("get", "/v1/reports"): {404},
    ("post", "/v1/reports/{report_id}/flags"): {404},
    ("delete", "/v1/reports/{report_id}/flags/{flag_id}"): {404},
    ("post", "/submissionapi/v2/submit/report"): {400, 422},
    ("put", "/submissionapi/v2/submit/report"): {400, 422},
    ("get", "/submissionapi/v2/check/local-identifier"): {404},
    ("post", "/submissionapi/v2/submit/csv"): {400, 408, 413, 422, 503},
    ("delete", "/submissionapi/v2/delete/report/{report_id}"): {404, 409, 422},
    ("post", "/v1/oauth/token"): {400, 401, 429},
    ("get", "/.well-known/jwks.json"): set(),
    ("post", "/v1/clients"): {422},
    ("delete", "/v1/clients/{client_id}"): {404, 409},
}


def test_every_operation_lists_the_problems_its_route_raises() -> None:
    doc = document()
    found = {
        (method, path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }
    assert set(found) == set(OWN_PROBLEMS), "declare a new route's own problems here"
    for key, statuses in OWN_PROBLEMS.items():
        responses = found[key]["responses"]
        for status in statuses:
            response = responses.get(str(status))
            assert response is not None, f"{key} does not list {status}"
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, key
    token_429 = found[("post", "/v1/oauth/token")]["responses"]["429"]
    assert "Retry-After" in token_429["headers"]


def test_listings_that_export_csv_document_it_beside_json() -> None:
    paths = document()["paths"]
    for path in ("/v1/institutions", "/v1/reports"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}, path
