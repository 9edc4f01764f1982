"""From a posted result to one mail in the local sink, and one trace, through ``make up``.

The stack runs as ``make up`` runs it, with every service exporting traces
to a local OTLP receiver. An institution posts a result to the issuer; the
learner's mail must land once in the stack's SMTP sink (``<state>/mail``),
in the learner's language, with the claim link the issuer announced; the
result's intake (issuer HTTP), its issuance (issuer worker, from Kafka) and
its notification (notifier worker, from Kafka) must be spans of one trace.
"""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from meriter_shared.events.envelope import decode
from support.driver import Platform, result
from support.kafka import read_all
from support.otlp import OtlpReceiver
from support.stack import RunningStack, new_stack
from support.waiting import eventually


@pytest.fixture(scope="module")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def stack(workdir: Path, otlp: OtlpReceiver) -> Iterator[RunningStack]:
    s = new_stack(workdir / "stack-notification")
    for service in ("REGISTRY", "ISSUER", "NOTIFIER"):
        s.env[f"{service}_OTLP_ENDPOINT"] = otlp.endpoint
    s.env["OTEL_BSP_SCHEDULE_DELAY"] = "500"  # export spans every half second
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def platform(stack: RunningStack) -> Platform:
    urls = {s: stack.url(s) for s in ("registry", "issuer", "verifier", "notifier")}
    return await Platform.connect(urls, stack.state_dir / "admin-client.json")


def mails_to(stack: RunningStack, address: str) -> list[EmailMessage]:
    out = []
    for sub in ("new", "cur"):
        folder = stack.mail_dir / sub
        for path in folder.iterdir() if folder.is_dir() else []:
            msg = email.message_from_bytes(path.read_bytes(), policy=default)
            assert isinstance(msg, EmailMessage)
            if msg["To"].addresses[0].addr_spec == address:
                out.append(msg)
    return out


@pytest.fixture(scope="module")
async def posted(platform: Platform) -> dict[str, str]:
    agency, acronym = await platform.agency()
    institution, deqar = await platform.institution()
    await platform.report(agency, acronym, deqar)
    headers = await platform.client_for("institution", institution)
    offering = await platform.offering(institution, headers)
    body = result("MAIL-1", offering)
    body["learner"] = {**body["learner"], "email": "mail-1@example.se", "language": "sv"}
    r = await platform.call("issuer", "POST", "/v1/results", headers, json=body)
    assert r.status_code == 202, r.text
    issued = await platform.wait_result(headers, "MAIL-1", {"issued"})
    return {
        "institution": institution,
        "credential": issued["credential_id"],
        "authorization": headers["Authorization"],
    }


async def test_a_posted_result_ends_as_one_mail_in_the_local_sink_with_the_issuers_claim_link(
    stack: RunningStack, platform: Platform, posted: dict[str, str]
) -> None:
    (mail,) = await eventually(
        lambda: asyncio.to_thread(mails_to, stack, "mail-1@example.se"),
        lambda found: len(found) >= 1,
        timeout_s=90,
    )
    await asyncio.sleep(2)  # nothing more comes
    assert len(mails_to(stack, "mail-1@example.se")) == 1
    assert mail["Subject"].startswith("Ditt intyg från Uppsala universitet")
    part = mail.get_body(("plain",))
    assert part is not None
    text = part.get_content()
    links = re.findall(r"http://\S+/claim/\S+", text)
    assert len(links) == 1
    link = links[0]
    assert link.startswith(platform.urls["issuer"] + "/claim/")
    # The very link the issuer announced for this credential.
    records = await read_all(str(stack.info["kafka"]), "credentials.events")
    announced = [
        e.data["delivery"]["claim_url"]
        for e in (decode(r.value, r.headers) for r in records)
        if e.type == "credential.issued" and e.data["credential_id"] == posted["credential"]
    ]
    assert announced == [link]
    # The link opens the credential where the issuer serves claim pages.
    paths = (await platform.call("issuer", "GET", "/openapi.json")).json()["paths"]
    if any(p.startswith("/claim/") for p in paths):
        opened = await platform.call(
            "issuer",
            "GET",
            link.removeprefix(platform.urls["issuer"]),
            {"Accept": "application/json"},
        )
        assert opened.status_code == 200
        assert opened.json()["id"] == posted["credential"]
    # The institution sees it sent.
    status = await platform.call(
        "notifier",
        "GET",
        f"/v1/institutions/{posted['institution']}/credentials/{posted['credential']}/deliveries",
        {"Authorization": posted["authorization"]},
    )
    assert status.status_code == 200, status.text
    assert [(d["channel"], d["state"]) for d in status.json()["deliveries"]] == [("email", "sent")]
    # And the newcomer's page lists it.
    page = await platform.call("notifier", "GET", "/mail")
    assert page.status_code == 200
    assert "Ditt intyg" in page.text


async def test_intake_issuance_and_notification_are_spans_of_one_trace(
    otlp: OtlpReceiver, posted: dict[str, str], stack: RunningStack
) -> None:
    def the_trace() -> set[tuple[str, str, int]]:
        mail = [s for s in otlp.spans if s.name == "deliver credential.issued by email"]
        if not mail:
            return set()
        return {(s.service, s.name, s.kind) for s in otlp.spans if s.trace_id == mail[0].trace_id}

    def complete(spans: set[tuple[str, str, int]]) -> bool:
        return (
            any(
                svc == "issuer" and kind == 2 and "/v1/results" in name for svc, name, kind in spans
            )
            and any(svc == "issuer" and kind == 5 for svc, _, kind in spans)
            and any(svc == "notifier" and kind == 5 for svc, _, kind in spans)
        )

    spans = await eventually(lambda: asyncio.to_thread(the_trace), complete, timeout_s=60)
    services = {svc for svc, _, _ in spans}
    assert services >= {"issuer", "notifier"}
