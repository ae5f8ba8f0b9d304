"""Customers' replies threaded onto their case: through the inbound-mail webhook (raw RFC 822) and
through the IMAP poller against a real IMAP server (pymap) on loopback."""

from __future__ import annotations

import imaplib

import pytest
from django.test import Client

from unstuck.cases.models import TimelineEntry
from unstuck.cases.tests.factories import bearer, person
from unstuck.messaging.inbound import imap_poll
from unstuck.messaging.models import Message, QuarantinedMail
from unstuck.messaging.outbox import outbox_deliver
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.tests.factories import case_with_customer
from unstuck.messaging.tests.servers import ImapServer

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbound/email"


def reply(
    *,
    in_reply_to: str = "",
    subject: str = "Re: 进展说明",
    message_id: str = "<r1@example.cn>",
    sender: str = "王女士 <wang@example.cn>",
    authentication: tuple[str, ...] = (),
) -> bytes:
    headers = [f"Authentication-Results: {result}" for result in authentication] + [
        f"From: {sender}",
        "To: support@unstuck.example.cn",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: <older@example.cn> {in_reply_to}"]
    return ("\r\n".join(headers) + "\r\n\r\n好的，我明天在家，请安排送货。\r\n").encode()


def post(raw: bytes, user=None):
    user = user or person("mailer", "admin")
    return Client().post(URL, data=raw, content_type="message/rfc822", headers=bearer(user))


def sent_message(smtp, case):
    message = message_enqueue(
        template_key="stall_update", context={"reason": "r", "eta": "e"}, dedupe_key="d", case=case
    )
    outbox_deliver(batch=10)
    return message


def test_reply_threads_by_in_reply_to_onto_the_case_and_its_timeline(smtp):
    case = case_with_customer()
    ours = sent_message(smtp, case)
    response = post(reply(in_reply_to=ours.message_id))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "message": response.json()["message"],
        "matched": True,
        "case": case.number,
        "quarantined": None,
        "duplicate": False,
    }
    stored = Message.objects.get(direction="in")
    assert stored.case == case and stored.in_reply_to == ours and stored.sender == "wang@example.cn"
    assert "明天在家" in stored.body_text
    entry = TimelineEntry.objects.filter(case=case, kind="message_received").get()
    assert "wang@example.cn" in entry.message
    again = post(reply(in_reply_to=ours.message_id))
    assert again.json()["duplicate"] is True
    assert Message.objects.filter(direction="in").count() == 1


def test_reply_threads_by_case_number_in_the_subject():
    case = case_with_customer()
    response = post(reply(subject=f"回复：关于订单 [{case.number}]"))
    assert response.json()["case"] == case.number


def test_unmatched_reply_is_kept_without_a_case_in_quarantine():
    case_with_customer()
    response = post(reply(subject="你好"))
    assert response.json()["matched"] is False and response.json()["quarantined"] == "no_case"
    held = QuarantinedMail.objects.get()
    assert held.message.case is None and held.claimed_case is None and held.status == "pending"


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b"", "empty_message"), (b"just some words\r\n", "invalid_message")],
)
def test_bad_mail_is_a_clear_error(raw, code):
    response = post(raw)
    assert response.status_code == 400 and response.json()["code"] == code


def test_only_admins_and_supervisors_may_post_mail():
    response = post(reply(), user=person("agent1", "agent", "ops"))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Client().post(URL, data=reply(), content_type="message/rfc822").status_code == 401


def test_imap_poller_threads_unseen_replies_once(smtp):
    case = case_with_customer()
    ours = sent_message(smtp, case)
    with ImapServer() as imap:
        client = imaplib.IMAP4("127.0.0.1", imap.port)
        client.login(imap.user, imap.password)
        client.append("INBOX", None, None, reply(in_reply_to=ours.message_id))
        client.append(
            "INBOX", None, None, reply(subject=f"Re: [{case.number}]", message_id="<r2@example.cn>")
        )
        assert imap_poll(url=imap.url, batch=10, force=True) == 2
        assert imap_poll(url=imap.url, batch=10, force=True) == 0  # flagged \Seen: not fetched again
        client.select("INBOX")
        assert client.uid("SEARCH", "UNSEEN")[1] == [b""]
        client.logout()
    assert Message.objects.filter(direction="in", case=case).count() == 2
    assert TimelineEntry.objects.filter(case=case, kind="message_received").count() == 2


def test_imap_poller_threads_the_customer_and_quarantines_the_stranger():
    case = case_with_customer()
    with ImapServer() as imap:
        client = imaplib.IMAP4("127.0.0.1", imap.port)
        client.login(imap.user, imap.password)
        client.append("INBOX", None, None, reply(subject=f"Re: {case.number}"))
        stranger = reply(
            subject=f"Re: {case.number}", message_id="<x1@evil.example>", sender="x@evil.example"
        )
        client.append("INBOX", None, None, stranger)
        assert imap_poll(url=imap.url, batch=10, force=True) == 2
        client.logout()
    threaded = Message.objects.get(direction="in", case=case)
    assert threaded.sender == "wang@example.cn"
    held = QuarantinedMail.objects.get()
    assert (held.message.sender, held.claimed_case, held.reason) == ("x@evil.example", case, "unknown_sender")
    assert held.message.case is None
    assert TimelineEntry.objects.filter(case=case, kind="message_received").count() == 1


def test_imap_mail_seen_again_after_a_crash_is_stored_once():
    case = case_with_customer()
    with ImapServer() as imap:
        client = imaplib.IMAP4("127.0.0.1", imap.port)
        client.login(imap.user, imap.password)
        client.append("INBOX", None, None, reply(subject=f"Re: [{case.number}]"))
        post(reply(subject=f"Re: [{case.number}]"))  # the webhook got it first
        assert imap_poll(url=imap.url, batch=10, force=True) == 0
        client.logout()
    assert Message.objects.filter(direction="in").count() == 1
