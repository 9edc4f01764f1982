"""What goes on the wire: SMTP's dot-stuffing, header encoding, URLs refused (pure functions)."""

from __future__ import annotations

import email
from email.policy import default

import pytest

from meriter_notifier.mail.render import Unsendable, encoded_words, header_text, mailbox
from meriter_notifier.mail.smtp import dot_stuff
from meriter_notifier.webhooks.ssrf import Refused, check_url


def test_dot_stuffing_doubles_leading_dots_and_ends_with_a_lone_dot() -> None:
    assert dot_stuff(b".first\n.\nmiddle\r\n..two") == b"..first\r\n..\r\nmiddle\r\n...two\r\n.\r\n"


def test_encoded_words_stay_within_75_characters_and_decode_back() -> None:
    text = ("Tillämpad maskininlärning för folkhälsa — ÅÄÖ åäö " * 4).strip()
    encoded = encoded_words(text)
    assert all(len(word) <= 75 for word in encoded.split("\r\n "))
    parsed = email.message_from_string(f"Subject: {encoded}\r\n\r\n", policy=default)
    assert parsed["Subject"] == text


def test_ascii_header_text_is_folded_not_encoded() -> None:
    text = header_text("word " * 40)
    assert "=?" not in text
    assert all(len(line) <= 78 for line in text.split("\r\n"))


def test_display_names_are_quoted_or_encoded_and_addresses_must_be_ascii() -> None:
    assert mailbox('Doe, "J"', "j@example.se") == '"Doe, \\"J\\"" <j@example.se>'
    assert mailbox("Åsa", "a@example.se").startswith("=?utf-8?b?")
    with pytest.raises(Unsendable):
        mailbox("Åsa", "åsa@example.se")


@pytest.mark.parametrize("url", ["https://[::1", "https://h:99999/", "ftp://h/", "https:///x"])
def test_urls_that_are_not_https_urls_are_refused(url: str) -> None:
    with pytest.raises(Refused):
        check_url(url, allow_http=False, allow_private=False)


def test_a_public_https_url_is_allowed() -> None:
    assert check_url("https://hooks.uu.se/m", allow_http=False, allow_private=False)
