"""Claim-link rules (Postgres alone): the learner's link opens their signed credential
until it expires; an unknown or expired link is not found, an erased one is gone; a
revoked or suspended credential's link says so (with the institution's reason)."""

from __future__ import annotations

from datetime import timedelta

from issuer.rules_support import ADMIN, Issuer, Outbox, claim_token, of_type

from meriter_issuer.claims import service as claims
from meriter_issuer.erasure import service as erasure
from meriter_issuer.status.service import Purpose


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


async def revoke_or_suspend(issuer: Issuer, token: str, purpose: Purpose, reason: str) -> None:
    found = await claims.find(issuer.conn, token, issuer.clock())
    assert found.document is not None
    parts = issuer.components
    await parts.status_lists.change(
        issuer.conn,
        ADMIN,
        found.document["id"],
        purpose,
        True,
        reason,
        parts.identities,
        issuer.signer,
        issuer.clock(),
    )


async def test_a_claim_of_an_active_credential_stands_and_may_be_downloaded(
    issuer: Issuer,
) -> None:
    found = await claims.find(issuer.conn, await issued_token(issuer), issuer.clock())
    assert found.standing == claims.Standing("active")
    assert found.standing.downloadable


async def test_a_claim_tells_its_credential_was_revoked_with_the_institutions_reason(
    issuer: Issuer,
) -> None:
    token = await issued_token(issuer)
    await revoke_or_suspend(issuer, token, "revocation", "Grade recorded for the wrong course")
    found = await claims.find(issuer.conn, token, issuer.clock())
    assert found.state == "ok"
    assert found.standing == claims.Standing(
        "revoked", superseded=False, reason="Grade recorded for the wrong course"
    )
    assert not found.standing.downloadable


async def test_a_claim_tells_its_credential_was_suspended(issuer: Issuer) -> None:
    token = await issued_token(issuer)
    await revoke_or_suspend(issuer, token, "suspension", "under review")
    found = await claims.find(issuer.conn, token, issuer.clock())
    assert found.standing == claims.Standing("suspended", reason="under review")


async def test_a_claim_of_a_credential_superseded_by_a_correction_says_replaced(
    issuer: Issuer,
) -> None:
    token = await issued_token(issuer)
    await revoke_or_suspend(issuer, token, "revocation", "superseded")
    found = await claims.find(issuer.conn, token, issuer.clock())
    assert found.standing == claims.Standing("revoked", superseded=True, reason=None)
