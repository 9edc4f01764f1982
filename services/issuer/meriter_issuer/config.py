"""Issuer settings (environment prefix ``ISSUER_``)."""

from meriter_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ISSUER_", env_nested_delimiter="__")
    service_name: str = "issuer"
    port: int = 8002
