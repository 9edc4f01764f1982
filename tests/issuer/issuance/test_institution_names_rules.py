"""What ``credential.issued`` says of the institution's names (Postgres alone): its
official name, and its English name where the registry has one, so the learner's mail
can name it as a reader of the mail's language knows it."""

from __future__ import annotations

from issuer.rules_support import Issuer, Outbox, of_type

from meriter_shared.events.registry import InstitutionUpdated


async def issued_names(issuer: Issuer) -> tuple[str, str | None]:
    outbox = await Outbox(issuer.conn).start()
    await issuer.issued("inst-a", "R-1")
    (announced,) = of_type(await outbox.since(), "credential.issued")
    return announced.data["institution_name"], announced.data.get("institution_name_english")


async def test_an_issued_credential_announces_the_official_and_the_english_name(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    await issuer.registry_says(
        InstitutionUpdated(
            institution_id="inst-a",
            deqar_id="DEQAR-inst-a",
            name_official="Universitet inst-a",
            name_english="University inst-a",
            country="SE",
        )
    )
    assert await issued_names(issuer) == ("Universitet inst-a", "University inst-a")


async def test_without_an_english_name_only_the_official_one_is_announced(
    issuer: Issuer,
) -> None:
    await issuer.institution("inst-a")
    assert await issued_names(issuer) == ("Universitet inst-a", None)
