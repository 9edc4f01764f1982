"""Registry settings (REGISTRY_ environment prefix)."""

from __future__ import annotations

import pytest

from meriter_registry.config import Settings


def test_the_registry_defaults_to_its_own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGISTRY_POSTGRES__DSN", raising=False)
    dsn = Settings().postgres.dsn.get_secret_value()
    assert dsn.rsplit("/", 1)[1] == "registry"


def test_the_environment_names_another_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_POSTGRES__DSN", "postgresql://u@db:5432/elsewhere")
    assert Settings().postgres.dsn.get_secret_value().endswith("/elsewhere")


def test_setting_another_pool_option_keeps_the_registry_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REGISTRY_POSTGRES__DSN", raising=False)
    monkeypatch.setenv("REGISTRY_POSTGRES__POOL_MAX", "7")
    settings = Settings()
    assert settings.postgres.pool_max == 7
    assert settings.postgres.dsn.get_secret_value().endswith("/registry")
