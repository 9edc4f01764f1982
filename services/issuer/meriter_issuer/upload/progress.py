"""The upload's progress on stderr.

Invariants:
- When the file's size is known the bar counts bytes acknowledged of that
  size, so it shows a total, a percentage and an ETA; from a pipe (stdin)
  it shows plain counters (results sent, their rate).
- It draws only where a person watches: by default when stderr is a
  terminal; ``always`` draws anyway (a log, a CI job), ``never`` not at all.
- Messages for the person (rejected rows) are written above the bar, so
  the bar is never torn by them.
"""

from __future__ import annotations

import sys
from typing import Literal, TextIO

from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs shipped

Mode = Literal["auto", "always", "never"]


class Progress:
    def __init__(
        self,
        *,
        total_bytes: int | None,
        start_bytes: int,
        start_records: int,
        mode: Mode,
        stream: TextIO | None = None,
    ) -> None:
        self._stream = stream or sys.stderr
        shown = mode == "always" or (mode == "auto" and self._stream.isatty())
        self._by_bytes = total_bytes is not None
        self._records = start_records
        common = {"file": self._stream, "disable": not shown, "dynamic_ncols": True}
        if self._by_bytes:
            self._bar = tqdm(
                total=total_bytes,
                initial=start_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="uploading",
                **common,
            )
        else:
            self._bar = tqdm(initial=start_records, unit=" results", desc="uploading", **common)

    def advance(self, *, bytes_read: int, records: int, rejected: int) -> None:
        """``records`` more were acknowledged; the file has been read to ``bytes_read``."""
        self._records += records
        if self._by_bytes:
            self._bar.set_postfix_str(
                f"{self._records} results, {rejected} rejected", refresh=False
            )
            self._bar.update(bytes_read - self._bar.n)
        else:
            self._bar.set_postfix_str(f"{rejected} rejected", refresh=False)
            self._bar.update(records)

    def say(self, message: str) -> None:
        """A line for the person, above the bar."""
        tqdm.write(message, file=self._stream)

    def close(self) -> None:
        self._bar.close()
