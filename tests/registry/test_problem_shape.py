"""Every error item the registry answers has the kernel's one shape.

``{"in", "pointer", "field", "message", "code"}`` — whether pydantic found
the fault (a body, a query), a rule did (an unknown agency, institution or
tenant), or a bulk route found it in one of its records. The test walks a
representative answer of each kind and checks every item, exactly.
"""

from __future__ import annotations

from typing import Any

import httpx
from registry.registry_support import Registry, report

ITEM_KEYS = {"in", "pointer", "field", "message", "code"}


def items(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = answer.json()
    assert body["status"] == answer.status_code
    found: list[dict[str, Any]] = body.get("errors", [])
    return found


async def error_answers(registry: Registry) -> dict[str, httpx.Response]:
    aaa = await registry.agency("AAA")
    await registry.institution("DEQARINST0001")
    admin = registry.admin
    post = registry.http.post
    csv_rows = (
        "agency,local_identifier,activity_type,status,decision,valid_from,institution[1].deqar_id\n"
        "AAA,c1,institutional,part of obligatory EQA system,positive,2020-01-01,DEQARINST9999\n"
        "ZZZ,c2,institutional,sometimes,positive,2020-13-01,DEQARINST0001\n"
        "\xff\n"
    )
    return {
        "body fields": await post("/v1/agencies", json={"acronym": ""}, headers=admin),
        "body list item": await post(
            "/v1/agencies",
            json={"acronym": "X", "name": "X", "eqar_registrations": [{"registered_from": 1.5}]},
            headers=admin,
        ),
        "model rule": await post(
            "/v1/clients", json={"name": "x", "role": "admin", "tenant_id": aaa}, headers=admin
        ),
        "query": await registry.http.get("/v1/reports?valid_on=someday&limit=0"),
        "unknown agency and institution": await post(
            "/submissionapi/v2/submit/report",
            json=report("ZZZ", "r1", "DEQARINST9999"),
            headers=admin,
        ),
        "unknown agency tenant": await post(
            "/v1/clients", json={"name": "x", "role": "agency", "tenant_id": "nope"}, headers=admin
        ),
        "unknown institution tenant": await post(
            "/v1/clients",
            json={"name": "x", "role": "institution", "tenant_id": "nope"},
            headers=admin,
        ),
        "csv records": await post(
            "/submissionapi/v2/submit/csv",
            content=csv_rows.encode("latin-1"),
            headers={**admin, "Content-Type": "text/csv"},
        ),
        "deqar submission rule": await post(
            "/submissionapi/v2/submit/report",
            json=report("AAA", "p1", "DEQARINST0001", activity_type="programme"),
            headers=admin,
        ),
        "update of no report": await registry.http.put(
            "/submissionapi/v2/submit/report",
            json=report("AAA", "nope", "DEQARINST0001"),
            headers=admin,
        ),
        "withdrawal date": await registry.http.delete(
            "/submissionapi/v2/delete/report/x?withdrawn_on=2024-13-01", headers=admin
        ),
        "withdrawal of no report": await registry.http.delete(
            "/submissionapi/v2/delete/report/nope", headers=admin
        ),
        "not found": await registry.http.get("/v1/institutions/nope"),
        "conflict": await post("/v1/agencies", json={"acronym": "AAA", "name": "x"}, headers=admin),
        "unauthorized": await post("/v1/agencies", json={"acronym": "X", "name": "X"}),
    }


async def test_every_error_item_has_exactly_the_kernel_shape(registry: Registry) -> None:
    answers = await error_answers(registry)
    with_items = 0
    for name, answer in answers.items():
        assert 400 <= answer.status_code < 500, f"{name}: {answer.status_code} {answer.text}"
        for item in items(answer):
            assert set(item) == ITEM_KEYS, f"{name}: {item}"
            assert all(isinstance(item[k], str) for k in ITEM_KEYS), f"{name}: {item}"
            assert item["in"] in {"body", "query", "path", "header"}, f"{name}: {item}"
            assert item["pointer"].startswith("/"), f"{name}: {item}"
        with_items += bool(items(answer))
    assert with_items == 11


async def test_rule_found_faults_point_at_the_field_like_pydantics(registry: Registry) -> None:
    answers = await error_answers(registry)
    structure = items(answers["deqar submission rule"])
    assert [(e["pointer"], e["code"]) for e in structure] == [("/programmes", "missing")]
    update = items(answers["update of no report"])
    assert [(e["pointer"], e["code"]) for e in update] == [("/local_identifier", "unknown_report")]
    assert [e["in"] for e in items(answers["withdrawal date"])] == ["query"]
    unknown = items(answers["unknown agency and institution"])
    assert [(e["pointer"], e["field"], e["code"]) for e in unknown] == [
        ("/agency", "agency", "unknown_agency"),
        ("/institutions/0", "institutions.0", "unknown_institution"),
    ]
    tenant = items(answers["unknown institution tenant"])
    assert [(e["pointer"], e["code"]) for e in tenant] == [("/tenant_id", "unknown_institution")]
