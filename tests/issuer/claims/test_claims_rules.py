"""Claim-link rules (Postgres alone): the learner's link opens their signed credential
until it expires; an unknown or expired link is not found, an erased one is gone."""

from __future__ import annotations

from datetime import timedelta

from issuer.rules_support import Issuer, Outbox, claim_token, of_type

from meriter_issuer.claims import service as claims
from meriter_issuer.erasure import service as erasure


async def issued_token(issuer: Issuer) -> str:
    await issuer.institution("inst-a")
    outbox = await Outbox(issuer.conn).start()
    await issuer.issued("inst-a", "R-1")
    (announced,) = of_type(await outbox.since(), "credential.issued")
    return claim_token(announced)


async def test_a_claim_link_opens_the_signed_credential_in_the_learners_language(
    issuer: Issuer,
) -> None:
    token = await issued_token(issuer)
    found = await claims.find(issuer.conn, token, issuer.clock())
    assert (found.state, found.language) == ("ok", "sv")
    assert found.document is not None
    assert found.document["credentialSubject"]["name"] == "Åsa Öberg"
    assert claims.view(found.document).title == "Applied Machine Learning for Public Health"


async def test_only_the_tokens_hash_is_stored(issuer: Issuer) -> None:
    token = await issued_token(issuer)
    stored = await issuer.conn.fetchval("SELECT token_hash FROM claims")
    assert stored == claims.token_hash(token) != token


async def test_an_unknown_or_malformed_link_is_not_found(issuer: Issuer) -> None:
    await issued_token(issuer)
    for token in ("no-such-token", "", "\ud800"):
        assert (await claims.find(issuer.conn, token, issuer.clock())).state == "unknown"


async def test_an_expired_link_is_answered_as_an_unknown_one(issuer: Issuer) -> None:
    token = await issued_token(issuer)
    ttl = timedelta(days=issuer.components.settings.claim_ttl_days)
    assert (await claims.find(issuer.conn, token, issuer.clock() + ttl)).state == "unknown"
    just_before = issuer.clock() + ttl - timedelta(seconds=1)
    assert (await claims.find(issuer.conn, token, just_before)).state == "ok"


async def test_an_erased_learners_link_is_gone(issuer: Issuer) -> None:
    token = await issued_token(issuer)
    key = issuer.components.learner_ref_key
    await erasure.erase(issuer.conn, key, "inst-a", "learner-of-R-1")
    found = await claims.find(issuer.conn, token, issuer.clock())
    assert (found.state, found.document) == ("erased", None)
