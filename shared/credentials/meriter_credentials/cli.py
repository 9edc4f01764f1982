"""``meriter vc``: keygen, sign, verify and bench for Data Integrity credentials.

Invariants:

- Exit codes: 0 success / verified, 1 not verified or operation failed,
  2 bad usage (argparse's own errors already exit 2; unreadable inputs too).
- Nothing is fetched: did:web documents come from ``--did-docs``, status
  lists from ``--status-list``.
- Secret keys are never printed; ``keygen`` prints only the public part.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meriter_credentials.did import OfflineResolver, did_web_document
from meriter_credentials.keys import Ed25519KeyPair, KeyFormatError, keygen
from meriter_credentials.proofs import (
    JCS,
    RDFC,
    SUITES,
    ProofError,
    add_proof,
    verify_proofs,
)
from meriter_credentials.statuslist import status_lists_by_id
from meriter_credentials.verification import verify_credential


class _UsageError(Exception):
    pass


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _UsageError(f"cannot read {path}: {exc}") from None


def _cmd_keygen(args: argparse.Namespace) -> int:
    try:
        pair = keygen(Path(args.out), did_web=args.did_web)
    except (FileExistsError, KeyFormatError) as exc:
        print(f"meriter vc keygen: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(pair.public_json(), indent=2))
    return 0


def _cmd_sign(args: argparse.Namespace) -> int:
    try:
        key = Ed25519KeyPair.load(Path(args.key))
    except KeyFormatError as exc:
        print(f"meriter vc sign: {exc}", file=sys.stderr)
        return 2
    document = _read_json(args.input)
    if not isinstance(document, dict):
        raise _UsageError("credential must be a JSON object")
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        document["issuer"] = {**issuer, "id": key.controller}
    else:
        document["issuer"] = key.controller
    try:
        signed = add_proof(document, key, suite=args.suite)
    except ProofError as exc:
        print(f"meriter vc sign: {exc}", file=sys.stderr)
        return 1
    Path(args.output).write_text(
        json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    did_docs: dict[str, Any] = {}
    if args.did_docs:
        loaded = _read_json(args.did_docs)
        if isinstance(loaded, list):
            did_docs = {d["id"]: d for d in loaded if isinstance(d, dict) and "id" in d}
        elif isinstance(loaded, dict) and "id" in loaded and "verificationMethod" in loaded:
            did_docs = {loaded["id"]: loaded}
        elif isinstance(loaded, dict):
            did_docs = loaded
        else:
            raise _UsageError(
                "--did-docs must hold a DID document, a list or a DID -> document map"
            )
    lists = []
    for path in args.status_list or []:
        loaded = _read_json(path)
        lists.extend(loaded if isinstance(loaded, list) else [loaded])
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        except ValueError:
            raise _UsageError(f"--now {args.now!r} is not an ISO dateTime") from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    document = _read_json(args.file)
    report = verify_credential(
        document,
        resolver=OfflineResolver(did_docs),
        status_lists=status_lists_by_id(x for x in lists if isinstance(x, dict)),
        now=now,
    )
    print(report.model_dump_json(indent=2))
    return 0 if report.verified else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    """Sign and verify ``samples.sample_credential()`` exactly as issued.

    The signing key is a did:web key of the sample's own issuer DID, so the
    measured document is the sample byte for byte; verification resolves that
    DID from an in-memory DID document (no network). Only the proof
    operations are timed: no format (VC DM / OB 3.0) validation.
    """
    from meriter_credentials import samples

    document = samples.sample_credential()
    issuer = document["issuer"]
    did = issuer["id"] if isinstance(issuer, dict) else issuer
    key = Ed25519KeyPair.from_seed(bytes(range(32)), did_web=did)
    resolver = OfflineResolver({did: did_web_document(did, [key])})
    size = len(json.dumps(document, separators=(",", ":")).encode("utf-8"))
    started = time.perf_counter()
    signed = [add_proof(document, key, suite=args.suite) for _ in range(args.n)]
    sign_s = time.perf_counter() - started
    started = time.perf_counter()
    ok = sum(all(r.verified for r in verify_proofs(d, resolver=resolver)) for d in signed)
    verify_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "suite": args.suite,
                "n": args.n,
                "bytes": size,
                "sign_per_s": round(args.n / sign_s, 1),
                "verify_per_s": round(args.n / verify_s, 1),
                "verified": ok,
                "cores": 1,
            }
        )
    )
    return 0 if ok == args.n else 1


def _run(func: Any) -> Any:
    def wrapped(args: argparse.Namespace) -> int:
        try:
            code: int = func(args)
        except _UsageError as exc:
            print(f"meriter vc: {exc}", file=sys.stderr)
            return 2
        return code

    return wrapped


def register(subparsers: Any) -> None:
    """Add ``vc`` to the ``meriter`` command (entry point ``meriter.cli``)."""
    vc = subparsers.add_parser("vc", help="verifiable credentials: keys, signing, verification")
    sub = vc.add_subparsers(dest="vc_command", required=True)

    p = sub.add_parser("keygen", help="generate an Ed25519 key file (mode 0600)")
    p.add_argument("--did-web", help="controller did:web DID (default: the key's did:key)")
    p.add_argument("out")
    p.set_defaults(func=_run(_cmd_keygen))

    p = sub.add_parser("sign", help="set issuer and add a Data Integrity proof")
    p.add_argument("--key", required=True)
    p.add_argument("--suite", choices=SUITES, default=RDFC)
    p.add_argument("input")
    p.add_argument("output")
    p.set_defaults(func=_run(_cmd_sign))

    p = sub.add_parser("verify", help="verify a credential and print the JSON report")
    p.add_argument("--did-docs", help="JSON: DID document(s) for did:web resolution")
    p.add_argument("--status-list", action="append", help="a status list credential (repeatable)")
    p.add_argument("--now", help="ISO dateTime to verify at (default: now)")
    p.add_argument("file")
    p.set_defaults(func=_run(_cmd_verify))

    p = sub.add_parser("bench", help="sign and verify N sample micro-credentials on one core")
    p.add_argument("--suite", choices=SUITES, default=RDFC)
    p.add_argument("--n", type=int, default=200)
    p.set_defaults(func=_run(_cmd_bench))


__all__ = ["JCS", "RDFC", "register"]
