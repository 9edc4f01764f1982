"""The W3C JSON-LD 1.1 test suite (w3c/json-ld-api ``tests/``), read from its own manifests.

Where the suite is: ``MERITER_JSONLD_SUITE`` (a folder holding the suite's
``tests/``), else ``../shared/vectors/json-ld-api``, else a local git mirror of
the public repository (``MERITER_JSONLD_SUITE_GIT``, by default the workplace's
fetch mirror), extracted once into ``.meriter/fixtures/json-ld-api``. Nothing
is fetched from the network. Without any of them the suite's tests skip,
saying so.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://w3c.github.io/json-ld-api/tests/"
DEFAULT_GIT = "/work/.mirror/w3c+json-ld-api/repo"

# What a positive toRdf test needs that this engine deliberately does not do.
SKIPS = {
    "processingMode json-ld-1.0": "JSON-LD 1.0 processing mode (the engine is JSON-LD 1.1 only)",
    "specVersion json-ld-1.0": "a JSON-LD 1.0-only test",
    "produceGeneralizedRdf": "generalized RDF (blank-node predicates) is never produced",
}


@cache
def suite_dir() -> Path | None:
    """The suite's ``tests`` folder, extracted from a mirror if need be."""
    candidates = [
        os.environ.get("MERITER_JSONLD_SUITE"),
        str(ROOT.parent / "shared" / "vectors" / "json-ld-api"),
    ]
    for c in candidates:
        if c and (Path(c) / "tests" / "toRdf-manifest.jsonld").exists():
            return Path(c) / "tests"
    target = ROOT / ".meriter" / "fixtures" / "json-ld-api"
    if (target / "tests" / "toRdf-manifest.jsonld").exists():
        return target / "tests"
    git_dir = os.environ.get("MERITER_JSONLD_SUITE_GIT", DEFAULT_GIT)
    if not Path(git_dir).exists():
        return None
    try:
        archive = subprocess.run(
            [
                "git",
                "--git-dir",
                git_dir,
                "archive",
                "--format=tar",
                "HEAD",
                "tests/toRdf-manifest.jsonld",
                "tests/expand-manifest.jsonld",
                "tests/context.jsonld",
                "tests/LICENSE.md",
                "tests/toRdf",
                "tests/expand",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    partial = target.with_name(target.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(partial, filter="data")
    partial.rename(target)
    return target / "tests"


@dataclass
class Case:
    manifest: str
    id: str
    kind: str  # positive, negative, syntax
    name: str
    input: str
    expect: str | None
    error: str | None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def skip(self) -> str | None:
        o = self.options
        if o.get("processingMode") == "json-ld-1.0":
            return SKIPS["processingMode json-ld-1.0"]
        if o.get("specVersion") == "json-ld-1.0":
            return SKIPS["specVersion json-ld-1.0"]
        if o.get("produceGeneralizedRdf"):
            return SKIPS["produceGeneralizedRdf"]
        return None

    @property
    def url(self) -> str:
        return BASE + self.input


def cases(manifest: str) -> list[Case]:
    folder = suite_dir()
    if folder is None:
        return []
    data = json.loads((folder / manifest).read_text("utf-8"))
    out = []
    for t in data["sequence"]:
        types = t["@type"]
        kind = (
            "negative"
            if "jld:NegativeEvaluationTest" in types
            else "syntax"
            if "jld:PositiveSyntaxTest" in types
            else "positive"
        )
        out.append(
            Case(
                manifest,
                t["@id"],
                kind,
                t.get("name", ""),
                t["input"],
                t.get("expect"),
                t.get("expectErrorCode"),
                t.get("option", {}),
            )
        )
    return out


def load(url: str) -> Any:
    """The suite's own document loader: its URLs, read from the suite's files."""
    folder = suite_dir()
    if folder is None or not url.startswith(BASE):
        raise LookupError(f"{url} is not part of the test suite")
    path = (folder / url[len(BASE) :]).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        raise LookupError(f"{url} is not part of the test suite")
    return json.loads(path.read_text("utf-8"))
