"""The one-machine stack's SMTP sink: a real SMTP server keeping what it receives.

An aiosmtpd server (in a thread of its own) that accepts every message and
stores it as one RFC 5322 file in a Maildir under ``<state>/mail``
(written to ``tmp/``, then renamed into ``new/``), so the notifier's
``/mail`` page and any mail reader can show it. Like a mailbox that
recognises a copy, it keeps one message per Message-ID: a message sent
again because its first acceptance was never confirmed (RFC 1047's
synchronization gap) is accepted and counted, not stored twice.
``accepted`` counts every message accepted, ``stored`` those kept.

``python -m meriter_local.mailsink MAILDIR HOST PORT`` serves it in a process
of its own (as the one-machine stack runs it) until SIGTERM or SIGINT.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import sys
import threading
import time
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def message_key(data: bytes) -> str:
    """What identifies a message: its Message-ID (else its bytes), hashed."""
    message_id = BytesHeaderParser(policy=default).parsebytes(data).get("Message-ID")
    basis = str(message_id).strip().encode() if message_id else data
    return hashlib.sha256(basis).hexdigest()[:32]


class MaildirSink:
    """An aiosmtpd handler storing each message once in a Maildir."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.keys = {
            part[1:]
            for sub in ("new", "cur")
            for p in (root / sub).iterdir()
            for part in p.name.split(".")
            if part.startswith("M")
        }
        self.accepted = 0
        self.stored = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """Offer PIPELINING (RFC 2920), as mail relays do: aiosmtpd reads
        commands in order from its stream, so pipelined ones are answered in order."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data: bytes = envelope.original_content or envelope.content
        key = message_key(data)
        with self.lock:
            self.accepted += 1
            if key in self.keys:
                return f"250 OK (a copy of {key})"
            self.keys.add(key)
            name = f"{time.time_ns()}.M{key}.{socket.gethostname() or 'meriter'}"
            tmp = self.root / "tmp" / name
            tmp.write_bytes(data.replace(b"\r\n", b"\n"))
            os.replace(tmp, self.root / "new" / name)
            self.stored += 1
        return f"250 OK queued as {key}"

    def messages(self) -> list[Path]:
        return sorted(
            p for sub in ("new", "cur") for p in (self.root / sub).iterdir() if p.is_file()
        )


class SmtpSink:
    """A handler served by aiosmtpd on ``host:port`` until ``stop``."""

    def __init__(self, handler: Any, host: str, port: int) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.controller: Controller | None = None

    def start(self) -> SmtpSink:
        self.controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            server_hostname="meriter-sink.localhost",
            ready_timeout=30,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def main(argv: list[str] | None = None) -> int:
    """Serve a Maildir sink on HOST:PORT until SIGTERM or SIGINT."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m meriter_local.mailsink MAILDIR HOST PORT", file=sys.stderr)
        return 2
    root, host, port = Path(args[0]), args[1], int(args[2])
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sink = SmtpSink(MaildirSink(root), host, port).start()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        sink.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
