"""Where a credential's own checks run (inline or in the CPU pool, by size), and the
cache that spares checking a credential seen again (``checks/examiner.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from verifier.conftest import NOW, World, check, running

from meriter_verifier.checks import examiner
from meriter_verifier.checks.document import examine
from support.webserver import WebServer


@asynccontextmanager
async def world_with_pool(fresh_db: str, web: WebServer, **changes: Any) -> AsyncIterator[World]:
    """A verifier whose checks may go to a CPU pool of one process."""
    async with running(fresh_db, web, verify_in_pool=True, cpu_processes=1, **changes) as world:
        yield world


async def test_verification_in_the_cpu_pool_gives_the_same_answer(
    fresh_db: str, web: WebServer
) -> None:
    async with world_with_pool(fresh_db, web, inline_max_chars=0) as world:
        issuer = await world.institution()
        answer = await world.verify({"credential": world.issue(issuer)})
        assert answer["verdict"] == "verified", answer
        tampered = world.issue(issuer)
        tampered["name"] = "x"
        assert (await world.verify({"credential": tampered}))["verdict"] == "not_verified"


async def test_a_small_credential_is_checked_inline_and_a_big_one_in_the_pool(
    fresh_db: str, web: WebServer
) -> None:
    async with world_with_pool(fresh_db, web, inline_max_chars=16 * 1024) as world:
        verifier = world.app.state.components.verifier
        through_pool: list[str] = []
        run_cpu = verifier.examiner.run_cpu

        async def recording(fn: Any, *args: Any) -> Any:
            through_pool.append(fn.__name__)
            return await run_cpu(fn, *args)

        verifier.examiner.run_cpu = recording
        issuer = await world.institution()
        small = await world.verify({"credential": world.issue(issuer)})
        assert small["verdict"] == "verified", small
        assert "examine" not in through_pool
        big = world.issue(issuer, description="Ett långt kursinnehåll. " * 1000)
        answer = await world.verify({"credential": big})
        assert answer["verdict"] == "verified", answer
        assert through_pool.count("examine") == 1
        big["description"] += "!"
        tampered = await world.verify({"credential": big})
        assert check(tampered, "proof")["status"] == "fail"
        assert through_pool.count("examine") == 2


async def test_a_credential_seen_again_is_not_canonicalized_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = await world.institution()
    verifier = world.app.state.components.verifier
    calls: list[str] = []

    def counting(*args: Any) -> Any:
        calls.append("examine")
        return examine(*args)

    monkeypatch.setattr(examiner, "examine", counting)
    signed = world.issue(issuer)
    first = await world.verify({"credential": signed})
    again = await world.verify({"credential": signed})
    assert first == again
    assert calls.count("examine") == 1
    # Another holder identifier, a changed document: examined afresh.
    await world.verify({"credential": signed, "holder": {"identifier": "x"}})
    changed = {**signed, "name": "Changed"}
    assert (await world.verify({"credential": changed}))["verdict"] == "not_verified"
    assert calls.count("examine") == 3
    # Other DID documents (the issuer's keys changed): the cached answer is not reused.
    docs = {issuer.did: {"id": issuer.did, "verificationMethod": []}}
    found = await verifier.examiner.examine(signed, docs, NOW)
    assert calls.count("examine") == 4
    assert found.proofs[0].verified is False
