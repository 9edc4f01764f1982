"""Registry settings (environment prefix ``REGISTRY_``)."""

from pydantic_settings import SettingsConfigDict

from meriter_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", env_nested_delimiter="__")
    service_name: str = "registry"
    port: int = 8001
