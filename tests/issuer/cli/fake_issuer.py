"""A fake registry token endpoint and issuer intake for the upload command, in process.

Records are judged by the issuer's own intake rules (``intake.service.parse``,
the answer's problem shape from ``intake.api``); what the fake keeps instead
of a database is which offerings are the institution's and which results it
has seen. ``fail_on`` makes a chosen results request answer 503.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from meriter_issuer.intake import service
from meriter_issuer.intake.api import _problem
from meriter_issuer.intake.schemas import OUTCOMES

CLIENT = {"client_id": "inst-client", "client_secret": "s3cret"}
OFFERING = "offering-1"


@dataclass
class FakeIssuer:
    offerings: set[str] = field(default_factory=lambda: {OFFERING})
    fail_on: int | None = None  # the nth results request (from 1) answers 503
    seen: dict[str, str] = field(default_factory=dict)  # result_id -> content hash
    requests: int = 0
    posted: list[list[dict[str, Any]]] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), base_url="http://fake")

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/oauth/token":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            if (form.get("client_id"), form.get("client_secret")) != tuple(CLIENT.values()):
                return httpx.Response(401, json={"detail": "unknown client"})
            return httpx.Response(200, json={"access_token": "t0ken", "token_type": "Bearer"})
        if request.url.path == "/v1/results" and request.method == "POST":
            assert request.headers["authorization"] == "Bearer t0ken"
            self.requests += 1
            if self.requests == self.fail_on:
                return httpx.Response(503, json={"detail": "try later"})
            return httpx.Response(202, json=self._intake(request.content.decode()))
        return httpx.Response(404)

    def _intake(self, body: str) -> dict[str, Any]:
        counts: dict[str, int] = {o: 0 for o in OUTCOMES}
        records = []
        batch = []
        for index, line in enumerate(body.split("\n")):
            try:
                value = json.loads(line)
            except ValueError as exc:
                parsed = service.unreadable(index, f"not JSON: {exc}")
            else:
                parsed = service.parse(index, value)
                batch.append(value)
            outcome, problem = self._judge(parsed)
            counts[outcome] += 1
            result_id = parsed.result.result_id if parsed.result else None
            records.append(
                {"index": index, "result_id": result_id, "outcome": outcome, "problem": problem}
            )
        self.posted.append(batch)
        return {**counts, "records": records}

    def _judge(self, parsed: service.Parsed) -> tuple[str, dict[str, Any] | None]:
        if parsed.result is None:
            assert parsed.rejection is not None
            return "rejected", _problem(parsed.index, parsed.rejection)
        result = parsed.result
        if result.offering_id not in self.offerings:
            rejection = service.Rejection(
                f"offering {result.offering_id} cannot be awarded by this institution",
                ({"field": "offering_id", "message": "no such offering in the registry"},),
            )
            return "rejected", _problem(parsed.index, rejection)
        digest = service.content_hash(result)
        if result.result_id not in self.seen:
            self.seen[result.result_id] = digest
            return "accepted", None
        return ("duplicate" if self.seen[result.result_id] == digest else "conflict"), None
