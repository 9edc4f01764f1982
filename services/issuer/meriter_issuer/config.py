"""Issuer settings (environment prefix ``ISSUER_``)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from meriter_shared.auth import AuthSettings
from meriter_shared.settings import PostgresSettings, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ISSUER_", env_nested_delimiter="__")
    service_name: str = "issuer"
    port: int = 8002
    # Where the issuer is reached: its did:web identities, status lists and
    # claim links live under it (https://credentials.example.se in production).
    public_base_url: str = "http://127.0.0.1:8002"
    postgres: PostgresSettings = PostgresSettings.local("issuer")
    # Institutions' tokens come from the registry.
    auth: AuthSettings = AuthSettings(jwks_url="http://127.0.0.1:8001/.well-known/jwks.json")
    results_max_records: int = Field(default=100_000, ge=1)
    claim_ttl_days: int = Field(default=90, ge=1, le=3650)
    status_list_length: int = Field(default=131_072, ge=131_072)
