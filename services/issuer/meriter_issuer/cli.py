"""``meriter results upload FILE.csv|FILE.ndjson``: an institution's results, in chunks.

The institution's client credentials (a JSON file ``{"client_id",
"client_secret"}`` as the registry hands them out, or ``MERITER_CLIENT_ID`` /
``MERITER_CLIENT_SECRET``) get a token from the registry; the file is read
record by record and posted to the issuer as NDJSON in chunks. After each
chunk the platform acknowledged, the number of records done is written to
``FILE.upload-state.json``, so an interrupted upload resumes after the last
acknowledged chunk (sending one again would be harmless: its results come
back as duplicates). It ends with a summary of accepted, duplicate, conflict
and rejected records; rejected ones (and conflicts) go to
``FILE.rejected.ndjson`` with their reasons.

CSV columns: ``result_id, offering_id, learner_identifier,
learner_identifier_type, learner_name, learner_email, learner_language,
assessed_on, grade, supervision, issued_on`` (empty cells are left out).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs shipped

LEARNER_COLUMNS = {
    "learner_identifier": "identifier",
    "learner_identifier_type": "identifier_type",
    "learner_name": "name",
    "learner_email": "email",
    "learner_language": "language",
}


def csv_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            record: dict[str, Any] = {"learner": {}}
            for column, cell in row.items():
                if column is None or cell is None or not cell.strip():
                    continue
                if column in LEARNER_COLUMNS:
                    record["learner"][LEARNER_COLUMNS[column]] = cell.strip()
                else:
                    record[column.strip()] = cell.strip()
            yield record


def ndjson_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line.rstrip("\n")


def lines_of(path: Path) -> Iterator[str]:
    if path.suffix.lower() == ".csv":
        return (json.dumps(r, ensure_ascii=False) for r in csv_records(path))
    return ndjson_lines(path)


def _credentials(path: str | None) -> dict[str, str]:
    if path:
        data: dict[str, str] = json.loads(Path(path).read_text())
        return data
    client_id, secret = os.environ.get("MERITER_CLIENT_ID"), os.environ.get("MERITER_CLIENT_SECRET")
    if not client_id or not secret:
        raise SystemExit("give --credentials FILE or MERITER_CLIENT_ID and MERITER_CLIENT_SECRET")
    return {"client_id": client_id, "client_secret": secret}


def upload(args: argparse.Namespace) -> int:
    path = Path(args.file)
    state_file = path.with_name(path.name + ".upload-state.json")
    rejected_file = path.with_name(path.name + ".rejected.ndjson")
    done = json.loads(state_file.read_text())["acknowledged"] if state_file.exists() else 0
    creds = _credentials(args.credentials)
    totals = {"accepted": 0, "duplicate": 0, "conflict": 0, "rejected": 0}
    with httpx.Client(timeout=args.timeout) as http:
        token = http.post(
            args.registry.rstrip("/") + "/v1/oauth/token",
            data={"grant_type": "client_credentials", **creds},
        )
        if token.status_code != 200:
            print(f"no token from the registry: {token.status_code} {token.text}", file=sys.stderr)
            return 1
        headers = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "Content-Type": "application/x-ndjson",
        }
        lines = lines_of(path)
        for _ in range(done):  # acknowledged before an interruption
            next(lines, None)
        progress = tqdm(initial=done, unit=" results", disable=args.quiet)
        mode = "a" if done else "w"
        with rejected_file.open(mode, encoding="utf-8") as rejected:
            while True:
                chunk = [line for _, line in zip(range(args.chunk), lines, strict=False)]
                if not chunk:
                    break
                r = http.post(
                    args.issuer.rstrip("/") + "/v1/results",
                    content="\n".join(chunk).encode(),
                    headers=headers,
                )
                if r.status_code != 202:
                    print(f"\nthe issuer answered {r.status_code}: {r.text}", file=sys.stderr)
                    print(f"{done} results acknowledged; run again to resume", file=sys.stderr)
                    return 1
                answer = r.json()
                for key in totals:
                    totals[key] += answer[key]
                for record in answer["records"]:
                    if record["outcome"] in ("rejected", "conflict"):
                        rejected.write(
                            json.dumps(
                                {
                                    "line": done + record["index"] + 1,
                                    "result_id": record.get("result_id"),
                                    "outcome": record["outcome"],
                                    "problem": record.get("problem"),
                                },
                                ensure_ascii=False,
                            )
                            + "\n"
                        )
                rejected.flush()
                done += len(chunk)
                state_file.write_text(json.dumps({"acknowledged": done}))
                progress.update(len(chunk))
        progress.close()
    state_file.unlink(missing_ok=True)
    print(json.dumps({**totals, "rejected_file": str(rejected_file)}))
    return 0


def register(subparsers: Any) -> None:
    """Entry point for the ``meriter.cli`` group: ``meriter results ...``."""
    parser = subparsers.add_parser("results", help="an institution's results")
    sub = parser.add_subparsers(dest="results_command", required=True)
    up = sub.add_parser("upload", help="post a CSV or NDJSON file of results to the issuer")
    up.add_argument("file")
    up.add_argument("--credentials", help='JSON file {"client_id", "client_secret"}')
    up.add_argument(
        "--registry", default=os.environ.get("MERITER_REGISTRY_URL", "http://127.0.0.1:8001")
    )
    up.add_argument(
        "--issuer", default=os.environ.get("MERITER_ISSUER_URL", "http://127.0.0.1:8002")
    )
    up.add_argument("--chunk", type=int, default=5000, help="results per request")
    up.add_argument("--timeout", type=float, default=300.0)
    up.add_argument("--quiet", action="store_true", help="no progress bar")
    up.set_defaults(func=upload)
