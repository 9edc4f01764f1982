"""Registry command line: ``meriter registry import``, ``bootstrap-admin`` and
``check-offerings``.

``check-offerings`` reads the registry's database directly and lists every
stored offering no credential could be made of (stored before offerings were
checked against the engine's Annex I model), each with its reasons, as JSON;
it changes nothing and exits 1 when it finds any, 0 when none, 2 when the
database cannot be read.

``bootstrap-admin`` talks to the registry's database directly (it runs before
any client exists); it is idempotent: when ``--out`` already names an active
admin client it changes nothing, otherwise it creates one and writes
``{"client_id", "client_secret", "token_url"}`` with mode 0600.

``import`` talks to a running registry over HTTP with admin credentials, so
it obeys the same validation and tenant rules as any caller. Agencies and
institutions are read exactly as DEQAR's web API v2 returns them (a list,
or a page with ``results``; the mapping is :mod:`meriter_registry.deqar`),
reports as Submission API objects. It is idempotent: records that exist
already (409) are counted as such, and a report whose content is unchanged
records no new version. A report object may carry ``withdrawn_on`` (a
history import from DEQAR): it is submitted, then withdrawn with that date,
and a re-run finds it withdrawn on that day already and changes nothing; what
was true on a past date is then answered from the reports' own validity and
withdrawal dates. Every rejected record — one the mapping cannot read
(with the reason) or one the registry refuses (with its problem details) —
is written to the rejection report with its position, and the rest still
load: no record stops the import half-way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs shipped

from meriter_registry import deqar
from meriter_registry.clients import service as clients
from meriter_registry.clients.schemas import ClientIn
from meriter_registry.config import Settings
from meriter_registry.offerings import service as offerings
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


# --- check-offerings --------------------------------------------------------


async def check_offerings(settings: Settings) -> dict[str, Any]:
    """``{"checked": n, "cannot_issue": [...]}``: the stored offerings no credential
    could be made of, each with its id, institution, version, title and reasons."""
    pool = await create_pool(settings.postgres)
    try:
        async with pool.acquire() as conn:
            checked, found = await offerings.offerings_that_cannot_issue(conn)
    finally:
        await pool.close()
    return {"checked": checked, "cannot_issue": [asdict(f) for f in found]}


def _check_offerings_cmd(_args: argparse.Namespace) -> int:
    try:
        report = asyncio.run(check_offerings(Settings()))
    except (OSError, asyncpg.PostgresError) as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if report["cannot_issue"] else 0


# --- import ----------------------------------------------------------------


class Importer:
    """Posts mapped records, counting outcomes; a record that fails in any way
    is a rejection with its reason, never the end of the import."""

    def __init__(self, http: httpx.AsyncClient, rejections: list[dict[str, Any]]) -> None:
        self.http = http
        self.rejections = rejections
        self.counts: dict[str, int] = {}

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def reject(self, kind: str, index: int, problem: dict[str, Any]) -> None:
        self._count(f"{kind}_rejected")
        self.rejections.append({"kind": kind, "index": index, "problem": problem})

    def unmappable(self, kind: str, index: int, reason: str) -> None:
        self.reject(
            kind,
            index,
            {"title": "Unmappable Record", "status": 422, "detail": reason},
        )

    async def post(self, kind: str, url: str, index: int, body: dict[str, Any]) -> None:
        try:
            await self._post(kind, url, index, body)
        except httpx.HTTPError as exc:
            self.unmappable(kind, index, f"the registry did not answer: {exc!r}")

    async def _post(self, kind: str, url: str, index: int, body: dict[str, Any]) -> None:
        withdrawn_on = body.pop("withdrawn_on", None) if kind == "report" else None
        if withdrawn_on is not None and await self._withdrawn_already(body, withdrawn_on):
            self._count("report_existing")
            return
        r = await self.http.post(url, json=body)
        if r.status_code in (200, 201):
            created = _json(r).get("created", True)
            self._count(f"{kind}_{'created' if created else 'updated'}")
            if withdrawn_on is not None:
                await self._withdraw(index, _json(r).get("submitted_report_id"), withdrawn_on)
        elif r.status_code == 409:
            self._count(f"{kind}_existing")
        else:
            self.reject(kind, index, _problem(r))

    async def _withdrawn_already(self, body: dict[str, Any], withdrawn_on: Any) -> bool:
        """A history import re-run: the report is withdrawn on that day already."""
        agency, local = body.get("agency") or body.get("agency_id"), body.get("local_identifier")
        if not agency or not local:
            return False
        r = await self.http.get(
            "/v1/reports",
            params={
                "agency": str(agency),
                "local_identifier": str(local),
                "include_withdrawn": "true",
            },
        )
        found = _json(r).get("results") or [] if r.status_code == 200 else []
        return any(f.get("withdrawn_on") == str(withdrawn_on) for f in found)

    async def _withdraw(self, index: int, report_id: Any, withdrawn_on: Any) -> None:
        r = await self.http.delete(
            f"/submissionapi/v2/delete/report/{report_id}",
            params={"withdrawn_on": str(withdrawn_on)},
        )
        if r.status_code == 200:
            self._count("report_withdrawn")
        else:
            self.reject("report", index, _problem(r))


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        found = r.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _problem(r: httpx.Response) -> dict[str, Any]:
    return _json(r) or {"status": r.status_code, "detail": r.text[:2000]}


def _batched(items: list[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _mapped(
    importer: Importer, kind: str, records: list[Any], mapping: Callable[[Any], dict[str, Any]]
) -> list[tuple[int, dict[str, Any]]]:
    """Each record's body, or its rejection with the reason it cannot be mapped."""
    bodies: list[tuple[int, dict[str, Any]]] = []
    for index, record in enumerate(records):
        try:
            bodies.append((index, mapping(record)))
        except deqar.RecordError as exc:
            importer.unmappable(kind, index, str(exc))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            importer.unmappable(kind, index, f"cannot read the record: {exc!r}")
    return bodies


