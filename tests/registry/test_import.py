"""``meriter registry import`` and ``bootstrap-admin``."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from registry.registry_support import Registry, report

from meriter_registry.cli import bootstrap_admin, run_import
from meriter_registry.config import Settings
from meriter_shared.settings import PostgresSettings

AGENCIES = [
    {
        "id": 5,
        "deqar_id": "EQAR-5",
        "acronym_primary": "UKA",
        "name_primary": "Swedish Higher Education Authority",
        "country": "SE",
        "registration_start": "2010-01-01",
        "registration_valid_to": None,
    }
]
INSTITUTIONS = [
    {
        "deqar_id": "DEQARINST0100",
        "eter_id": "SE0001",
        "names": [{"name_official": "Uppsala universitet", "name_english": "Uppsala University"}],
        "countries": [{"country_iso": "SE"}],
        "places": [{"city": "Uppsala"}],
        "qf_ehea_levels": [{"code": 1}, {"code": 2}],
        "identifiers": [{"resource": "SCHAC", "identifier": "uu.se"}],
    },
    {"deqar_id": "broken", "names": [{}], "countries": [{}]},
]


async def test_import_is_idempotent_and_reports_each_rejection(registry: Registry) -> None:
    transport = httpx.ASGITransport(app=registry.app)
    reports = [report("UKA", "uka-1", "DEQARINST0100"), report("UKA", "uka-2", "DEQARINST0404")]

    async def once() -> tuple[dict[str, int], list[dict[str, object]]]:
        return await run_import(
            "http://registry",
            registry.admin,
            AGENCIES,
            INSTITUTIONS,
            reports,
            progress=False,
            transport=transport,
        )

    counts, rejected = await once()
    assert counts == {
        "agency_created": 1,
        "institution_created": 1,
        "institution_rejected": 1,
        "report_created": 1,
        "report_rejected": 1,
    }
    assert [(r["kind"], r["index"]) for r in rejected] == [("institution", 1), ("report", 1)]
    again, _ = await once()
    assert again["agency_existing"] == 1
    assert again["institution_existing"] == 1
    assert again["report_updated"] == 1
    async with registry.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM report_versions") == 1


async def test_bootstrap_admin_writes_credentials_once(fresh_db: str, tmp_path: Path) -> None:
    settings = Settings(postgres=PostgresSettings(dsn=fresh_db))
    out = tmp_path / ".meriter" / "admin-client.json"
    assert await bootstrap_admin(settings, out) is True
    first = json.loads(out.read_text())
    assert await bootstrap_admin(settings, out) is False
    assert json.loads(out.read_text()) == first
    assert out.stat().st_mode & 0o077 == 0
