"""Every service's OpenAPI document is the truth: schemathesis finds nothing wrong.

The whole platform runs as ``make up`` runs it, with a quality-assured
institution that has an offering and a client of its own. Schemathesis
generates requests from each service's ``/openapi.json`` (its examples, the
coverage phase's boundary and invalid values, then random fuzzing) as the
caller who uses that service — the institution for the issuer and the
notifier, the national body for the registry — and as an anonymous caller,
and checks every answer: no server error, no status code, content type or
body the document does not list. The run is bounded (examples per operation,
a fixed seed, a time budget per run) so it is the same in every CI run; the
figures (operations, cases) go to ``tests/artifacts/fuzz-summary.txt``.

The verifier has its own run (``tests/verifier/test_openapi_fuzz.py``).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.driver import Platform
from support.stack import RunningStack, new_stack

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
MAX_EXAMPLES = os.environ.get("MERITER_FUZZ_EXAMPLES", "15")
MAX_SECONDS = os.environ.get("MERITER_FUZZ_SECONDS", "40")
SEED = os.environ.get("MERITER_FUZZ_SEED", "20261130")

# (service, caller). The registry as the national body last: fuzzing with that
# token creates, changes and revokes what the other runs rely on.
RUNS = [
    ("issuer", "institution"),
    ("issuer", "anonymous"),
    ("notifier", "institution"),
    ("notifier", "anonymous"),
    ("registry", "anonymous"),
    ("registry", "admin"),
]


# Kept after the run (not committed), like the verifier page's screenshots.
SUMMARY = Path(__file__).resolve().parents[1] / "artifacts" / "fuzz-summary.txt"


@pytest.fixture(scope="module")
def stack(workdir: Path) -> Iterator[RunningStack]:
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text("")
    s = new_stack(workdir / "stack-fuzz")
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def platform(stack: RunningStack) -> Platform:
    urls = {s: stack.url(s) for s in ("registry", "issuer", "verifier", "notifier")}
    return await Platform.connect(urls, stack.state_dir / "admin-client.json")


@pytest.fixture(scope="module")
async def institution(platform: Platform) -> str:
    """A quality-assured institution with an offering the issuer knows."""
    agency, acronym = await platform.agency()
    institution, deqar = await platform.institution()
    await platform.report(agency, acronym, deqar)
    headers = await platform.client_for("institution", institution)
    await platform.offering(institution, headers)
    return institution


async def authorization(
    stack: RunningStack, platform: Platform, caller: str, institution: str
) -> str | None:
    """A fresh token for each run (tokens live five minutes)."""
    if caller == "anonymous":
        return None
    if caller == "admin":
        fresh = await Platform.connect(platform.urls, stack.state_dir / "admin-client.json")
        return fresh.admin["Authorization"]
    return (await platform.client_for("institution", institution))["Authorization"]


def schemathesis(url: str, authorization: str | None) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        url + "/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--generation-database",
        "none",
        # One worker: schemathesis' threads parse lambdas' source with ast,
        # which CPython 3.11 does not do safely in parallel ("AST constructor
        # recursion depth mismatch", a runtime error of the fuzzer itself).
        "--workers",
        "1",
        "--no-color",
        "--max-time",
        MAX_SECONDS,
        "--warnings",
        "off",
    ]
    if authorization is not None:
        command += ["-H", f"Authorization: {authorization}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def figures(output: str) -> tuple[int, int]:
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    return (int(tested.group(1)) if tested else 0, int(cases.group(1)) if cases else 0)


@pytest.mark.parametrize(("service", "caller"), RUNS, ids=[f"{s}-{c}" for s, c in RUNS])
async def test_schemathesis_finds_no_error_in_the_services_openapi(
    stack: RunningStack, platform: Platform, institution: str, service: str, caller: str
) -> None:
    token = await authorization(stack, platform, caller, institution)
    done = await asyncio.to_thread(schemathesis, stack.url(service), token)
    output = done.stdout + done.stderr
    operations, cases = figures(output)
    line = f"{service} as {caller}: {operations} operations, {cases} cases, exit {done.returncode}"
    with SUMMARY.open("a") as out:
        out.write(line + "\n")
    print(line)
    assert done.returncode == 0, output[-6000:]
    assert operations > 0, output[-3000:]
    assert cases > 0, output[-3000:]
