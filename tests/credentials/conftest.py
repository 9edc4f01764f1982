"""Shared helpers for credential-engine tests: where the read-only reference data lives."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ``<repo>/../shared``; skips the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is not available on this machine")
    return path


def rdfc_available() -> bool:
    """Whether the RDFC-1.0 canonicalizer (``jsonld.canonicalize``) is installed."""
    try:
        module = importlib.import_module("meriter_credentials.jsonld")
    except ImportError:
        return False
    return hasattr(module, "canonicalize")
