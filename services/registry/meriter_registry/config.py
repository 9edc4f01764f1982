"""Registry settings (environment prefix ``REGISTRY_``)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from meriter_shared.auth import AuthSettings
from meriter_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", env_nested_delimiter="__")
    service_name: str = "registry"
    port: int = 8001
    public_base_url: str = "http://127.0.0.1:8001"
    # The registry validates its own tokens like any resource server would;
    # auth.issuer must equal the issuer it writes into tokens (public_base_url).
    auth: AuthSettings = AuthSettings(jwks_url="self")
    token_lifetime_s: int = Field(default=300, ge=30, le=3600)
    # Answers to "quality assured today?" kept per process (see qa_cache.py); 0 turns it off.
    qa_cache_entries: int = Field(default=100_000, ge=0)
