"""Issuer settings (environment prefix ``ISSUER_``)."""

from pydantic_settings import SettingsConfigDict

from meriter_shared.settings import PostgresSettings, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ISSUER_", env_nested_delimiter="__")
    service_name: str = "issuer"
    postgres: PostgresSettings = PostgresSettings.local("issuer")
    port: int = 8002
    # Where the registry answers (its JWKS and read API).
    registry_url: str = "http://127.0.0.1:8001"
