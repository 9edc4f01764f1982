"""The verifier's OpenAPI document is the truth: schemathesis finds nothing wrong.

The verifier runs under uvicorn on loopback (HTTP role, a fresh database);
schemathesis generates requests from its ``/openapi.json`` (examples, the
coverage phase's boundary and invalid values, then random fuzzing) and checks
every answer: no server error, no status code, content type or body the
document does not list. Bounded (examples per operation, a fixed seed, a
time budget) so it is the same in every run.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from meriter_local.procs import free_port
from meriter_verifier.app import create_app
from support.webserver import WebServer
from verifier.conftest import settings_for

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance," + (
    "response_schema_conformance"
)


@pytest.fixture
def served(fresh_db: str, web: WebServer) -> Iterator[str]:
    port = free_port()
    app = create_app(settings_for(fresh_db, web))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise AssertionError("the verifier did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


async def test_schemathesis_finds_no_error_in_the_verifiers_openapi(served: str) -> None:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        served + "/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "30",
        "--seed",
        "20261130",
        "--generation-database",
        "none",
        "--no-color",
        "--max-time",
        "60",
        "--warnings",
        "off",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=300, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
