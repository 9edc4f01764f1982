"""Notifier settings (environment prefix ``NOTIFIER_``)."""

from pydantic_settings import SettingsConfigDict

from meriter_shared.settings import PostgresSettings, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", env_nested_delimiter="__")
    service_name: str = "notifier"
    postgres: PostgresSettings = PostgresSettings.local("notifier")
    port: int = 8004
