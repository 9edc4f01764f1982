"""A small SMTP client (RFC 5321) that knows where a failure happened.

What matters for exactly-once delivery is *when* a connection broke:
before the final "." of DATA was written the relay cannot have accepted
the message, so sending it again is safe; after it, the relay may have
accepted it and only its answer was lost (RFC 1047's synchronization gap).
``SmtpConnection.send`` raises :class:`ConnectionLost` with ``in_doubt``
telling which. Replies are :class:`SmtpReply` errors carrying the code and
the stage (``MAIL``, ``RCPT``, ``DATA``, ``DOT``). STARTTLS (RFC 3207) and
AUTH PLAIN (RFC 4954) are used when configured, PIPELINING (RFC 2920)
when offered; parallel connections carry the rest of the throughput.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from dataclasses import dataclass


class SmtpError(Exception):
    pass


@dataclass
class SmtpReply(SmtpError):
    """The relay answered a command with an error."""

    code: int
    stage: str
    text: str

    def __str__(self) -> str:
        return f"{self.code} at {self.stage}"

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500


class ConnectionLost(SmtpError):
    """The connection failed; ``in_doubt`` when after the message's final "."."""

    def __init__(self, stage: str, in_doubt: bool, cause: BaseException | None = None) -> None:
        super().__init__(f"connection lost at {stage}: {type(cause).__name__ if cause else ''}")
        self.stage = stage
        self.in_doubt = in_doubt


def dot_stuff(message: bytes) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled, ending CRLF.CRLF."""
    body = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if body.startswith(b"."):
        body = b"." + body
    body = body.replace(b"\r\n.", b"\r\n..")
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


@dataclass(frozen=True)
class SmtpOptions:
    host: str
    port: int
    helo_name: str
    starttls: bool = False
    ssl_context: ssl.SSLContext | None = None
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    data_timeout_s: float = 600.0


class SmtpConnection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, options: SmtpOptions
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.options = options
        self.extensions: set[str] = set()

    @classmethod
    async def open(cls, options: SmtpOptions) -> SmtpConnection:
        """Connect, greet, upgrade and authenticate; raises OSError or SmtpError."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(options.host, options.port), options.timeout_s
        )
        conn = cls(reader, writer, options)
        try:
            await conn._expect(220, "CONNECT")
            await conn._ehlo()
            if options.starttls:
                if "STARTTLS" not in conn.extensions:
                    raise SmtpReply(530, "STARTTLS", "the relay offers no STARTTLS")
                await conn._command(b"STARTTLS", 220, "STARTTLS")
                context = options.ssl_context or ssl.create_default_context()
                await writer.start_tls(context, server_hostname=options.host)
                await conn._ehlo()
            if options.username is not None:
                token = base64.b64encode(
                    b"\0" + options.username.encode() + b"\0" + (options.password or "").encode()
                )
                await conn._command(b"AUTH PLAIN " + token, 235, "AUTH")
        except BaseException:
            conn.abort()
            raise
        return conn

    async def _ehlo(self) -> None:
        lines = await self._command(b"EHLO " + self.options.helo_name.encode(), 250, "EHLO")
        self.extensions = {line.split(" ", 1)[0].upper() for line in lines[1:]}

    async def _read_reply(self, wait_s: float) -> tuple[int, list[str]]:
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.reader.readline(), wait_s)
            if not raw.endswith(b"\n"):
                raise ConnectionResetError("the relay closed the connection")
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if len(text) < 3 or not text[:3].isdigit():
                raise SmtpReply(554, "PROTOCOL", "not an SMTP reply")
            lines.append(text[4:])
            if len(text) == 3 or text[3] == " ":
                return int(text[:3]), lines

    async def _expect(self, code: int, stage: str, wait_s: float | None = None) -> list[str]:
        got, lines = await self._read_reply(wait_s or self.options.timeout_s)
        if got != code and not (code == 250 and got == 251):
            raise SmtpReply(got, stage, " ".join(lines)[:200])
        return lines

    async def _command(self, line: bytes, code: int, stage: str) -> list[str]:
        self.writer.write(line + b"\r\n")
        await self.writer.drain()
        return await self._expect(code, stage)

    async def send(self, sender: str, recipient: str, message: bytes) -> None:
        """One transaction. Raises SmtpReply (the connection stays usable) or ConnectionLost.

        With PIPELINING (RFC 2920) offered, MAIL, RCPT and DATA go in one
        write and their replies are read in order; the message follows a 354.
        On a loaded machine each write to the relay costs more than anything
        else the sender does, so this halves a message's cost.
        """
        stage = "MAIL"
        commands = [
            (f"MAIL FROM:<{sender}>".encode(), 250, "MAIL"),
            (f"RCPT TO:<{recipient}>".encode(), 250, "RCPT"),
            (b"DATA", 354, "DATA"),
        ]
        try:
            if "PIPELINING" in self.extensions:
                self.writer.write(b"".join(line + b"\r\n" for line, _, _ in commands))
                await self.writer.drain()
                refused: SmtpReply | None = None
                for _, code, stage in commands:
                    try:
                        await self._expect(code, stage)
                    except SmtpReply as reply:
                        refused = refused or reply
                        if stage == "DATA":
                            raise refused from None
                    else:
                        if stage == "DATA" and refused is not None:
                            # DATA was taken although an earlier command was not: end it empty.
                            self.writer.write(b".\r\n")
                            await self.writer.drain()
                            await self._read_reply(self.options.timeout_s)
                            raise refused
            else:
                for line, code, stage in commands:
                    await self._command(line, code, stage)
            stage = "DOT"
            self.writer.write(dot_stuff(message))
            await self.writer.drain()
        except SmtpReply:
            await self._reset()
            raise
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            # Until the final "." is on its way the relay cannot have accepted it.
            raise ConnectionLost(stage, in_doubt=False, cause=exc) from exc
        try:
            await self._expect(250, "DOT", self.options.data_timeout_s)
        except SmtpReply:
            raise
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            raise ConnectionLost("DOT", in_doubt=True, cause=exc) from exc

    async def _reset(self) -> None:
        with contextlib.suppress(Exception):
            await self._command(b"RSET", 250, "RSET")

    async def quit(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._command(b"QUIT", 221, "QUIT"), 2)
        self.abort()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
