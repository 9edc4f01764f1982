"""Streaming NDJSON and CSV: every record reported, bad ones skipped, memory bounded."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator, Iterable

from meriter_shared.bulk import Errors, Record, csv_rows, ndjson_records


async def chunked(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(records: AsyncIterator[Record]) -> list[Record]:
    return [r async for r in records]


async def test_ndjson_records_come_one_per_line_whatever_the_chunking() -> None:
    body = b'{"a": 1}\n\n{"a": 2}\r\n[3]'
    records = await collect(ndjson_records(chunked(body)))
    assert [(r.index, r.value) for r in records] == [(0, {"a": 1}), (1, {"a": 2}), (2, [3])]


async def test_bad_ndjson_records_are_reported_and_the_rest_still_parse() -> None:
    body = b'{"a": 1}\nnot json\n{"a": "\\u0000"}\n' + b"[" * 100 + b"\n" + b'{"a": 5}\n'
    records = await collect(ndjson_records(chunked(body)))
    assert [r.index for r in records] == [0, 1, 2, 3, 4]
    assert "not JSON" in str(records[1].error)
    assert "NUL" in str(records[2].error)
    assert "deeper" in str(records[3].error)
    assert records[4].value == {"a": 5}


async def test_an_over_long_ndjson_record_is_skipped_without_being_kept() -> None:
    body = b'{"a": 1}\n{"pad": "' + b"x" * 10_000 + b'"}\n{"a": 3}\n'
    records = await collect(ndjson_records(chunked(body, 100), max_record_bytes=1000))
    assert records[0].value == {"a": 1}
    assert "over 1000 bytes" in str(records[1].error)
    assert records[2].value == {"a": 3}


async def test_csv_rows_map_header_to_cells_with_quoted_line_breaks() -> None:
    body = 'name,note\r\nÅsa,"two\nlines"\r\n"Bo ""B""",plain\r\n'.encode()
    records = await collect(csv_rows(chunked(body, 3)))
    assert [r.value for r in records] == [
        {"name": "Åsa", "note": "two\nlines"},
        {"name": 'Bo "B"', "note": "plain"},
    ]


async def test_a_malformed_csv_header_ends_the_parse_with_one_error() -> None:
    for header in (b"a,a\n1,2\n", b"\xff\xfe\n1\n", b",,\n1\n"):
        (record,) = await collect(csv_rows(chunked(header)))
        assert record.index == -1
        assert record.error


async def test_bad_csv_rows_are_reported_and_the_rest_still_parse() -> None:
    body = b"a,b\n1,2\n1,2,3\n\xff,1\nx\x00,1\n5,6\n"
    records = await collect(csv_rows(chunked(body)))
    assert records[0].value == {"a": "1", "b": "2"}
    assert [r.error is not None for r in records] == [False, True, True, True, False]
    assert records[4].value == {"a": "5", "b": "6"}


def many_rows(n: int) -> Iterable[bytes]:
    yield b"name,value\n"
    for i in range(n):
        yield b"row-%d,%d\n" % (i, i)


async def test_memory_stays_flat_however_many_rows_stream_through() -> None:
    async def body(n: int) -> AsyncIterator[bytes]:
        batch: list[bytes] = []
        for line in many_rows(n):
            batch.append(line)
            if len(batch) == 1000:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch)

    async def peak(n: int) -> int:
        tracemalloc.start()
        errors = Errors(detailed=10)
        async for record in csv_rows(body(n)):
            if record.value["value"] == "0":
                errors.add(record.index, "first row")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = await peak(2_000), await peak(40_000)
    assert large < small * 2  # twenty times the rows, not twenty times the memory


def test_errors_keep_the_first_ones_in_detail_and_count_the_rest() -> None:
    errors = Errors(detailed=3)
    for i in range(10):
        errors.add(i, "bad")
    assert [e["index"] for e in errors.items] == [0, 1, 2]
    assert (errors.total, errors.omitted) == (10, 7)
