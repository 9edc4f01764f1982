"""docker-compose.yml, checked offline (no Docker engine here).

The file must run the same platform as ``make up`` on Apache Kafka in KRaft
mode and PostgreSQL 16, every service built from its own Dockerfile, with
settings its Settings class really reads.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"registry": 8001, "issuer": 8002, "verifier": 8003, "notifier": 8004}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_runs_kafka_in_kraft_mode_without_zookeeper(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert not any(
        "zookeeper" in name or "zookeeper" in str(s.get("image", ""))
        for name, s in services.items()
    )
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"])


def test_compose_runs_postgres_16_with_one_database_per_service(compose: dict[str, Any]) -> None:
    pg = compose["services"]["postgres"]
    assert pg["image"].split(":")[1].startswith("16")
    init = next(v for v in pg["volumes"] if "initdb" in v).split(":")[0]
    sql = (ROOT / init).read_text()
    for name in SERVICES:
        assert f"CREATE DATABASE {name};" in sql


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_is_built_from_its_own_dockerfile_and_runs_its_entry_point(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    dockerfile = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    assert dockerfile == ROOT / "services" / name / "Dockerfile"
    text = dockerfile.read_text()
    scripts = tomllib.loads((ROOT / "services" / name / "pyproject.toml").read_text())["project"][
        "scripts"
    ]
    cmd = re.search(r'^CMD \["([^"]+)"\]', text, re.M)
    assert cmd is not None
    assert cmd.group(1) in scripts
    for src in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        assert (ROOT / src).exists(), f"{dockerfile} copies missing {src}"
    assert f"--package meriter-{name}" in text
    assert re.search(r"^USER (?!root|0\b)", text, re.M), "containers must not run as root"
    assert service["ports"] == [f"{SERVICES[name]}:{SERVICES[name]}"]
    assert {k: v["condition"] for k, v in service["depends_on"].items()} == {
        "kafka": "service_healthy",
        "postgres": "service_healthy",
    }


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_environment_is_read_by_its_settings(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env: dict[str, str] = compose["services"][name]["environment"]
    for key, value in env.items():
        monkeypatch.setenv(key, re.sub(r"\$\{[^}]*:-([^}]*)\}", r"\1", value))
    settings_cls = importlib.import_module(f"meriter_{name}.config").Settings
    settings = settings_cls()
    fields = set(settings_cls.model_fields)
    prefix = f"{name.upper()}_"
    for key in env:
        assert key.startswith(prefix), key
        top = key.removeprefix(prefix).split("__")[0].lower()
        assert top in fields, f"{key} is not a setting of meriter_{name}"
    assert settings.kafka.bootstrap_servers == "kafka:9092"
    assert settings.postgres.dsn.get_secret_value().endswith(f"@postgres:5432/{name}")
