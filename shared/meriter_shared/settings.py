"""Settings shared by every service.

Each service defines one ``Settings(ServiceSettings)`` with its own
``env_prefix`` (``REGISTRY_``, ``ISSUER_`` …); nested groups use ``__``, so
``ISSUER_POSTGRES__DSN`` sets the issuer's database. Nothing here connects
to anything: settings are plain values handed to ``create_app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from meriter_shared.secrets import MasterKeys


class PostgresSettings(BaseModel):
    dsn: SecretStr = SecretStr("postgresql://meriter@127.0.0.1:5432/meriter")
    pool_min: int = Field(default=1, ge=0)
    pool_max: int = Field(default=10, ge=1)
    command_timeout_s: float = 30.0

    @classmethod
    def local(cls, database: str) -> PostgresSettings:
        """The default: a server on this machine, the service's own database."""
        return cls(dsn=SecretStr(f"postgresql://meriter@127.0.0.1:5432/{database}"))


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "meriter"
    # Group membership timeouts: the defaults suit Apache Kafka in production;
    # tests and the one-machine default shorten them so joins settle fast.
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 1_000
    rebalance_timeout_ms: int = 10_000
    max_poll_records: int = 500
    request_timeout_ms: int = 30_000
    # The most a producer puts in one record batch per partition. Larger than
    # the client's 16 KB default: a broker stores each batch as one piece, and
    # on Tansu's memory storage a fetch walks every piece of the partition, so
    # ten-times-larger batches keep a 100,000-event burst from slowing every
    # fetch after it. Within the broker's default 1 MB request size.
    producer_batch_bytes: int = 256 * 1024


class ServiceSettings(BaseSettings):
    """Base for every service's settings."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    service_name: str = "meriter"
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    postgres: PostgresSettings = PostgresSettings()
    kafka: KafkaSettings = KafkaSettings()
    log_level: str = "INFO"
    # OTLP/HTTP traces endpoint (e.g. http://collector:4318); tracing exports nothing when unset.
    otlp_endpoint: str | None = None
    outbox_poll_interval_s: float = 0.5
    # How long published events stay in ``outbox_published`` (for a broker
    # that lost its log to be given them again), and how long the inbox
    # remembers an event it applied: longer than the topics keep events, so a
    # redelivered one is always recognised.
    outbox_retention_days: float = Field(default=7.0, gt=0)
    inbox_retention_days: float = Field(default=14.0, gt=0)
    # What this process runs (see runtime.py): "all" = HTTP server, consumers
    # and outbox relay in one process; "serve" = the HTTP server alone;
    # "worker" = consumers and relay alone. ``meriter-<service> serve|worker``
    # set it; the one-machine stack runs one of each.
    process_role: Literal["all", "serve", "worker"] = "all"
    # HTTP processes (uvicorn); each runs the HTTP side of the runtime, and the
    # outbox relay (where it runs) elects one leader through a Postgres lock.
    workers: int = Field(default=1, ge=1, le=64)
    # Worker processes ``meriter-<service> worker`` starts; their consumers
    # share the partitions of their consumer groups.
    worker_processes: int = Field(default=1, ge=1, le=64)
    # A worker process serves /healthz, /readyz and /metrics on this port (the
    # n-th worker on port + n); 0: none.
    worker_port: int = Field(default=0, ge=0, le=65535)
    # The master key(s) sealing secrets at rest (secrets.py): base64, comma-
    # separated, newest first — inline, or in a file (mode 0600).
    master_key: SecretStr | None = None
    master_key_file: Path | None = None
    # Request bodies above this are refused (413) unless a route allows more.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Processes for CPU-bound work (signing, canonicalization) beside the
    # worker's event loop; 0: one per core.
    cpu_processes: int = Field(default=0, ge=0, le=256)

    def master_keys(self) -> MasterKeys:
        """The ring of master keys; a service that keeps secrets cannot run without it."""
        if self.master_key is not None:
            return MasterKeys.from_text(self.master_key.get_secret_value())
        if self.master_key_file is not None:
            return MasterKeys.from_file(self.master_key_file)
        raise ValueError(
            f"{self.service_name} keeps secrets at rest: set its MASTER_KEY or MASTER_KEY_FILE"
        )
