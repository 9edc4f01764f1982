"""Every service's OpenAPI document is the truth: schemathesis finds nothing wrong.

The whole platform runs as ``make up`` runs it; schemathesis generates
requests from each service's ``/openapi.json`` (its examples, its coverage
phase of boundary and invalid values, then random fuzzing), with the
national body's token and without one, and checks every answer: no server
error, no status code the document does not list, no content type it does
not list, no body that breaks its schema. The run is bounded (examples per
operation, a fixed seed, a time budget) so it is the same in every CI run;
its figures are written to ``fuzz-summary.txt`` in the stack's state dir.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.stack import SERVICES, RunningStack, new_stack

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
MAX_EXAMPLES = int(os.environ.get("MERITER_FUZZ_EXAMPLES", "15"))
SEED = os.environ.get("MERITER_FUZZ_SEED", "20261130")


@pytest.fixture(scope="module")
def stack(workdir: Path) -> Iterator[RunningStack]:
    s = new_stack(workdir / "stack-fuzz")
    s.start()
    yield s
    s.stop()


def schemathesis(stack: RunningStack, service: str, token: str | None) -> tuple[int, str]:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        stack.url(service) + "/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--workers",
        "2",
        "--no-color",
        "--max-time",
        "120",
        "--warnings",
        "off",
    ]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return done.returncode, done.stdout + done.stderr


def summary(output: str) -> str:
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    operations = tested.group(1) if tested else "?"
    return f"operations={operations} cases={cases.group(1) if cases else '?'}"


@pytest.mark.parametrize("authenticated", [True, False], ids=["admin-token", "anonymous"])
@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_finds_no_error_in_the_services_openapi(
    stack: RunningStack, service: str, authenticated: bool
) -> None:
    token = stack.admin_token() if authenticated else None
    code, output = schemathesis(stack, service, token)
    line = f"{service} {'admin-token' if authenticated else 'anonymous'}: {summary(output)}\n"
    with (stack.state_dir.parent / "fuzz-summary.txt").open("a") as out:
        out.write(line)
    assert code == 0, output[-6000:]