def _report(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise deqar.RecordError("a report must be a Submission API object")
    return dict(record)


async def run_import(
    base_url: str,
    headers: dict[str, str],
    agencies: list[Any],
    institutions: list[Any],
    reports: list[Any],
    concurrency: int = 8,
    progress: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Agencies and institutions as DEQAR's web API v2 serves them, then reports
    as Submission API objects; a report may carry ``withdrawn_on`` (a history
    import): it is submitted, then withdrawn with that date."""
    rejections: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=30, transport=transport
    ) as http:
        importer = Importer(http, rejections)
        plan = [
            ("agency", "/v1/agencies", agencies, deqar.agency_from_deqar),
            ("institution", "/v1/institutions", institutions, deqar.institution_from_deqar),
            ("report", "/submissionapi/v2/submit/report", reports, _report),
        ]
        for kind, url, records, mapping in plan:
            # Agencies and institutions must exist before the reports naming them.
            bodies = _mapped(importer, kind, records, mapping)
            with tqdm(total=len(records), desc=kind, unit="rec", disable=not progress) as bar:
                bar.update(len(records) - len(bodies))
                for batch in _batched(bodies, concurrency):
                    await asyncio.gather(*(importer.post(kind, url, i, b) for i, b in batch))
                    bar.update(len(batch))
    rejections.sort(
        key=lambda r: (["agency", "institution", "report"].index(r["kind"]), r["index"])
    )
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

    def load(p: str | None) -> list[Any]:
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
    try:
        counts, rejections = asyncio.run(go())
    except (OSError, ValueError, httpx.HTTPError) as exc:
        # A file that is not JSON, or a registry that cannot be reached: nothing was read.
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
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
    imp.add_argument(
        "--reports",
        help="Submission API v2 report objects JSON; a history import may add withdrawn_on "
        "(YYYY-MM-DD) to a report DEQAR shows withdrawn",
    )
    imp.add_argument("--rejections", default="registry-import-rejections.json")
    imp.add_argument("--concurrency", type=int, default=8)
    imp.set_defaults(func=_import_cmd)
    boot = sub.add_parser("bootstrap-admin", help="create the admin client (idempotent)")
    boot.add_argument("--out", default=".meriter/admin-client.json")
    boot.set_defaults(func=_bootstrap_cmd)
    check = sub.add_parser(
        "check-offerings",
        help="list stored offerings no credential can be made of, with the reasons "
        "(exit status 1 when any)",
    )
    check.set_defaults(func=_check_offerings_cmd)


def _bootstrap_cmd(args: argparse.Namespace) -> int:
    created = asyncio.run(bootstrap_admin(Settings(), Path(args.out)))
    print(json.dumps({"created": created, "out": args.out}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``meriter-registry [serve | import ... | bootstrap-admin --out PATH | check-offerings]``."""
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
