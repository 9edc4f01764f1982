"""The bundled 1EdTech Open Badges 3.0 AchievementCredential JSON Schema.

Loaded once, SHA-256 checked against its manifest; validity decided by
``jsonschema_rs`` where installed (about 100 times faster), problems always
worded by ``jsonschema`` so every install explains a rejection alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

__all__ = ["OB_SCHEMA_URL", "ob_schema"]

_SCHEMAS: Final = Path(__file__).resolve().parent / "schemas"
OB_SCHEMA_URL: Final = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


@cache
def ob_schema() -> dict[str, Any]:
    """The bundled OB 3.0 AchievementCredential JSON Schema (SHA-256 checked)."""
    manifest = json.loads((_SCHEMAS / "manifest.json").read_text("utf-8"))
    entry = manifest[OB_SCHEMA_URL]
    raw = (_SCHEMAS / entry["file"]).read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise RuntimeError("bundled OB 3.0 JSON Schema does not match its pinned SHA-256")
    schema: dict[str, Any] = json.loads(raw)
    return schema


@cache
def _ob_validator() -> Any:
    from jsonschema import Draft201909Validator

    schema = ob_schema()
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


@cache
def _fast_ob_validator() -> Any:
    """The same schema compiled by ``jsonschema_rs`` when it is installed (the
    verifier installs it: about 100 times faster), else None. It only decides
    validity; the problems of an invalid document are still worded by
    ``jsonschema``, so both installs explain a rejection the same way."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.Draft201909Validator(ob_schema(), validate_formats=True)


def _fast_valid(validator: Any, doc: Mapping[str, Any]) -> bool:
    try:
        return bool(validator.is_valid(doc))
    except Exception:  # anything it cannot take is judged by jsonschema
        return False
