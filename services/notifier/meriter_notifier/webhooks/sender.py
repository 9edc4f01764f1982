"""Institutions' webhooks: the webhook channel of the sender loop (``deliveries/dispatch.py``).

Each try POSTs the stored body with fresh ``webhook-timestamp`` and
signature headers (``signing.py``) to an address checked by ``ssrf.py``.
A 2xx answer is ``sent``; anything else (another status, a timeout, a
refused connection) spends a try and waits an exponential backoff with
full jitter; after ``webhooks.max_attempts`` tries the delivery is parked
(``failed``), listed and replayed through the API. An endpoint that now
resolves to an address not allowed is parked at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from meriter_notifier.config import WebhookSettings, ca_context
from meriter_notifier.deliveries.service import Item, Outcome
from meriter_notifier.mail.sender import backoff
from meriter_notifier.webhooks import signing, ssrf
from meriter_shared.secrets import MasterKeys, SecretsError

log = logging.getLogger(__name__)
USER_AGENT = "Meriter-Webhooks/1"


def secret_purpose(endpoint_id: str) -> str:
    return f"notifier/webhook-secret/{endpoint_id}"


class WebhookChannel:
    name = "webhook"

    def __init__(self, settings: WebhookSettings, keys: MasterKeys) -> None:
        self.settings = settings
        self.keys = keys
        self.concurrency = settings.concurrency
        self.client = httpx.AsyncClient(
            verify=ca_context(settings.ca_file) or True,
            timeout=settings.timeout_s,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.concurrency),
            trust_env=False,
        )
        self._secrets: dict[str, str] = {}

    def paused_for(self) -> float:
        return 0.0

    def triage(self, rows: Sequence[Any]) -> tuple[list[Item], list[Outcome]]:
        items: list[Item] = []
        settled: list[Outcome] = []
        for row in rows:
            if row["url"] is None or row["endpoint_deleted_at"] is not None:
                settled.append(Outcome(row["id"], "failed", 0, 0.0, "endpoint deleted"))
            else:
                items.append(Item(row))
        return items, settled

    def slot(self) -> WebhookSlot:
        return WebhookSlot(self)

    def secret(self, endpoint_id: str, sealed: str) -> str:
        if endpoint_id not in self._secrets:
            self._secrets[endpoint_id] = self.keys.open(
                sealed, secret_purpose(endpoint_id)
            ).decode()
        return self._secrets[endpoint_id]

    async def post(self, row: Any) -> httpx.Response:
        """POST the delivery to the address its host resolves to, once checked."""
        s = self.settings
        url = ssrf.check_url(
            row["url"], allow_http=s.allow_http, allow_private=s.allow_private_networks
        )
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = await ssrf.resolve(host, port, allow_private=s.allow_private_networks)
        literal = f"[{address}]" if ":" in address else address
        target = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        body = row["body"].encode()
        endpoint = str(row["endpoint_id"])
        headers = {
            "host": parts.netloc.rpartition("@")[2],
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signing.headers(
                self.secret(endpoint, row["secret_sealed"]),
                row["message_id"],
                int(time.time()),
                body,
            ),
        }
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return await self.client.post(target, content=body, headers=headers, extensions=extensions)


class WebhookSlot:
    def __init__(self, channel: WebhookChannel) -> None:
        self.channel = channel

    async def close(self) -> None:
        return None

    async def send(self, item: Item) -> Outcome:
        ch = self.channel
        row = item.row
        attempts = int(row["attempts"]) + 1
        try:
            response = await ch.post(row)
        except ssrf.Refused as exc:
            return Outcome(item.id, "failed", 1, 0.0, str(exc), park=True)
        except SecretsError:
            return Outcome(
                item.id, "failed", 1, 0.0, "the endpoint's secret does not open", park=True
            )
        except (httpx.HTTPError, OSError) as exc:
            error = f"no answer: {type(exc).__name__}"
        else:
            if 200 <= response.status_code < 300:
                return Outcome(item.id, "sent", 1, 0.0, None)
            error = f"answered {response.status_code}"
        if attempts >= ch.settings.max_attempts:
            log.warning(
                "webhook delivery parked",
                extra={
                    "delivery_id": item.id,
                    "endpoint_id": str(row["endpoint_id"]),
                    "error": error,
                },
            )
            return Outcome(
                item.id, "failed", 1, 0.0, f"{error}; parked after {attempts} tries", park=True
            )
        delay = backoff(attempts, ch.settings.backoff_base_s, ch.settings.backoff_cap_s)
        return Outcome(item.id, "retrying", 1, delay, error)
