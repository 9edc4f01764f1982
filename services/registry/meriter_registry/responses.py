"""Shapes of list answers every aggregate's routes share: a page of results.

A page is ``{"results": [...], "next_cursor": id | null}`` in JSON, or CSV
with a header row and the next cursor in ``X-Next-Cursor`` (absent on the
last page). Cursors come from :func:`meriter_shared.db.query.next_cursor`.

Every CSV the registry serves is opened in spreadsheets: a cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read as
a formula (CSV injection), so such a cell is written with a ``'`` before it
(OWASP's advice) — the header row included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse, Response


def json_page(results: Sequence[Any], next_cursor: str | None) -> JSONResponse:
    return JSONResponse({"results": list(results), "next_cursor": next_cursor})


# ``responses=`` of a listing that also answers ``format=csv``: the page as CSV
# beside the JSON the response model documents.
CSV_PAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page: JSON, or CSV with ``format=csv`` (next cursor in X-Next-Cursor)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet reads as a formula."""
    if value is None:
        return None
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_page(
    rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str], next_cursor: str | None
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(name) for name in fieldnames])
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(name)) for name in fieldnames])
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
