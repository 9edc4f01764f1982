"""Every CSV the registry serves is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from registry.registry_support import Registry

from meriter_registry.responses import csv_page, spreadsheet_safe

FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_starts_with_a_quote(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Uppsala", "'quoted", "a=b", "", 42])
def test_other_cells_are_written_as_they_are(cell: object) -> None:
    assert spreadsheet_safe(cell) == str(cell)


def test_csv_pages_neutralise_every_cell_and_keep_none_empty() -> None:
    page = csv_page([{"a": "=1+1", "b": None}], ["a", "b"], None)
    assert list(csv.reader(io.StringIO(bytes(page.body).decode()))) == [["a", "b"], ["'=1+1", ""]]


async def test_institution_and_report_exports_neutralise_formulas(registry: Registry) -> None:
    r = await registry.http.post(
        "/v1/agencies", json={"acronym": "=AAA", "name": "x"}, headers=registry.admin
    )
    assert r.status_code == 201, r.text
    agency = r.json()["id"]
    iid = await registry.institution(
        "DEQARINST0001", name_official=FORMULAS[0], name_english="@x", city="-1"
    )
    await registry.submitted_report(agency, "=AAA", "+cmd|' /C calc'!A0", "DEQARINST0001")
    institutions = await registry.http.get("/v1/institutions", params={"format": "csv"})
    (row,) = csv.DictReader(io.StringIO(institutions.text))
    assert (row["id"], row["name_official"], row["name_english"], row["city"]) == (
        iid,
        "'" + FORMULAS[0],
        "'@x",
        "'-1",
    )
    reports = await registry.http.get("/v1/reports", params={"format": "csv"})
    (report_row,) = csv.DictReader(io.StringIO(reports.text))
    assert report_row["local_identifier"] == "'+cmd|' /C calc'!A0"
