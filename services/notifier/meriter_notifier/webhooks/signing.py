"""Webhook signatures, after the Standard Webhooks scheme.

Each POST carries ``webhook-id`` (the same at every retry), ``webhook-
timestamp`` (Unix seconds of this try) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256(key, id "." timestamp "." body)>``, where the key
is the bytes of the endpoint's secret ``whsec_<base64>`` after the prefix.
The README gives the receiver's side (verify, refuse stale timestamps,
remember ids).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }
