"""Send a results file to the issuer in chunks; say what became of every row.

Invariants:
- Nothing is sent before the file's header is judged and a token obtained.
- After each chunk the issuer acknowledged (202), the number of records
  done is written to ``FILE.upload-state.json``; a run that stops (the
  issuer or the network failed) resumes after the last acknowledged chunk.
  Sending a chunk again is harmless: its results come back as duplicates.
  The state file is removed when the whole file is done.
- Every rejected row (the issuer's ``rejected`` and ``conflict``, and rows
  the reader could not make a record of) is reported with its line, its
  ``result_id`` and the problem's detail: on stderr, or in ``--rejects``.
- The exit status says how it went (``EXIT_*``); the last line on stdout
  is a JSON summary of this run's counts.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

import httpx

from meriter_issuer.upload.columns import COLUMNS, HeaderError
from meriter_issuer.upload.progress import Mode, Progress
from meriter_issuer.upload.reading import Item, Lines, UnreadableFile, items_of, result_id_of

EXIT_ALL_ACCEPTED = 0  # every row accepted (or there already, unchanged: a duplicate)
EXIT_SOME_REJECTED = 1  # some rows accepted, some rejected
EXIT_NONE_ACCEPTED = 2  # no row accepted: all rejected, or the file or the token refused
EXIT_STOPPED = 3  # the issuer or the network failed midway: run again to resume

_COLUMN_OF_FIELD = {".".join(c.field): c.name for c in COLUMNS}


@dataclass(frozen=True)
class Options:
    source: str  # a path, or "-" for stdin
    fmt: str | None  # "csv" or "ndjson"; None: from the file's suffix
    credentials: dict[str, str]
    registry: str
    issuer: str
    chunk: int = 5000
    timeout: float = 300.0
    rejects: Path | None = None
    progress: Mode = "auto"


@dataclass
class Tally:
    accepted: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0

    @property
    def refused(self) -> int:
        return self.conflict + self.rejected

    def exit_status(self) -> int:
        if self.refused == 0:
            return EXIT_ALL_ACCEPTED
        return EXIT_SOME_REJECTED if self.accepted + self.duplicate else EXIT_NONE_ACCEPTED


@dataclass
class Rejects:
    """Where rejected rows go: a CSV or NDJSON file, else stderr above the progress bar."""

    path: Path | None
    append: bool
    _handle: IO[str] | None = field(default=None, init=False)
    _csv: Any = field(default=None, init=False)

    def open(self) -> None:
        if self.path is None:
            return
        had_rows = self.append and self.path.exists() and self.path.stat().st_size > 0
        self._handle = self.path.open("a" if self.append else "w", encoding="utf-8", newline="")
        if self.path.suffix.lower() == ".csv":
            self._csv = csv.writer(self._handle, lineterminator="\n")
            if not had_rows:
                self._csv.writerow(["row", "result_id", "outcome", "reason"])

    def write(
        self, progress: Progress, row: int, result_id: str | None, outcome: str, reason: str
    ) -> None:
        if self._handle is None:
            progress.say(f"row {row} ({result_id or 'no result_id'}): {outcome}: {reason}")
        elif self._csv is not None:
            self._csv.writerow([row, result_id or "", outcome, reason])
        else:
            entry = {"row": row, "result_id": result_id, "outcome": outcome, "reason": reason}
            self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def reason_of(problem: dict[str, Any] | None, outcome: str) -> str:
    """The problem's detail for a person: each field at fault, named as the CSV column."""
    if problem is None:
        if outcome == "conflict":
            return "this result_id was posted before with other content"
        return outcome
    errors = problem.get("errors") or []
    if not errors:
        return str(problem.get("detail") or problem.get("title") or outcome)
    parts = []
    for error in errors:
        name = str(error.get("field") or "")
        parts.append(f"{_COLUMN_OF_FIELD.get(name, name) or 'the record'}: {error.get('message')}")
    return "; ".join(parts)


def format_of(source: str, given: str | None) -> str:
    if given:
        return given
    if source == "-":
        raise ValueError("reading stdin: say which format with --format csv or --format ndjson")
    return "csv" if source.lower().endswith(".csv") else "ndjson"


