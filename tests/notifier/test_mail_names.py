"""The institution as a learner's mail names it: English mail by the institution's
English name where the registry has one, Swedish mail (and English mail of an
institution without one) by its official name — through intake, the sender loop
and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier.notifier_support import Sink, body_of, issued, record, sending, states
from notifier.test_mail_delivery import channel

from meriter_notifier.mail.render import Mail, Renderer, institution_name
from meriter_shared.db.types import Pool
from support.waiting import eventually

OFFICIAL = "Uppsala universitet"
ENGLISH = "Uppsala University"


def test_english_mail_takes_the_english_name_and_swedish_mail_the_official_one() -> None:
    assert institution_name("en", OFFICIAL, ENGLISH) == ENGLISH
    assert institution_name("sv", OFFICIAL, ENGLISH) == OFFICIAL
    assert institution_name("en", OFFICIAL, None) == OFFICIAL
    assert institution_name("en", OFFICIAL, "  ") == OFFICIAL


def test_the_renderer_names_the_institution_as_it_is_given() -> None:
    mail = Mail(
        message_id="<m1@meriter.example>",
        to_name="Astrid Lindqvist",
        to_email="astrid@example.se",
        language="en",
        title="Applied Machine Learning",
        institution_name=ENGLISH,
        claim_url="https://credentials.example.se/claim/tok",
        claim_expires_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    text = Renderer("Meriter <no-reply@meriter.example>").render(mail, datetime.now(UTC))
    assert b"Subject: Your credential from Uppsala University: Applied Machine Learning" in text


async def test_each_mail_names_the_institution_in_the_learners_language(
    db: Pool, sink: Sink
) -> None:
    english = issued("inst-1", 1, language="en").model_copy(
        update={"institution_name_english": ENGLISH}
    )
    swedish = issued("inst-1", 2, language="sv").model_copy(
        update={"institution_name_english": ENGLISH}
    )
    no_english_name = issued("inst-2", 3, language="en")  # the registry has none
    events = [english, swedish, no_english_name]
    await record(db, list(events))
    async with sending(db, channel(sink)):
        await eventually(lambda: states(db), lambda s: s.get("sent", 0) == 3, timeout_s=60)
    received = sink.by_recipient()
    named: dict[int, tuple[str, str, str]] = {}
    for n, event in enumerate(events, start=1):
        assert event.delivery is not None
        (mail,) = received[event.delivery.email]
        named[n] = (str(mail["Subject"]), body_of(mail, "plain"), body_of(mail, "html"))
    subject, text, page = named[1]
    assert subject.startswith(f"Your credential from {ENGLISH}:")
    assert f"{ENGLISH} has issued you a digital credential" in text
    assert f"on behalf of {ENGLISH}" in page
    assert OFFICIAL not in subject + text + page
    subject, text, page = named[2]
    assert subject.startswith(f"Ditt intyg från {OFFICIAL}:")
    assert f"{OFFICIAL} har utfärdat ett digitalt intyg till dig" in text
    assert ENGLISH not in subject + text + page
    subject, text, _ = named[3]
    assert subject.startswith(f"Your credential from {OFFICIAL}:")
    assert f"{OFFICIAL} has issued you" in text
