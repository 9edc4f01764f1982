"""Benchmark (not a test): canonicalize a ~2.3 KB OB 3.0 micro-credential + proof config.

Run: ``uv run python -m meriter_credentials.jsonld.bench [iterations]``.
Prints microseconds per document pair; the contexts are compiled by the warm-up.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from meriter_credentials.jsonld import canonicalize

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        {
            "mc": "https://meriter.example/ns/mc#",
            "ects": {"@id": "mc:ects", "@type": "http://www.w3.org/2001/XMLSchema#decimal"},
            "learningOutcomes": {"@id": "mc:learningOutcomes", "@container": "@set"},
            "eqfLevel": {"@id": "mc:eqfLevel", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
        },
    ],
    "id": "urn:uuid:6f1c2b1e-7d7e-4f0a-9a57-2f1d6a0c9b11",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Micro-credential in Applied Data Protection",
    "description": "Awarded for completing the applied data protection course.",
    "issuer": {
        "id": "did:web:issuer.meriter.example",
        "type": ["Profile"],
        "name": "University of Ljubljana, Faculty of Law",
        "url": "https://issuer.meriter.example",
    },
    "validFrom": "2025-01-15T09:00:00Z",
    "validUntil": "2030-01-15T09:00:00Z",
    "credentialSubject": {
        "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://issuer.meriter.example/achievements/adp-2025",
            "type": ["Achievement"],
            "name": "Applied Data Protection",
            "description": "GDPR in practice: lawful bases, DPIAs, breach handling.",
            "criteria": {"narrative": "Pass the final assessment with at least 60 percent."},
            "achievementType": "Course",
            "creditsAvailable": 6.0,
            "fieldOfStudy": "Law",
            "inLanguage": "en",
        },
        "ects": "6.0",
        "eqfLevel": "6",
        "learningOutcomes": [
            "Apply GDPR lawful bases",
            "Conduct a DPIA",
            "Handle personal data breaches",
        ],
        "result": [{"type": ["Result"], "value": "A"}],
    },
    "credentialSchema": [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "JsonSchema",
        }
    ],
    "credentialStatus": {
        "id": "https://status.meriter.example/lists/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.meriter.example/lists/3",
    },
}

PROOF_CONFIG: dict[str, Any] = {
    "@context": CREDENTIAL["@context"],
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2025-01-15T09:00:00Z",
    "verificationMethod": "did:web:issuer.meriter.example#key-1",
    "proofPurpose": "assertionMethod",
}


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    canonicalize(CREDENTIAL)
    canonicalize(PROOF_CONFIG)
    start = time.perf_counter()
    for _ in range(iterations):
        canonicalize(CREDENTIAL)
        canonicalize(PROOF_CONFIG)
    elapsed = time.perf_counter() - start
    size = len(json.dumps(CREDENTIAL, separators=(",", ":")))
    per_pair = elapsed / iterations * 1e6
    print(
        f"credential {size} bytes; {per_pair:.0f} us per credential + proof config; "
        f"{1e6 / per_pair:.0f} pairs/s"
    )


if __name__ == "__main__":
    main()
