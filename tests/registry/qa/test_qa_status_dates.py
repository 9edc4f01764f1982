"""Dates and instants in registry queries and bodies are ISO 8601, or a 422 naming
the field: a date ``YYYY-MM-DD``, an instant with its offset. Nothing else is
read as a date — not a number of seconds since 1970 (``on=0``), not another
calendar's order, not an ISO week date (which the cached path must refuse as
the route does)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from registry.registry_support import Registry

from meriter_registry.fields import iso_date
from meriter_registry.qa.index import QaIndex

QA = "/v1/institutions/DEQARINST0001/qa-status"


def problem_fields(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["in"], e["field"]) for e in body["errors"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("on=0", "on"),
        ("on=2026-13-01", "on"),
        ("on=01/12/2026", "on"),
        ("on=2026-W01-1", "on"),  # an ISO week date: 10 characters, like YYYY-MM-DD
        ("on=20260101", "on"),
        ("on=2026-01-01T00:00:00Z", "on"),
        ("as_of=0", "as_of"),
        ("as_of=1700000000", "as_of"),
        ("as_of=2026-01-01", "as_of"),
    ],
)
async def test_a_qa_status_date_or_instant_not_written_in_iso_8601_is_a_422_naming_it(
    registry: Registry, query: str, field: str
) -> None:
    await registry.institution("DEQARINST0001")
    index: QaIndex = registry.app.state.registry.qa_index
    assert await index.wait_ready()  # the path answered before routing is ready too
    r = await registry.http.get(f"{QA}?{query}")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem_fields(r.json()) == [("query", field)]


async def test_a_qa_status_date_written_yyyy_mm_dd_is_answered(registry: Registry) -> None:
    await registry.institution("DEQARINST0001")
    r = await registry.http.get(QA, params={"on": "2026-01-31"})
    assert r.status_code == 200, r.text
    assert r.json()["on"] == "2026-01-31"


@pytest.mark.parametrize("query", ["valid_on=0", "valid_on=2026-13-01", "valid_on=01/12/2026"])
async def test_a_report_search_date_not_written_yyyy_mm_dd_is_a_422_naming_it(
    registry: Registry, query: str
) -> None:
    r = await registry.http.get(f"/v1/reports?{query}")
    assert r.status_code == 422, r.text
    assert problem_fields(r.json()) == [("query", "valid_on")]


@pytest.mark.parametrize("written", [0, "0", "01/01/2020", "2020-01-01T00:00:00Z"])
async def test_a_body_date_not_written_yyyy_mm_dd_is_a_422_naming_it(
    registry: Registry, written: Any
) -> None:
    r = await registry.http.post(
        "/v1/agencies",
        json={
            "acronym": "NEW",
            "name": "New",
            "eqar_registrations": [{"registered_from": written}],
        },
        headers=registry.admin,
    )
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == ["/eqar_registrations/0/registered_from"]


def test_iso_date_reads_only_yyyy_mm_dd() -> None:
    assert iso_date("2024-02-29") == date(2024, 2, 29)
    assert iso_date(b"2024-02-29") == date(2024, 2, 29)
    for text in (
        "0",
        "2023-02-29",
        "2026-13-01",
        "2026-W01-1",
        "20260101",
        "2026-1-01",
        "٢٠٢٦-٠١-٠١",
    ):
        assert iso_date(text) is None, text
