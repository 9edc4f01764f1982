"""The Kubernetes base, checked offline: complete, probed, locked down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"
SERVICES = {"registry": 8001, "issuer": 8002, "verifier": 8003, "notifier": 8004}


def documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((BASE / resource).read_text()) if d)
    return docs


def deployment(name: str) -> dict[str, Any]:
    return next(
        d for d in documents() if d["kind"] == "Deployment" and d["metadata"]["name"] == name
    )


def test_kustomization_lists_every_manifest_in_the_base() -> None:
    listed = set(yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize(("name", "port"), sorted(SERVICES.items()))
def test_each_service_has_liveness_and_readiness_probes_on_its_port(name: str, port: int) -> None:
    (container,) = deployment(name)["spec"]["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e for e in container["env"]}
    assert env[f"{name.upper()}_POSTGRES__DSN"]["valueFrom"]["secretKeyRef"]["key"] == name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_runs_unprivileged_and_read_only(name: str) -> None:
    pod = deployment(name)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]


def test_traffic_is_denied_unless_a_policy_allows_it() -> None:
    deny = next(
        d
        for d in documents()
        if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "default-deny"
    )
    assert deny["spec"]["podSelector"] == {}
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}


def test_no_secret_values_are_committed() -> None:
    assert not [d for d in documents() if d["kind"] == "Secret"]
