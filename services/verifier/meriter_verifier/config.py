"""Verifier settings (environment prefix ``VERIFIER_``)."""

from pydantic_settings import SettingsConfigDict

from meriter_shared.settings import PostgresSettings, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VERIFIER_", env_nested_delimiter="__")
    service_name: str = "verifier"
    postgres: PostgresSettings = PostgresSettings.local("verifier")
    port: int = 8003
    # Where the registry answers (its JWKS and read API).
    registry_url: str = "http://127.0.0.1:8001"
