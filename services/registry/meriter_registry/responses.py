"""Shapes of list answers every aggregate's routes share: a page of results.

A page is ``{"results": [...], "next_cursor": id | null}`` in JSON, or CSV
with a header row and the next cursor in ``X-Next-Cursor`` (absent on the
last page). Cursors come from :func:`meriter_shared.db.query.next_cursor`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse, Response


def json_page(results: Sequence[Any], next_cursor: str | None) -> JSONResponse:
    return JSONResponse({"results": list(results), "next_cursor": next_cursor})


def csv_page(
    rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str], next_cursor: str | None
) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fieldnames))
    writer.writeheader()
    writer.writerows(rows)
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
