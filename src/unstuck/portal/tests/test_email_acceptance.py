"""Issue 4's acceptance, end to end with a real SMTP server on loopback: an item whose customer
prefers email stalls in a confirmation step → an email in Chinese with the reason and a link built
from UNSTUCK_BASE_URL; a tampered link changes nothing; the real link confirms the item and the
worker resolves the case.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from datetime import time as wall_time
from urllib.parse import urlsplit

import pytest
from django.test import Client

from unstuck.portal.tests.factories import case_of, load_dispatch, stalled_item, worker_round
from unstuck.tracking.models import Event

controller_module = pytest.importorskip("aiosmtpd.controller")

# The message templates are rows seeded by a data migration; serialized_rollback restores them before
# each test (the root conftest asks for it on every transactional test; here it is said explicitly).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BASE = "https://unstuck.example.cn"
midnight = wall_time(0, 0)


class Sink:
    """An SMTP server's mailbox: every message it accepted, as bytes."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(getattr(envelope, "original_content", None) or envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings) -> Iterator[Sink]:
    sink = Sink()
    port = free_port()
    controller = controller_module.Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.UNSTUCK_BASE_URL = BASE
    try:
        yield sink
    finally:
        controller.stop()


def deliver_until(sink: Sink, count: int, seconds: float = 20) -> None:
    from unstuck.messaging.services import outbox_deliver  # type: ignore[import-not-found,unused-ignore]

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker_round()
        outbox_deliver(batch=50)
        if len(sink.messages) >= count:
            return
        time.sleep(0.1)
    from unstuck.messaging.models import Message  # type: ignore[import-not-found,unused-ignore]

    outbox = list(Message.objects.values_list("template_key", "channel", "recipient", "status", "reason"))
    raise AssertionError(
        f"{len(sink.messages)} message(s) reached the SMTP server, expected {count}; outbox: {outbox}"
    )


def test_a_stalled_confirmation_emails_the_customer_who_confirms_with_one_click(smtp: Sink) -> None:
    from unstuck.portal.models import UpdatePolicy

    # The request is a customer message like any other: quiet hours hold it back. Off here, so the
    # test does not depend on the hour it runs at (quiet hours have their own tests).
    UpdatePolicy.objects.create(process=None, quiet_start=midnight, quiet_end=midnight)
    load_dispatch()
    item = stalled_item()
    deliver_until(smtp, 1)
    message = email.message_from_bytes(smtp.messages[0], policy=email.policy.default)
    assert message["To"] and "wang@example.cn" in message["To"]
    subject = str(message["Subject"])
    assert re.search(r"[\u4e00-\u9fff]", subject), f"a Chinese subject, got {subject!r}"
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    body = part.get_content()
    assert re.search(r"[\u4e00-\u9fff]{4,}", body)
    assert "我们正在等待您的确认" in body, "the reason, in plain words"
    links = re.findall(re.escape(BASE) + r"/p/c/[^\s\"'<>]+/", body)
    assert links, f"a confirmation link from UNSTUCK_BASE_URL in:\n{body}"
    confirm = urlsplit(links[0]).path

    before = (Event.objects.count(), case_of(item).status)
    token = confirm.split("/")[3]
    tampered = confirm.replace(token, ("A" if token[0] != "A" else "B") + token[1:])
    assert Client().post(tampered).status_code == 400
    worker_round()
    assert (Event.objects.count(), case_of(item).status) == before

    client = Client(enforce_csrf_checks=True)
    assert client.get(confirm).status_code == 200
    worker_round()
    assert (Event.objects.count(), case_of(item).status) == before, "opening the link confirms nothing"
    response = client.post(confirm, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    worker_round()
    item.refresh_from_db()
    assert item.current_step == "confirmed"
    assert Event.objects.filter(item=item, source="portal").count() == 1
    assert case_of(item).status == "resolved"


def test_a_stalled_item_s_customer_gets_an_honest_update_with_the_status_link(smtp: Sink, settings) -> None:
    from unstuck.portal.models import UpdatePolicy
    from unstuck.portal.tests.factories import CUSTOMER, ago, push

    UpdatePolicy.objects.create(process=None, quiet_start=midnight, quiet_end=midnight)  # any hour of the run
    load_dispatch()
    push("B-9", "dispatched", ago(3), customer=CUSTOMER)
    deliver_until(smtp, 1)
    message = email.message_from_bytes(smtp.messages[0], policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    body = part.get_content()
    assert "比平时慢" in body, "the reason of a dwell stall, in plain words"
    links = re.findall(re.escape(BASE) + r"/p/s/[^\s\"'<>]+/", body)
    assert links
    assert Client().get(urlsplit(links[0]).path).status_code == 200


def test_an_internal_confirmer_s_team_gets_the_reminder(smtp: Sink) -> None:
    from unstuck.accounts.models import Profile
    from unstuck.accounts.services import user_ensure
    from unstuck.portal.models import ReminderNotice
    from unstuck.portal.tests.factories import ago, push

    checker = user_ensure(username="qa1", role="agent", team_key="qa")
    checker.email = "qa1@example.cn"
    checker.save()
    # Colleagues are told in Unstuck unless their profile asks for email; this one does.
    Profile.objects.filter(user=checker).update(notify_channel="email")
    load_dispatch()
    push("B-3", "qa_check", ago(1), customer={"id": "C-3"})  # reminder due at 30 min, deadline 2 h
    deliver_until(smtp, 1)
    message = email.message_from_bytes(smtp.messages[0], policy=email.policy.default)
    assert "qa1@example.cn" in str(message["To"])
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None and "B-3" in part.get_content()
    assert ReminderNotice.objects.get().recipients == 1
