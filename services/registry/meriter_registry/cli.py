"""Registry command line: ``meriter registry import`` and ``bootstrap-admin``.

``bootstrap-admin`` talks to the registry's database directly (it runs before
any client exists); it is idempotent: when ``--out`` already names an active
admin client it changes nothing, otherwise it creates one and writes
``{"client_id", "client_secret", "token_url"}`` with mode 0600.

``import`` talks to a running registry over HTTP with admin credentials, so
it obeys the same validation and tenant rules as any caller. Agencies and
institutions are read as DEQAR's web API v2 returns them (a list, or a page
with ``results``), reports as Submission API objects. It is idempotent:
records that exist already (409) are counted as such, and a report whose
content is unchanged records no new version. Every rejected record is
written to the rejection report with its position and the problem details.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs shipped

from meriter_registry import deqar
from meriter_registry.clients import service as clients
from meriter_registry.clients.schemas import ClientIn
from meriter_registry.config import Settings
from meriter_shared.auth import Principal
from meriter_shared.db.migrations import migrate
from meriter_shared.db.pool import create_pool

ADMIN_CLIENT_ID = "meriter-admin"


# --- bootstrap-admin -------------------------------------------------------


async def bootstrap_admin(settings: Settings, out: Path) -> bool:
    """Ensure an admin client whose credentials are in ``out``; True if created."""
    known = await asyncio.to_thread(_read_json, out)
    pool = await create_pool(settings.postgres)
    try:
        await migrate(pool, "meriter_registry")
        async with pool.acquire() as conn:
            known_id = known.get("client_id") if known is not None else None
            if isinstance(known_id, str) and await clients.is_active(conn, known_id):
                return False
            client_id = ADMIN_CLIENT_ID
            if await clients.was_issued(conn, client_id):
                # The file was lost: the old secret is unrecoverable, so a new
                # admin client takes over under a fresh id.
                client_id = f"{ADMIN_CLIENT_ID}-{int(time.time())}"
            created = await clients.create_client(
                conn,
                ClientIn(name="national body (bootstrap)", role="admin"),
                Principal.system("bootstrap-admin"),
                client_id,
            )
    finally:
        await pool.close()
    await asyncio.to_thread(
        _write_secret_file,
        out,
        {
            "client_id": created.client_id,
            "client_secret": created.client_secret,
            "token_url": settings.public_base_url.rstrip("/") + "/v1/oauth/token",
        },
    )
    return True


def _read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def _write_secret_file(out: Path, content: dict[str, str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(content, fh, indent=2)


# --- import ----------------------------------------------------------------


class Importer:
    def __init__(self, http: httpx.AsyncClient, rejections: list[dict[str, Any]]) -> None:
        self.http = http
        self.rejections = rejections
        self.counts: dict[str, int] = {}

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    async def post(self, kind: str, url: str, index: int, body: dict[str, Any]) -> None:
        r = await self.http.post(url, json=body)
        if r.status_code in (200, 201):
            created = r.json().get("created", True)
            self._count(f"{kind}_{'created' if created else 'updated'}")
        elif r.status_code == 409:
            self._count(f"{kind}_existing")
        else:
            self._count(f"{kind}_rejected")
            try:
                problem = r.json()
            except ValueError:
                problem = {"status": r.status_code, "detail": r.text}
            self.rejections.append({"kind": kind, "index": index, "problem": problem})


def _batched(items: list[dict[str, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    for start in range(0, len(items), size):
        yield list(enumerate(items[start : start + size], start=start))


async def run_import(
    base_url: str,
    headers: dict[str, str],
    agencies: list[dict[str, Any]],
    institutions: list[dict[str, Any]],
    reports: list[dict[str, Any]],
    concurrency: int = 8,
    progress: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    rejections: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=30, transport=transport
    ) as http:
        importer = Importer(http, rejections)
        plan = [
            ("agency", "/v1/agencies", [deqar.agency_from_deqar(a) for a in agencies]),
            (
                "institution",
                "/v1/institutions",
                [deqar.institution_from_deqar(i) for i in institutions],
            ),
            ("report", "/submissionapi/v2/submit/report", reports),
        ]
        for kind, url, bodies in plan:
            # Agencies and institutions must exist before the reports naming them.
            with tqdm(total=len(bodies), desc=kind, unit="rec", disable=not progress) as bar:
                for batch in _batched(bodies, concurrency):
                    await asyncio.gather(*(importer.post(kind, url, i, b) for i, b in batch))
                    bar.update(len(batch))
    return importer.counts, rejections


async def _token(base_url: str, creds: dict[str, str]) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        r = await http.post(
            "/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _import_cmd(args: argparse.Namespace) -> int:
    creds = json.loads(Path(args.credentials).read_text())

    def load(p: str | None) -> list[dict[str, Any]]:
        return deqar.records(Path(p)) if p else []

    async def go() -> tuple[dict[str, int], list[dict[str, Any]]]:
        headers = await _token(args.url, creds)
        return await run_import(
            args.url,
            headers,
            load(args.agencies),
            load(args.institutions),
            load(args.reports),
            concurrency=args.concurrency,
        )

    started = time.perf_counter()
    counts, rejections = asyncio.run(go())
    elapsed = time.perf_counter() - started
    Path(args.rejections).write_text(json.dumps(rejections, indent=2, ensure_ascii=False))
    summary = {"counts": counts, "rejected": len(rejections), "seconds": round(elapsed, 2)}
    print(json.dumps(summary))
    return 1 if rejections else 0


def register(subparsers: Any) -> None:
    """Entry point for the ``meriter.cli`` group: ``meriter registry ...``."""
    parser = subparsers.add_parser("registry", help="the QA registry")
    add_commands(parser.add_subparsers(dest="registry_command", required=True))


def add_commands(sub: Any) -> None:
    imp = sub.add_parser("import", help="load DEQAR agencies, institutions and reports")
    imp.add_argument(
        "--url", default=os.environ.get("MERITER_REGISTRY_URL", "http://127.0.0.1:8001")
    )
    imp.add_argument("--credentials", default=".meriter/admin-client.json")
    imp.add_argument("--agencies", help="DEQAR web API v2 agencies JSON")
    imp.add_argument("--institutions", help="DEQAR web API v2 institutions JSON")
    imp.add_argument("--reports", help="Submission API v2 report objects JSON")
    imp.add_argument("--rejections", default="registry-import-rejections.json")
    imp.add_argument("--concurrency", type=int, default=8)
    imp.set_defaults(func=_import_cmd)
    boot = sub.add_parser("bootstrap-admin", help="create the admin client (idempotent)")
    boot.add_argument("--out", default=".meriter/admin-client.json")
    boot.set_defaults(func=_bootstrap_cmd)


def _bootstrap_cmd(args: argparse.Namespace) -> int:
    created = asyncio.run(bootstrap_admin(Settings(), Path(args.out)))
    print(json.dumps({"created": created, "out": args.out}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``meriter-registry [serve | import ... | bootstrap-admin --out PATH]``."""
    parser = argparse.ArgumentParser(prog="meriter-registry")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the HTTP service (the default)")
    add_commands(sub)
    args = parser.parse_args(argv)
    if args.command in (None, "serve"):
        from meriter_shared.http import serve

        serve("meriter_registry.app:create_app", Settings())
        return 0
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
