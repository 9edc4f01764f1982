"""``meriter-credentials`` installed alone: its wheel, a fresh venv, ``meriter vc``.

The engine must install and run without the kernel or any service
framework. The test builds the wheel, creates a virtual environment without
system site packages, installs the wheel there and runs the venv's own
``meriter`` script: keygen (did:key), sign, verify.

Nothing here reaches the network (``--offline`` everywhere). The wheel's
dependencies come from the uv cache that ``make install`` (``uv sync
--frozen``) filled: ``uv sync --frozen --no-install-project --package
meriter-credentials`` installs the locked versions of the engine's
dependencies (and nothing else) from that cache, then ``uv pip install
--offline <wheel>`` resolves the wheel's own requirements against them. (A
bare ``uv pip install --offline <wheel>`` into an empty venv would need the
index pages, which a frozen sync never downloads, so it fails on a fresh
machine.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds per command; the whole module takes about 5

# What must not be importable where only the engine is installed.
FORBIDDEN = ["fastapi", "aiokafka", "asyncpg", "opentelemetry", "meriter_shared"]


def _uv() -> str:
    """The uv binary the way the Makefile finds it: $UV, PATH, .meriter/tools."""
    for candidate in (os.environ.get("UV"), shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    local = ROOT / ".meriter" / "tools" / "bin" / "uv"
    if local.is_file():
        return str(local)
    pytest.skip("no uv binary: neither $UV, uv on PATH nor .meriter/tools/bin/uv")


def _env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything pointing at the workspace venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT"}
    }
    env.update(UV_OFFLINE="1", UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", **extra)
    return env


def _run(
    args: list[str], *, env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the built ``meriter-credentials`` wheel and its dependencies."""
    uv = _uv()
    tmp = tmp_path_factory.mktemp("standalone")
    dist, venv = tmp / "dist", tmp / "venv"
    build = ["build", "--offline", "--wheel", "--package", "meriter-credentials", "--out-dir"]
    _run([uv, *build, str(dist)], env=_env())
    (wheel,) = dist.glob("meriter_credentials-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    package = ROOT / "shared" / "credentials" / "meriter_credentials"
    data = [p for d in ("jsonld/contexts", "schemas") for p in (package / d).iterdir()]
    assert len(data) > 2
    for path in [package / "py.typed", *data]:
        required = path.relative_to(package.parent).as_posix()
        assert required in names, f"{wheel.name} lacks {required}"
    assert not [n for n in names if n.startswith("meriter_shared/")]

    _run([uv, "venv", "--offline", "--quiet", "--python", sys.executable, str(venv)], env=_env())
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    sync = ["sync", "--frozen", "--offline", "--quiet", "--no-dev", "--no-install-project"]
    _run(
        [uv, *sync, "--package", "meriter-credentials"],
        env=_env(UV_PROJECT_ENVIRONMENT=str(venv)),
    )
    python = venv / "bin" / "python"
    _run([uv, "pip", "install", "--offline", "--python", str(python), str(wheel)], env=_env())
    _run([uv, "pip", "check", "--offline", "--python", str(python)], env=_env())
    return venv


def test_only_the_engine_and_its_dependencies_are_importable(venv: Path) -> None:
    probe = (
        "import importlib.util, json, sys;"
        "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m)]))"
    )
    result = _run(
        [str(venv / "bin" / "python"), "-c", probe, "meriter_credentials", *FORBIDDEN],
        env=_env(),
    )
    assert json.loads(result.stdout) == ["meriter_credentials"]


def test_meriter_vc_keygen_sign_verify_in_the_standalone_venv(venv: Path, tmp_path: Path) -> None:
    meriter, python = str(venv / "bin" / "meriter"), str(venv / "bin" / "python")
    env = _env()
    unsigned, key = tmp_path / "unsigned.json", tmp_path / "key.json"
    signed = tmp_path / "signed.json"
    # The engine's own sample: an OB 3.0 micro-credential, so verification
    # uses the bundled JSON-LD contexts (eddsa-rdfc-2022) and the OB schema.
    _run(
        [
            python,
            "-c",
            "import json, sys; from meriter_credentials.samples import "
            "sample_credential; open(sys.argv[1], 'w').write(json.dumps(sample_credential()))",
            str(unsigned),
        ],
        env=env,
    )

    public = json.loads(_run([meriter, "vc", "keygen", str(key)], env=env).stdout)
    assert public["controller"].startswith("did:key:z6Mk")
    _run([meriter, "vc", "sign", "--key", str(key), str(unsigned), str(signed)], env=env)
    (proof,) = json.loads(signed.read_text())["proof"]  # OB 3.0: proof is an array
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"

    verify = [meriter, "vc", "verify", "--now", "2026-06-01T00:00:00Z", str(signed)]
    report = json.loads(_run(verify, env=env).stdout)
    assert report["verified"] is True
    assert report["issuer"] == public["controller"]
    outcomes = {check["id"]: check["outcome"] for check in report["checks"]}
    assert outcomes == {
        "format": "passed",
        "issuer.resolution": "passed",
        "proof[0].signature": "passed",
        "proof[0].issuer": "passed",
        "proof[0].purpose": "passed",
        "validity.validFrom": "passed",
        "status": "skipped",  # the sample has no credentialStatus
    }


def test_the_standalone_meriter_command_offers_only_vc(venv: Path) -> None:
    result = _run([str(venv / "bin" / "meriter"), "--help"], env=_env())
    assert "{vc}" in result.stdout
