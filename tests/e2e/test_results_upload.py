"""``meriter results template`` and ``meriter results upload`` against the running platform.

One stack for the module, as ``make up`` runs it; the commands run as the
README shows them (the workspace's ``meriter``), with an institution's own
client credentials.
"""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.driver import Platform, result

MERITER = str(Path(sys.executable).with_name("meriter"))


@dataclass
class Institution:
    id: str
    offering: str
    headers: dict[str, str]
    credentials: Path


@pytest.fixture(scope="module")
async def institution(platform: Platform, workdir: Path) -> Institution:
    """A quality-assured institution with an offering and its client's credentials file."""
    agency, acronym = await platform.agency()
    institution_id, deqar = await platform.institution()
    await platform.report(agency, acronym, deqar)
    headers = await platform.client_for("institution", institution_id)
    offering = await platform.offering(institution_id, headers)
    credentials = workdir / "upload-client.json"
    credentials.write_text(json.dumps(await platform.new_client("institution", institution_id)))
    return Institution(institution_id, offering, headers, credentials)


@dataclass
class Run:
    code: int
    summary: dict[str, Any]
    stderr: str


def meriter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MERITER, *args], capture_output=True, text=True, timeout=300, check=False
    )


def upload(platform: Platform, who: Institution, path: Path, *extra: str) -> Run:
    done = meriter(
        "results",
        "upload",
        str(path),
        "--credentials",
        str(who.credentials),
        "--registry",
        platform.urls["registry"],
        "--issuer",
        platform.urls["issuer"],
        *extra,
    )
    lines = done.stdout.strip().splitlines()
    return Run(done.returncode, json.loads(lines[-1]) if lines else {}, done.stderr)


def csv_rows(offering: str, prefix: str, n: int) -> list[str]:
    return [
        f"{prefix}-{i},{offering},19900101{i:04d},Learner {i},l{i}@example.se,sv,2026-06-01,A"
        for i in range(n)
    ]


async def test_the_templates_example_uploaded_is_accepted_by_the_issuer(
    platform: Platform, institution: Institution, tmp_path: Path
) -> None:
    for fmt in ("csv", "ndjson"):
        path = tmp_path / f"template.{fmt}"
        made = meriter(
            "results", "template", "--format", fmt, "--offering-id", institution.offering,
            "--out", str(path),
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
    first = await asyncio.to_thread(upload, platform, institution, tmp_path / "template.csv")
    assert (first.code, first.summary["accepted"]) == (0, 1), first.stderr
    # The NDJSON template is the same record: there already, unchanged.
    again = await asyncio.to_thread(upload, platform, institution, tmp_path / "template.ndjson")
    assert (again.code, again.summary["duplicate"]) == (0, 1), again.stderr
    got = await platform.call("issuer", "GET", "/v1/results/LADOK-2026-000123", institution.headers)
    assert got.status_code == 200, got.text


async def test_a_file_with_one_bad_row_exits_1_and_writes_the_rejected_row_with_its_reason(
    platform: Platform, institution: Institution, tmp_path: Path
) -> None:
    # Dotted learner columns, as the registry's CSV files spell them; sent in chunks of 10.
    header = (
        "result_id,offering_id,learner.identifier,learner.name,learner.email,learner.language,"
        "assessed_on,grade\n"
    )
    rows = csv_rows(institution.offering, "UP", 30)
    rows[17] = rows[17].replace("2026-06-01", "2026-02-30")  # no such date
    path = tmp_path / "results.csv"
    path.write_text(header + "\n".join(rows) + "\n")
    rejects = tmp_path / "rejects.csv"
    run = await asyncio.to_thread(
        upload, platform, institution, path, "--chunk", "10", "--rejects", str(rejects)
    )
    assert (run.code, run.summary["accepted"], run.summary["rejected"]) == (1, 29, 1), run.stderr
    with rejects.open(newline="") as handle:
        (written,) = list(csv.DictReader(handle))
    assert (written["row"], written["result_id"], written["outcome"]) == ("19", "UP-17", "rejected")
    assert written["reason"].startswith("assessed_on: "), written
    assert not path.with_name("results.csv.upload-state.json").exists()
    again = await asyncio.to_thread(upload, platform, institution, path, "--chunk", "10")
    assert (again.code, again.summary["duplicate"], again.summary["accepted"]) == (1, 29, 0)
    assert "row 19 (UP-17): rejected: assessed_on: " in again.stderr


async def test_a_file_with_no_row_accepted_exits_2_saying_why_for_each(
    platform: Platform, institution: Institution, tmp_path: Path
) -> None:
    header = "result_id,offering_id,learner_identifier,learner_name,learner_email,learner_language,assessed_on,grade\n"  # noqa: E501
    path = tmp_path / "foreign.csv"
    path.write_text(header + "\n".join(csv_rows("unknown-offering", "NONE", 3)) + "\n")
    run = await asyncio.to_thread(upload, platform, institution, path)
    assert (run.code, run.summary["rejected"]) == (2, 3), run.stderr
    assert run.stderr.count("offering_id: no such offering in the registry") == 3


async def test_an_interrupted_upload_resumes_after_what_was_acknowledged(
    platform: Platform, institution: Institution, tmp_path: Path
) -> None:
    path = tmp_path / "more.ndjson"
    path.write_text(
        "\n".join(json.dumps(result(f"RES-{i}", institution.offering)) for i in range(20)) + "\n"
    )
    # As an interrupted run leaves it: the first ten acknowledged.
    path.with_name("more.ndjson.upload-state.json").write_text(json.dumps({"acknowledged": 10}))
    run = await asyncio.to_thread(upload, platform, institution, path, "--chunk", "4")
    assert (run.code, run.summary["accepted"]) == (0, 10), run.stderr
    skipped = await platform.call("issuer", "GET", "/v1/results/RES-0", institution.headers)
    sent = await platform.call("issuer", "GET", "/v1/results/RES-10", institution.headers)
    assert (skipped.status_code, sent.status_code) == (404, 200)