def upload(opts: Options, http: httpx.Client, out: TextIO = sys.stdout) -> int:
    """Send the file; return the exit status (``EXIT_*``)."""
    err = sys.stderr
    try:
        fmt = format_of(opts.source, opts.fmt)
    except ValueError as exc:
        print(f"meriter results upload: {exc}", file=err)
        return EXIT_NONE_ACCEPTED
    from_stdin = opts.source == "-"
    path = Path(opts.source)
    state_file = None if from_stdin else path.with_name(path.name + ".upload-state.json")
    done = (
        json.loads(state_file.read_text())["acknowledged"]
        if state_file and state_file.exists()
        else 0
    )
    try:
        stream: IO[bytes] = sys.stdin.buffer if from_stdin else path.open("rb")
    except OSError as exc:
        print(f"meriter results upload: cannot read {opts.source}: {exc.strerror}", file=err)
        return EXIT_NONE_ACCEPTED
    with stream:
        lines = Lines(stream)
        try:
            items = _skipped(items_of(lines, fmt), done)
        except (HeaderError, UnreadableFile) as exc:
            print(f"meriter results upload: {opts.source}: {exc}", file=err)
            return EXIT_NONE_ACCEPTED
        token = _token(http, opts)
        if token is None:
            return EXIT_NONE_ACCEPTED
        size = _size(stream)
        progress = Progress(
            total_bytes=size,
            start_bytes=lines.bytes_read,
            start_records=done,
            mode=opts.progress,
        )
        rejects = Rejects(opts.rejects, append=done > 0)
        rejects.open()
        tally = Tally()
        try:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
            while True:
                try:
                    chunk = list(itertools.islice(items, opts.chunk))
                except UnreadableFile as exc:
                    progress.say(f"meriter results upload: {opts.source}: {exc}")
                    progress.say(
                        f"{done} records acknowledged; fix the file and run again to resume"
                    )
                    return EXIT_STOPPED
                if not chunk:
                    break
                if not _send(http, opts, headers, chunk, tally, rejects, progress):
                    progress.say(f"{done} records acknowledged; run again to resume")
                    return EXIT_STOPPED
                rejects.flush()
                done += len(chunk)
                if state_file is not None:
                    state_file.write_text(json.dumps({"acknowledged": done}))
                progress.advance(
                    bytes_read=lines.bytes_read, records=len(chunk), rejected=tally.refused
                )
        finally:
            progress.close()
            rejects.close()
    if state_file is not None:
        state_file.unlink(missing_ok=True)
    if tally.refused and opts.rejects is not None:
        print(f"{tally.refused} rows rejected: see {opts.rejects}", file=sys.stderr)
    summary = {**tally.__dict__, "rejects": str(opts.rejects) if opts.rejects else None}
    print(json.dumps(summary), file=out)
    return tally.exit_status()


def _skipped(items: Iterator[Item], done: int) -> Iterator[Item]:
    """The items after the first ``done``; reads the header (raising its error) at once."""
    first = next(items, None)
    rest = itertools.chain([] if first is None else [first], items)
    for _ in range(done):  # acknowledged before an interruption
        next(rest, None)
    return rest


def _size(stream: IO[bytes]) -> int | None:
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _token(http: httpx.Client, opts: Options) -> str | None:
    url = opts.registry.rstrip("/") + "/v1/oauth/token"
    try:
        r = http.post(url, data={"grant_type": "client_credentials", **opts.credentials})
    except httpx.HTTPError as exc:
        print(f"meriter results upload: cannot reach the registry at {url}: {exc}", file=sys.stderr)
        return None
    if r.status_code != 200:
        print(
            f"meriter results upload: no token from the registry: {r.status_code} {r.text}",
            file=sys.stderr,
        )
        return None
    token: str = r.json()["access_token"]
    return token


def _send(
    http: httpx.Client,
    opts: Options,
    headers: dict[str, str],
    chunk: list[Item],
    tally: Tally,
    rejects: Rejects,
    progress: Progress,
) -> bool:
    """Post one chunk and report its rows; False when the issuer did not acknowledge it."""
    sent = [item for item in chunk if item.text is not None]
    for item in chunk:
        if item.error is not None:
            tally.rejected += 1
            rejects.write(progress, item.line, item.result_id, "rejected", item.error)
    if not sent:
        return True
    url = opts.issuer.rstrip("/") + "/v1/results"
    try:
        r = http.post(url, content="\n".join(i.text or "" for i in sent).encode(), headers=headers)
    except httpx.HTTPError as exc:
        progress.say(f"meriter results upload: cannot reach the issuer at {url}: {exc}")
        return False
    if r.status_code != 202:
        progress.say(f"meriter results upload: the issuer answered {r.status_code}: {r.text}")
        return False
    answer = r.json()
    for record in answer["records"]:
        outcome = record["outcome"]
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        if outcome in ("rejected", "conflict"):
            item = sent[record["index"]]
            result_id = record.get("result_id") or item.result_id or result_id_of(item.text or "")
            reason = reason_of(record.get("problem"), outcome)
            rejects.write(progress, item.line, result_id, outcome, reason)
    return True
