"""The fast JSON reader and writer mean exactly what the standard library means."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meriter_shared.jsonio import FastJSONResponse, dumps, loads

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with types kept apart (``1`` is not ``1.0``, ``True`` is not ``1``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_reading_gives_what_the_standard_library_gives(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False).encode("utf-8")
    assert same(loads(text), json.loads(text))
    assert same(loads(text.decode("utf-8")), json.loads(text))  # as a jsonb column gives it


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_writing_gives_what_the_standard_library_writes_back(value: Any) -> None:
    assert same(json.loads(dumps(value)), value)


@pytest.mark.parametrize(
    "text",
    [
        b'{"ects": 123456789012345678901234567890}',  # orjson would read a float
        b'{"n": -9223372036854775809}',
        b"\xef\xbb\xbf" + b'{"bom": true}',
        '{"utf16": "å"}'.encode("utf-16"),
        b'{"a": NaN, "b": Infinity}',
        b'{"a": 1e400}',
        b'{"dup": 1, "dup": 2}',
        b'{"s": "\\ud83d\\ude00"}',
    ],
)
def test_the_edges_are_read_as_the_standard_library_reads_them(text: bytes) -> None:
    assert repr(loads(text)) == repr(json.loads(text))
    if text.isascii():
        assert repr(loads(text.decode())) == repr(json.loads(text.decode()))


@pytest.mark.parametrize("text", [b"", b"{", b'{"a": 1,}', b"\xff"])
def test_what_is_not_json_is_refused_as_json_refuses_it(text: bytes) -> None:
    try:
        json.loads(text)
    except ValueError as exc:
        expected = exc
    with pytest.raises(type(expected), match=re.escape(str(expected))):
        loads(text)


def test_writing_the_edges_never_fails() -> None:
    assert json.loads(dumps({"big": 10**30})) == {"big": 10**30}
    assert json.loads(dumps({1: "a"})) == {"1": "a"}
    assert dumps({"x": math.nan, "y": [math.inf]}) == b'{"x":null,"y":[null]}'
    assert json.loads(dumps({"big": 10**30, "x": math.nan})) == {"big": 10**30, "x": None}
    assert dumps({"å": "ö"}) == '{"å":"ö"}'.encode()


def test_a_fast_response_is_compact_utf8_json() -> None:
    response = FastJSONResponse({"verdict": "verified", "n": 1.5}, headers={"X-A": "b"})
    assert response.body == b'{"verdict":"verified","n":1.5}'
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.body))
