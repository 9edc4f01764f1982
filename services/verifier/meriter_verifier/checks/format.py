"""The ``format`` check: the document is a credential in a data model the verifier reads.

Pass: VC Data Model 2.0 (and the Open Badges 3.0 JSON Schema for an Open
Badges credential), its JSON-LD expanding in safe mode. Warn: VC Data Model
1.1, the older format. Fail: any rule broken or term undefined; the message
names the first problem, the evidence lists them (at most 50) and their count.
"""

from __future__ import annotations

from meriter_verifier.checks.document import FormatFindings
from meriter_verifier.checks.result import Check


def not_an_object() -> Check:
    """The answer to a document that is not even a JSON object."""
    return Check("format", "fail", "format.invalid", {"count": 1, "first": "not a JSON object"})


def format_check(found: FormatFindings) -> Check:
    evidence = {
        "data_model": found.data_model,
        "open_badges": found.open_badges,
        "types": found.types,
        "jsonld_safe_mode": not any(p["code"] == "jsonld" for p in found.problems),
        "problems": found.problems,
    }
    if found.problems:
        first = found.problems[0]
        text = f"{first['path'] or '/'}: {first['message']}"[:300]
        return Check(
            "format",
            "fail",
            "format.invalid",
            {"count": found.problem_count, "first": text},
            evidence,
        )
    if found.data_model == "1.1":
        return Check("format", "warn", "format.legacy", {}, evidence)
    return Check(
        "format", "pass", "format.ok_ob" if found.open_badges else "format.ok", {}, evidence
    )
