"""``/mail``: what the one-machine stack's SMTP sink received (only in that mode).

``make up`` runs a local SMTP server that keeps each message as one RFC
5322 file in a Maildir (``.meriter/mail/new``); this page lists them, so a
newcomer sees what learners receive. It exists only when
``NOTIFIER_MAIL_SINK_DIR`` is set, and is not part of the API.
"""

from __future__ import annotations

import email
import html
import re
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from meriter_shared.errors import NotFound

router = APIRouter(include_in_schema=False)
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


def _messages(root: Path) -> list[Path]:
    files = [p for sub in ("new", "cur") if (root / sub).is_dir() for p in (root / sub).iterdir()]
    return sorted((p for p in files if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)


def _parse(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@router.get("/mail")
async def list_mail(request: Request) -> HTMLResponse:
    root: Path = request.app.state.settings.mail_sink_dir
    rows = []
    for path in _messages(root)[:500]:
        msg = _parse(path)
        rows.append(
            "<tr><td>{}</td><td>{}</td><td><a href='/mail/{}'>{}</a></td></tr>".format(
                html.escape(str(msg["Date"] or "")),
                html.escape(str(msg["To"] or "")),
                html.escape(path.name),
                html.escape(str(msg["Subject"] or "(no subject)")),
            )
        )
    body = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Mail sink</title>"
        "</head><body style='font-family:sans-serif'><h1>Mail the local SMTP sink received</h1>"
        f"<p>{len(rows)} message(s), newest first, from <code>{html.escape(str(root))}</code>.</p>"
        "<table border='1' cellpadding='4'><tr><th>Date</th><th>To</th><th>Subject</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    return HTMLResponse(body)


@router.get("/mail/{name}")
async def show_mail(name: str, request: Request, raw: bool = False) -> Response:
    root: Path = request.app.state.settings.mail_sink_dir
    if not _NAME.match(name):
        raise NotFound("no such message")
    path = next(
        (root / sub / name for sub in ("new", "cur") if (root / sub / name).is_file()), None
    )
    if path is None:
        raise NotFound("no such message")
    if raw:
        return Response(path.read_bytes(), media_type="message/rfc822")
    msg = _parse(path)
    part = msg.get_body(("html", "plain"))
    content = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        return HTMLResponse(content)
    return HTMLResponse(f"<pre>{html.escape(content)}</pre>")
