"""``meriter registry check-offerings``: the stored offerings no credential can be made
of, with the reasons, on a real database; exit status 1 when there are any."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from registry.registry_support import offering
from registry.rules_support import ADMIN, NOW, an_institution

from meriter_registry.cli import check_offerings
from meriter_registry.config import Settings
from meriter_registry.offerings import repository, service
from meriter_registry.offerings.schemas import OfferingIn
from meriter_shared.db.types import Pool
from meriter_shared.settings import PostgresSettings

MERITER = Path(sys.executable).parent / "meriter"


def run(dsn: str) -> subprocess.CompletedProcess[str]:
    """The installed ``meriter`` command, as an operator runs it against ``dsn``."""
    env = {**os.environ, "REGISTRY_POSTGRES__DSN": dsn}
    return subprocess.run(
        [str(MERITER), "registry", "check-offerings"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def _stored(db: Pool) -> str:
    """An institution with one good offering and two stored by an older registry."""
    async with db.acquire() as conn:
        own = await an_institution(conn)
        good = OfferingIn.model_validate(offering())
        await service.publish_offering(conn, own, good, ADMIN, NOW)
        body = good.model_dump(mode="json")
        await repository.insert(conn, "0-exam", own, {**body, "assessment_type": "exam"}, NOW)
        await repository.insert(conn, "0-level", own, {**body, "eqf_level": 7}, NOW)
    return own


async def test_the_command_lists_offerings_that_cannot_issue_with_reasons_and_exits_1(
    db: Pool, fresh_db: str
) -> None:
    own = await _stored(db)
    done = run(fresh_db)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["checked"] == 3
    exam, level = report["cannot_issue"]
    assert (exam["offering_id"], exam["institution_id"], exam["version"]) == ("0-exam", own, 1)
    assert exam["title"] == "Data literacy"
    [reason] = exam["reasons"]
    assert reason.startswith("assessment_type: Input should be 'written-examination'")
    assert level["offering_id"] == "0-level"
    assert level["reasons"] == [
        "qf_ehea_cycle: QF-EHEA first cycle corresponds to EQF level 6, not 7"
    ]


async def test_the_command_exits_0_when_every_offering_can_issue(db: Pool, fresh_db: str) -> None:
    async with db.acquire() as conn:
        own = await an_institution(conn)
        await service.publish_offering(conn, own, OfferingIn.model_validate(offering()), ADMIN, NOW)
    done = run(fresh_db)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"checked": 1, "cannot_issue": []}


async def test_the_check_changes_nothing(db: Pool, fresh_db: str) -> None:
    await _stored(db)
    settings = Settings(postgres=PostgresSettings(dsn=fresh_db))
    first = await check_offerings(settings)
    async with db.acquire() as conn:
        stored = await service.list_offerings(conn, "DEQARINST0001")
    assert await check_offerings(settings) == first
    assert sorted(o["assessment_type"] for o in stored) == ["exam", *["written-examination"] * 2]


def test_a_database_that_cannot_be_reached_is_exit_status_2() -> None:
    done = run("postgresql://nobody@127.0.0.1:1/none")
    assert done.returncode == 2
    assert "error" in json.loads(done.stderr.strip().splitlines()[-1])
