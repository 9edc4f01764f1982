"""Notifier settings (environment prefix ``NOTIFIER_``; nested groups with ``__``)."""

from __future__ import annotations

import ssl
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from meriter_shared.auth import AuthSettings
from meriter_shared.events.topics import Topics
from meriter_shared.settings import PostgresSettings, ServiceSettings


class SmtpSettings(BaseModel):
    """The relay learners' mail goes through."""

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    # Upgrade the connection with STARTTLS (refuse to send when the relay cannot).
    starttls: bool = False
    # A CA bundle to trust for STARTTLS besides the system's (a private relay).
    ca_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    helo_name: str = "meriter.localhost"
    # Parallel connections to the relay.
    connections: int = Field(default=8, ge=1, le=256)
    # Messages a second the relay takes (None: as fast as it answers); a relay
    # answering 4xx halves the pace, which then recovers step by step.
    rate_per_s: float | None = Field(default=None, gt=0)
    # Per command; the reply to the final "." gets data_timeout_s (RFC 5321
    # §4.5.3.2 asks 10 minutes: a short one turns slow relays into duplicates).
    timeout_s: float = Field(default=30.0, gt=0)
    data_timeout_s: float = Field(default=600.0, gt=0)


class MailSettings(BaseModel):
    sender: str = "Meriter <no-reply@meriter.example>"
    # Messages a second to one receiving domain (None: no limit); per-domain overrides.
    domain_rate_per_s: float | None = Field(default=None, gt=0)
    domain_rates: dict[str, float] = Field(default_factory=dict)
    # Tries for a message the relay refuses for now (4xx); a relay that is
    # down costs a message no try: it waits as long as the outage lasts.
    max_attempts: int = Field(default=12, ge=1)
    backoff_base_s: float = Field(default=30.0, gt=0)
    backoff_cap_s: float = Field(default=3600.0, gt=0)


class WebhookSettings(BaseModel):
    # SSRF: endpoints must be HTTPS on public addresses unless these say otherwise.
    allow_private_networks: bool = False
    allow_http: bool = False
    ca_file: Path | None = None
    timeout_s: float = Field(default=10.0, gt=0)
    concurrency: int = Field(default=16, ge=1, le=512)
    # Tries before a delivery is parked (listed and replayed by the institution).
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_s: float = Field(default=5.0, gt=0)
    backoff_cap_s: float = Field(default=3600.0, gt=0)
    max_endpoints_per_institution: int = Field(default=20, ge=1)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", env_nested_delimiter="__")
    service_name: str = "notifier"
    postgres: PostgresSettings = PostgresSettings.local("notifier")
    port: int = 8004
    # Institutions' tokens come from the registry.
    auth: AuthSettings = AuthSettings(jwks_url="http://127.0.0.1:8001/.well-known/jwks.json")
    smtp: SmtpSettings = SmtpSettings()
    mail: MailSettings = MailSettings()
    webhooks: WebhookSettings = WebhookSettings()
    # Learners' contact data is kept this long after the event brought it,
    # then purged (at once on ``learner.erased``).
    contact_retention_days: float = Field(default=30.0, gt=0)
    # Finished deliveries (sent, failed, bounced) stay this long for
    # institutions to look up, then are purged in batches; parked webhooks
    # stay until replayed.
    delivery_retention_days: float = Field(default=90.0, gt=0)
    # A claimed delivery whose sender vanished is taken up again after this.
    claim_lease_s: float = Field(default=120.0, gt=0)
    # The one-machine stack's SMTP sink: when set, /mail lists what it received.
    mail_sink_dir: Path | None = None
    # Where events come from (tests use topics and groups of their own).
    consumer_group: str = "notifier.deliveries"
    consume_topics: list[str] = Field(default_factory=lambda: [Topics.CREDENTIALS, Topics.RESULTS])


def ca_context(ca_file: Path | None) -> ssl.SSLContext | None:
    """A TLS context trusting ``ca_file`` besides the system's CAs (None: the defaults)."""
    return None if ca_file is None else ssl.create_default_context(cafile=str(ca_file))
