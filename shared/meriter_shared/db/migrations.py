"""Forward-only SQL migrations, one folder per component.

A component (``kernel``, ``registry``, ``issuer`` …) keeps ordered files
``NNNN_name.sql`` in its package's ``migrations`` folder. ``migrate`` applies
the kernel's (outbox, inbox) and then the service's, each file in its own
transaction, under an advisory lock so replicas starting together do not
race. Applied files are recorded with their SHA-256; a changed file that was
already applied is an error, not a silent skip. Plain SQL keeps the schema
readable and lets Postgres features (partial indexes, COPY targets) be used
without translation.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from meriter_shared.db.types import Pool

_LOCK_KEY = 0x6D65726974  # "merit"


class MigrationError(RuntimeError):
    pass


def _files(package: str) -> list[tuple[str, str]]:
    root = resources.files(package) / "migrations"
    if not root.is_dir():
        return []
    names = sorted(p.name for p in root.iterdir() if p.name.endswith(".sql"))
    return [(name, (root / name).read_text("utf-8")) for name in names]


async def migrate(pool: Pool, *packages: str) -> list[str]:
    """Apply the kernel's migrations, then each package's; return what ran."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       component text NOT NULL,
                       name text NOT NULL,
                       sha256 text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now(),
                       PRIMARY KEY (component, name))"""
            )
            for package in ("meriter_shared.db", *packages):
                component = package.split(".")[0].removeprefix("meriter_")
                if package == "meriter_shared.db":
                    component = "kernel"
                elif package.startswith("meriter_shared."):
                    component = package.removeprefix("meriter_shared.")  # a shared schema
                done = {
                    r["name"]: r["sha256"]
                    for r in await conn.fetch(
                        "SELECT name, sha256 FROM schema_migrations WHERE component = $1",
                        component,
                    )
                }
                for name, sql in _files(package):
                    digest = hashlib.sha256(sql.encode()).hexdigest()
                    if name in done:
                        if done[name] != digest:
                            raise MigrationError(f"{component}/{name} changed after it was applied")
                        continue
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute(
                            "INSERT INTO schema_migrations (component, name, sha256) "
                            "VALUES ($1, $2, $3)",
                            component,
                            name,
                            digest,
                        )
                    applied_now.append(f"{component}/{name}")
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
