"""Input hygiene for every service, as one plain ASGI middleware.

Nothing a client sends may hurt a service: before a request reaches a route,

* its body is counted as it arrives and refused with 413 once over the
  route's limit (``Content-Length`` over it: refused before reading at all).
  The default is ``settings.max_body_bytes``; a route declares its own with
  ``openapi_extra=body_limit(n)``, which also documents it in OpenAPI;
* JSON and form bodies (read whole, within that limit) are refused with 400
  when they are not UTF-8, hold a NUL character or a lone UTF-16 surrogate
  (Postgres text can hold neither), or nest deeper than ``MAX_JSON_DEPTH``;
* the path and query string are refused with 400 for the same reasons.

Streamed bodies (NDJSON, CSV, anything else) are only counted here: the
kernel's streaming parsers (``meriter_shared.bulk``) check each record, so
memory stays bounded whatever the body's size.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meriter_shared.errors import BadRequest, PayloadTooLarge, Problem, problem_response

MAX_JSON_DEPTH = 64
BODY_LIMIT_KEY = "x-max-body-bytes"
_WHOLE_BODY_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "application/merge-patch+json",
    "application/ld+json",
)
_HEX = frozenset(b"0123456789abcdefABCDEF")
# A JSON string, as an unrolled loop (no per-character alternation: linear and fast).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{}")


def body_limit(max_bytes: int) -> dict[str, Any]:
    """``openapi_extra`` for a route whose bodies may be up to ``max_bytes``."""
    return {BODY_LIMIT_KEY: max_bytes}


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` in a JSON text."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # fewer openings, even counting those in strings: settled
    structure = _JSON_STRING.sub(b"", body).translate(None, _NOT_STRUCTURE)
    if structure.count(b"[") + structure.count(b"{") <= limit:
        return False  # fewer openings than the limit: cheaply settled
    depth = 0
    for byte in structure:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def text_problem(raw: bytes, where: str) -> str | None:
    """Why ``raw`` (a JSON text or decoded form/query bytes) cannot be stored, if so."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"the {where} is not valid UTF-8"
    if b"\x00" in raw:
        return f"the {where} holds a NUL character"
    return _escape_problem(raw, where)


def _escape_problem(raw: bytes, where: str) -> str | None:
    """A ``\\u0000`` escape, or a surrogate escape not in a high-low pair, if any.

    One pass over the ``\\u`` escapes (none in most bodies: then no pass at all).
    """
    if b"\\u" not in raw:
        return None
    lone = f"the {where} holds a lone UTF-16 surrogate"
    open_high_end = -1  # where an unpaired high surrogate's escape ends
    found = raw.find(b"\\u")
    while found >= 0:
        # An escape when the run of backslashes ending here is odd (an even run
        # is escaped backslashes followed by a plain "u").
        run_start = found
        while run_start > 0 and raw[run_start - 1] == 0x5C:
            run_start -= 1
        digits = raw[found + 2 : found + 6]
        if (found - run_start) % 2 == 0 and len(digits) == 4 and _HEX.issuperset(digits):
            code = int(digits, 16)
            if open_high_end >= 0:
                if found != open_high_end or not 0xDC00 <= code <= 0xDFFF:
                    return lone
                open_high_end = -1
            elif code == 0:
                return f"the {where} holds a NUL character"
            elif 0xD800 <= code <= 0xDBFF:
                open_high_end = found + 6
            elif 0xDC00 <= code <= 0xDFFF:
                return lone
        found = raw.find(b"\\u", found + 2)
    return lone if open_high_end >= 0 else None


class GuardInput:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._limits: list[tuple[re.Pattern[str], set[str], int]] | None = None

    def _limit_for(self, scope: Scope) -> int:
        if self._limits is None:
            # Every route, those of included routers too, compiled once.
            limits = []
            for route in iter_route_contexts(getattr(scope.get("app"), "routes", [])):
                extra = getattr(route, "openapi_extra", None)
                if isinstance(extra, dict) and BODY_LIMIT_KEY in extra and route.path:
                    pattern, _, _ = compile_path(route.path)
                    limits.append((pattern, route.methods or set(), int(extra[BODY_LIMIT_KEY])))
            self._limits = limits
        for pattern, methods, limit in self._limits:
            if scope["method"] in methods and pattern.match(scope["path"]):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_url(scope)
            limit = self._limit_for(scope)
            headers = dict(scope.get("headers") or [])
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLarge(f"the body may be at most {limit} bytes")
            content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
            if content_type.startswith(_WHOLE_BODY_TYPES):
                receive = await self._read_whole(receive, limit, content_type)
            else:
                receive = _counting(receive, limit)
        except Problem as problem:
            await problem_response(problem, scope.get("path"))(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _check_url(scope: Scope) -> None:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        for raw, where in (
            (unquote_to_bytes(raw_path), "path"),
            (unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" ")), "query"),
        ):
            reason = text_problem(raw, where)
            if reason:
                raise BadRequest(reason)

    @staticmethod
    async def _read_whole(receive: Receive, limit: int, content_type: str) -> Receive:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return _replay([message])
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the body may be at most {limit} bytes")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if "form-urlencoded" in content_type:
            reason = text_problem(unquote_to_bytes(body.replace(b"+", b" ")), "form")
        else:
            reason = text_problem(body, "JSON body")
            if reason is None and nests_deeper_than(body, MAX_JSON_DEPTH):
                reason = f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
        if reason:
            raise BadRequest(reason)
        return _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive that hands over ``messages`` first, then defers to ``then``."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive


def _counting(receive: Receive, limit: int) -> Receive:
    """A receive that refuses (413) a streamed body once it exceeds ``limit``."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise PayloadTooLarge(f"the body may be at most {limit} bytes")
        return message

    return counted
