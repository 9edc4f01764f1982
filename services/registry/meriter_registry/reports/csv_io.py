"""Reports as CSV: DEQAR-style CSV submissions in, search pages out.

Invariants:

* A CSV submission is all or nothing (:func:`submit_csv`): one transaction
  for every report in it, rolled back when any record is rejected; each row
  is recorded as a JSON submission would be (:func:`.submission.submit`).
* It is read as it streams: memory holds one record, the detailed errors
  and one small result per report, whatever the body's size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from meriter_registry import deqar
from meriter_registry.errors import error_item, under
from meriter_registry.reports import submission
from meriter_registry.reports.schemas import ReportOut, ReportSubmission
from meriter_shared.bulk import Errors, csv_rows
from meriter_shared.db.types import Connection
from meriter_shared.errors import BadRequest, ValidationProblem, field_errors

# A search page's CSV columns: a report version's fields, institution ids space-separated.
EXPORT_COLUMNS = list(ReportOut.model_fields)


def export_rows(reports: Sequence[ReportOut]) -> list[dict[str, Any]]:
    """Report versions as CSV rows (:data:`EXPORT_COLUMNS`)."""
    rows = [r.model_dump(mode="json") for r in reports]
    return [{**row, "institution_ids": " ".join(row["institution_ids"])} for row in rows]


async def submit_csv(
    conn: Connection,
    body: AsyncIterator[bytes],
    references: submission.References,
    now: datetime,
    *,
    max_records: int,
    max_record_bytes: int = 65_536,
    detailed_errors: int = 100,
) -> list[dict[str, Any]]:
    """Record a DEQAR CSV submission, all or nothing: every report, or none.

    ``body`` is read as it streams in: its header is checked as soon as its
    line is complete (a header naming no usable columns is a 400 at once),
    then :func:`meriter_shared.bulk.csv_rows` hands over one row at a time.
    Reports are written as they arrive, in one transaction; from the first
    rejected row on nothing more is written, but every later row is still
    checked (its fields, the agency and institutions it names) so the answer
    lists what to fix, and at the end the transaction rolls back: a 422
    whose ``errors`` hold the first ``detailed_errors`` items (each under its
    row's 0-based index) and whose extensions count them all. At most
    ``max_records`` rows; more are rejected. Memory holds one row, the
    detailed errors and one small result per report, whatever the body.
    """
    layout = deqar.CsvLayout()
    rows = csv_rows(
        layout.read_header(deqar.without_bom(body), max_record_bytes),
        max_record_bytes=max_record_bytes,
    )
    errors = Errors(detailed=detailed_errors)
    rejected = seen = 0
    results: list[dict[str, Any]] = []

    def reject(index: int, items: Sequence[Mapping[str, Any]]) -> None:
        nonlocal rejected
        rejected += 1
        for item in items:
            errors.add(index, str(item["message"]), item=under(index, item))

    async with conn.transaction():
        try:
            async for record in rows:
                index = record.index
                if index < 0 or (record.error is not None and not layout.header_seen):
                    raise BadRequest(f"the CSV header is not usable: {record.error}")
                seen += 1
                if record.error is not None:
                    reject(index, [error_item(message=record.error, code="malformed_record")])
                    continue
                if index >= max_records:
                    message = f"a submission holds at most {max_records} reports"
                    reject(index, [error_item(message=message, code="too_many_records")])
                    continue
                try:
                    sub = ReportSubmission.model_validate(layout.submission(record.value))
                    if errors.total:  # nothing more is written: only check what it names
                        await references.resolve(sub)
                        continue
                    out = await submission.submit(conn, sub, references, now, detailed=False)
                except ValidationError as exc:
                    reject(index, field_errors(exc))
                    continue
                except ValidationProblem as exc:
                    reject(index, exc.errors)
                    continue
                results.append({"index": index, **out.model_dump(exclude={"submitted_report"})})
        except deqar.CsvColumnError as exc:
            raise BadRequest(f"the CSV header is not usable: {exc}") from exc
        if errors.total:
            raise ValidationProblem(
                f"{rejected} of {seen} records are rejected; nothing was saved",
                errors=[e["item"] for e in errors.items],
                records=seen,
                rejected_records=rejected,
                errors_total=errors.total,
                errors_omitted=errors.omitted,
            )
    return results
