"""Notifier settings (environment prefix ``NOTIFIER_``)."""

from meriter_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", env_nested_delimiter="__")
    service_name: str = "notifier"
    port: int = 8004
