"""Registry settings (environment prefix ``REGISTRY_``)."""

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from meriter_shared.auth import AuthSettings
from meriter_shared.settings import PostgresSettings, ServiceSettings

# One database per service (deploy/compose/postgres-init.sql): the registry's own.
DEFAULT_DSN = "postgresql://meriter@127.0.0.1:5432/registry"
MAX_TOKEN_LIFETIME_S = 3600


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", env_nested_delimiter="__")
    service_name: str = "registry"
    port: int = 8001
    public_base_url: str = "http://127.0.0.1:8001"
    postgres: PostgresSettings = PostgresSettings(dsn=SecretStr(DEFAULT_DSN))
    # The registry validates its own tokens like any resource server would;
    # auth.issuer must equal the issuer it writes into tokens (public_base_url).
    auth: AuthSettings = AuthSettings(jwks_url="self")
    # Every token lives this long; no request parameter changes it.
    token_lifetime_s: int = Field(default=300, ge=30, le=MAX_TOKEN_LIFETIME_S)
    # The token endpoint's token buckets (clients/ratelimit.py): per client id
    # and per remote address, a burst refilled at a rate a second; at most
    # token_rate_tracked_keys buckets of each are kept.
    token_rate_per_client: float = Field(default=0.5, gt=0)
    token_burst_per_client: int = Field(default=10, ge=1)
    token_rate_per_address: float = Field(default=10.0, gt=0)
    token_burst_per_address: int = Field(default=100, ge=1)
    token_rate_tracked_keys: int = Field(default=10_000, ge=1, le=1_000_000)
    # Reports one CSV submission may hold (all or nothing: one transaction).
    csv_max_records: int = Field(default=10_000, ge=1, le=1_000_000)
    # A CSV submission holds a connection and a transaction while its body
    # streams in: at most this many at once per process (more: 503), and one
    # whose body stops arriving for csv_idle_timeout_s is ended (408).
    csv_concurrent_submissions: int = Field(default=2, ge=1, le=64)
    csv_idle_timeout_s: float = Field(default=30.0, gt=0)
    # Answers to "quality assured today?" kept per process (see qa_cache.py),
    # bounded by their serialized bytes; 0 turns the cache off. Only answers
    # about days within qa_cache_window_days of today are kept.
    qa_cache_bytes: int = Field(default=16 * 2**20, ge=0)
    qa_cache_window_days: int = Field(default=1, ge=0, le=7)
    # qa-status about any date, as known now, from an in-memory index per
    # process (see qa_index.py); off: every such question asks the database.
    qa_index_enabled: bool = True

    @field_validator("postgres", mode="before")
    @classmethod
    def _own_database(cls, value: Any) -> Any:
        # Setting only another field (REGISTRY_POSTGRES__POOL_MAX) must not
        # fall back to the kernel's default database.
        if isinstance(value, dict) and "dsn" not in value:
            return {**value, "dsn": DEFAULT_DSN}
        return value
