"""Verifier settings (environment prefix ``VERIFIER_``).

The verifier never calls the registry: what it knows of institutions and
quality assurance comes from the registry's events (the projection its worker
keeps). Environment variables it does not know are ignored
(``ServiceSettings``: ``extra="ignore"``), so an old ``VERIFIER_REGISTRY_URL``
changes nothing.
"""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from meriter_shared.settings import PostgresSettings, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VERIFIER_", env_nested_delimiter="__")
    service_name: str = "verifier"
    postgres: PostgresSettings = PostgresSettings.local("verifier")
    port: int = 8003
    public_base_url: str = "http://127.0.0.1:8003"
    # The platform's own issuer: its did:web identities and status lists are
    # reached without the public-network rules (plain HTTP on this machine in
    # the one-machine default), and its claim links are opened for the page.
    issuer_url: str = "http://127.0.0.1:8002"
    # Where this verifier reaches that issuer, when not at its public URL (in
    # Compose the public http://localhost:8002 is http://issuer:8002 inside).
    issuer_fetch_url: str | None = None
    # Further origins (scheme://host[:port]) fetched although they are not
    # public HTTPS addresses: the platform's own services elsewhere, or a test
    # server. Everything else must be https on a public address.
    fetch_allow_origins: list[str] = Field(default_factory=list)
    # Limits of one fetch (a did:web document, a status list, a claim link).
    fetch_timeout_s: float = Field(default=5.0, gt=0, le=60)
    fetch_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    fetch_max_redirects: int = Field(default=3, ge=0, le=10)
    # A CA bundle to trust besides the system's (tests' own HTTPS servers).
    fetch_ca_file: str | None = None
    # Fetched documents are kept as their Cache-Control says, within these
    # bounds (a list without caching headers is kept ``fetch_default_ttl_s``).
    fetch_default_ttl_s: float = Field(default=300, ge=0)
    fetch_max_ttl_s: float = Field(default=3600, ge=0)
    fetch_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # Requests to the verify routes, per client address: a token bucket.
    rate_limit_per_s: float = Field(default=2000, gt=0)
    rate_limit_burst: int = Field(default=4000, ge=1)
    # Credentials in one presentation.
    max_presentation_credentials: int = Field(default=20, ge=1, le=1000)
    # HTTP processes: the checks are CPU work, so one per core by default.
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    # Canonicalization, signature and schema checks of a document larger than
    # ``inline_max_chars`` characters of JSON run in the CPU pool (``cpu_processes``
    # processes), so a big or hostile document never holds the event loop;
    # a smaller one (a micro-credential is about 4 KB) is checked on the
    # request's event loop, where it costs less than the hop to the pool.
    # ``verify_in_pool`` off: every document on the event loop.
    verify_in_pool: bool = True
    inline_max_chars: int = Field(default=64 * 1024, ge=0)
    # What a credential's own checks found (format, proofs, Annex I) is kept,
    # per HTTP process, up to this many bytes: a credential verified again is
    # not canonicalized again. 0: nothing kept.
    result_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # How long the registry and issuer projections' answers are kept in each
    # HTTP process; a change they receive empties the caches sooner.
    projection_cache_ttl_s: float = Field(default=30, ge=0)
    projection_poll_interval_s: float = Field(default=0.5, gt=0)
