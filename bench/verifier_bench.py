"""Verification through ``POST /v1/verify``: the whole platform on this machine.

Starts the stack as ``make up`` does (four services, each an HTTP and a
worker process, Postgres, Tansu) on free ports, with the verifier's HTTP
server given ``--workers`` uvicorn processes (``VERIFIER_WORKERS``) and its
checks run in-process or in a CPU pool (``--pool``). A quality-assured
institution issues ``--credentials`` real micro-credentials through the
issuer (``eddsa-rdfc-2022``, each with its status entry); then:

* **warm-up**: every credential verified a few times, so each verifier
  process holds the DID document, both status lists and the QA answer;
* **throughput, first sight**: ``--concurrency`` connections send every
  other credential once, back to back: verifications per second when each
  one is canonicalized and its signature checked (every answer must be
  ``verified``);
* **throughput, seen before**: the same for ``--seconds``, cycling through
  all of them: the verifier keeps what a credential's own checks found,
  so only status, issuer and QA are looked up again;
* **steady**: ``--rate`` verifications a second, evenly spaced, for
  ``--seconds``: latency p50/p99/max.

The load generator is a small raw HTTP/1.1 client (keep-alive, one request
in flight per connection) so it takes little of the two cores it shares with
the platform. Prints one JSON object, with the machine's load average
before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bench.infra import cpu_seconds, process_tree  # noqa: E402
from meriter_local.procs import free_port  # noqa: E402
from meriter_local.stack import SERVICES, Stack, StackConfig  # noqa: E402
from support.driver import Platform, result  # noqa: E402


def command_of(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()[:80]
    except OSError:
        return b"?"


def settle(quiet_cpu_s: float = 0.25, window_s: float = 1.0, timeout_s: float = 120.0) -> None:
    """Wait until this process and every process below it (the platform, the mail
    sink) used less than ``quiet_cpu_s`` CPU seconds in ``window_s``: what issuing
    the credentials set off (mails, projections) is done before anything is timed.
    (The idle platform takes about 0.15: consumers polling, the broker.)"""
    deadline = time.monotonic() + timeout_s
    tree = process_tree(os.getpid())
    used = cpu_seconds(tree)
    while time.monotonic() < deadline:
        time.sleep(window_s)
        tree = process_tree(os.getpid())
        now = cpu_seconds(tree)
        if now - used < quiet_cpu_s:
            return
        used = now
    raise RuntimeError("the platform never settled after issuing")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Connection:
    """One keep-alive HTTP/1.1 connection sending prepared requests."""

    def __init__(
        self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.port, self.reader, self.writer = port, reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(port, reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        try:
            return await self._send(request)
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed an idle keep-alive connection: open another once.
            self.writer.close()
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            return await self._send(request)

    async def _send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        self.writer.close()


def prepared(port: int, credential: dict[str, Any]) -> bytes:
    body = json.dumps({"credential": credential}).encode()
    return (
        f"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def verified(status: int, body: bytes) -> bool:
    return status == 200 and b'"verdict":"verified"' in body


async def throughput(
    port: int, requests: list[bytes], concurrency: int, seconds: float | None
) -> Any:
    """Back to back on ``concurrency`` connections: for ``seconds`` cycling through
    ``requests``, or (``seconds`` None) each request exactly once."""
    connections = [await Connection.open(port) for _ in range(concurrency)]
    done = 0
    wrong = 0
    next_index = 0
    stop = time.perf_counter() + (seconds if seconds is not None else 3600)

    async def loop(conn: Connection, _k: int) -> None:
        nonlocal done, wrong, next_index
        while time.perf_counter() < stop:
            if seconds is None and next_index >= len(requests):
                return
            i = next_index
            next_index += 1
            status, body = await conn.send(requests[i % len(requests)])
            if verified(status, body):
                done += 1
            else:
                wrong += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(c, k) for k, c in enumerate(connections)))
    elapsed = time.perf_counter() - started
    for c in connections:
        c.close()
    return {"verifications_per_s": round(done / elapsed), "not_verified": wrong}


async def steady(port: int, requests: list[bytes], rate: int, seconds: float) -> Any:
    """Open loop: a request every 1/rate s on a free connection (more are opened if needed).

    The connection idle longest is taken, so all of them carry requests, as many
    clients' would: the verifier's HTTP processes each accepted some of them."""
    free: deque[Connection] = deque([await Connection.open(port) for _ in range(32)])
    latencies: list[float] = []
    dues: list[float] = []
    wrong = 0
    tasks = []

    async def one(request: bytes, due: float) -> None:
        nonlocal wrong
        conn = free.popleft() if free else await Connection.open(port)
        status, body = await conn.send(request)
        latencies.append(time.perf_counter() - due)
        dues.append(due - start)
        free.append(conn)
        if not verified(status, body):
            wrong += 1

    start = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(requests[n % len(requests)], due)))
    await asyncio.gather(*tasks)
    for c in free:
        c.close()
    ms = [x * 1000 for x in latencies]
    if os.environ.get("BENCH_SLOWEST"):
        print(sorted(zip(ms, dues, strict=True))[-20:], file=sys.stderr)
    return {
        "rate_per_s": rate,
        "requests": total,
        "not_verified": wrong,
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


async def issue(platform: Platform, count: int) -> list[dict[str, Any]]:
    agency, acronym = await platform.agency()
    institution, deqar = await platform.institution()
    await platform.report(agency, acronym, deqar)
    headers = await platform.client_for("institution", institution)
    offering = await platform.offering(institution, headers)
    for start in range(0, count, 1000):
        batch = [result(f"VB-{i:06d}", offering) for i in range(start, min(start + 1000, count))]
        r = await platform.call("issuer", "POST", "/v1/results", headers, json=batch)
        assert r.status_code == 202, r.text
    async with httpx.AsyncClient(
        base_url=platform.urls["issuer"], headers=headers, timeout=60
    ) as http:
        while (await http.get("/v1/results/summary")).json()["issued"] < count:
            await asyncio.sleep(0.25)
        ids: list[str] = []
        cursor = None
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/v1/credentials", params=params)).json()
            ids += [i["credential_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        semaphore = asyncio.Semaphore(16)

        async def fetch(credential_id: str) -> dict[str, Any]:
            async with semaphore:
                document: dict[str, Any] = (
                    await http.get(f"/v1/credentials/{credential_id}")
                ).json()
                return document

        return list(await asyncio.gather(*(fetch(i) for i in ids)))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.workers:
        os.environ["VERIFIER_WORKERS"] = str(args.workers)
    os.environ["VERIFIER_VERIFY_IN_POOL"] = "true" if args.pool else "false"
    os.environ["VERIFIER_CPU_PROCESSES"] = str(args.cpu_processes)
    os.environ["VERIFIER_RATE_LIMIT_PER_S"] = "1000000"
    os.environ["VERIFIER_RATE_LIMIT_BURST"] = "1000000"
    os.environ["VERIFIER_LOG_LEVEL"] = "WARNING"
    with tempfile.TemporaryDirectory(prefix="mvb-") as tmp:
        state = Path(tmp)
        state.chmod(0o755)  # noqa: ASYNC240 - once, before anything runs
        cfg = StackConfig(state_dir=state, pg_port=free_port(), kafka_port=free_port())
        cfg.ports = {s: free_port() for s in SERVICES}
        cfg.worker_ports = {s: free_port() for s in SERVICES}
        stack = Stack(cfg)
        try:
            await asyncio.to_thread(stack.start)
            await asyncio.to_thread(stack.wait_ready)
            urls = {s: cfg.url(s) for s in SERVICES}
            platform = await Platform.connect(urls, stack.admin_client_file)
            credentials = await issue(platform, args.credentials)
            port = cfg.ports["verifier"]
            requests = [prepared(port, c) for c in credentials]
            # Warm-up on a few credentials, until every answer is "verified" (the
            # verifier's projections have the institution and its identity) and
            # each process holds the DID document, both status lists, the QA answer.
            warm, fresh = requests[:32], requests[32:]
            half = len(fresh) // 2
            fresh, unseen = fresh[:half], fresh[half:]
            deadline = time.perf_counter() + 120
            while True:
                first = await throughput(port, warm, 8, 2.0)
                if first["not_verified"] == 0 and first["verifications_per_s"] > 0:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"credentials never verified: {first}")
            await asyncio.to_thread(settle)
            load_before = os.getloadavg()
            verifier = process_tree(stack.services["verifier"].pid)
            figures = {}
            for phase, batch, seconds in (
                ("first_sight", fresh, None),
                ("seen_before", requests, args.seconds),
            ):
                cpu_before, own_before = cpu_seconds(verifier), time.process_time()
                everything = process_tree(os.getpid())
                all_before = cpu_seconds(everything)
                per_process = {pid: cpu_seconds([pid]) for pid in everything}
                started = time.perf_counter()
                found = await throughput(port, batch, args.concurrency, seconds)
                done = found["verifications_per_s"] * (time.perf_counter() - started)
                found["verifier_cpu_ms_per_verification"] = round(
                    (cpu_seconds(verifier) - cpu_before) * 1000 / max(1, done), 3
                )
                found["load_generator_cpu_ms_per_verification"] = round(
                    (time.process_time() - own_before) * 1000 / max(1, done), 3
                )
                # Whatever else ran meanwhile (the rest of the platform, the mail sink
                # in this process): the machine was the verifier's if this is small.
                others = cpu_seconds(everything) - all_before - (cpu_seconds(verifier) - cpu_before)
                found["rest_of_platform_cpu_ms_per_verification"] = round(
                    others * 1000 / max(1, done) - found["load_generator_cpu_ms_per_verification"],
                    3,
                )
                if os.environ.get("BENCH_SLOWEST"):
                    spent = sorted(
                        (cpu_seconds([pid]) - before, pid) for pid, before in per_process.items()
                    )
                    for used, pid in spent[-6:]:
                        print(phase, round(used, 2), pid, command_of(pid), file=sys.stderr)
                figures[phase] = found
                if phase == "first_sight":
                    # Steady, on credentials not seen yet either.
                    peak = found["verifications_per_s"]
                    steady_rate = args.rate or max(20, int(peak * 0.6))
                    span = min(args.seconds, len(unseen) / steady_rate)
                    latency = await steady(port, unseen, steady_rate, span)
            load_after = os.getloadavg()
        finally:
            await asyncio.to_thread(stack.stop)
    return {
        "benchmark": "POST /v1/verify, warm caches, whole platform on one machine",
        "credentials": len(credentials),
        "credential_bytes": round(sum(len(r) for r in requests) / len(requests)),
        "suite": "eddsa-rdfc-2022, with a status entry (revocation + suspension sibling)",
        "verifier_http_processes": args.workers or os.cpu_count(),
        "checks_in": "the HTTP processes' event loops (documents of at most 64 KB; "
        f"bigger ones in a CPU pool of {args.cpu_processes or os.cpu_count()} per HTTP process)"
        if args.pool
        else "the HTTP processes' event loops",
        "concurrency": args.concurrency,
        "throughput_first_sight": figures["first_sight"],
        "throughput_seen_before": figures["seen_before"],
        "steady": latency,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credentials", type=int, default=3000)
    # The verifier's defaults: one HTTP process per core, each checking a
    # micro-credential on its event loop and a document over 64 KB in its CPU
    # pool. Measured here (first sight): one HTTP process with every check in
    # the pool, 367/s; two with checks inline, 863/s: for a 4 KB credential the
    # hop to the pool costs more than the check.
    parser.add_argument("--workers", type=int, default=0, help="0: the verifier's default")
    parser.add_argument(
        "--pool", action=argparse.BooleanOptionalAction, default=True, help="checks in a CPU pool"
    )
    parser.add_argument("--cpu-processes", type=int, default=0, help="0: one per core")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=int, default=0, help="steady rate; 0: 60%% of the peak")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
