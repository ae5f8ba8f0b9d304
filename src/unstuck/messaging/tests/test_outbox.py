"""The outbox against a real SMTP server: written in the caller's transaction, delivered once,
retried with backoff, refused for good with the server's reason — all on the case timeline."""

# Tests dereference Optional results (a just-enqueued message, a fetched row) they know exist.
# mypy: disable-error-code="union-attr,misc"

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from unstuck.cases.models import TimelineEntry
from unstuck.cases.timeline import timeline_verify
from unstuck.messaging.models import DeliveryAttempt, Message
from unstuck.messaging.outbox import _claim, _record, backoff, outbox_deliver
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.tests.factories import case_with_customer
from unstuck.messaging.transports import DeliveryResult

pytestmark = pytest.mark.django_db

CONTEXT = {"reason": "仓库系统故障", "eta": "2026-03-05 18:00", "customer_name": "王女士", "item": "SO-1001"}


def queued(case) -> Message:
    message = message_enqueue(template_key="stall_update", context=CONTEXT, dedupe_key="k1", case=case)
    assert message is not None
    return message


def kinds(case) -> list[str]:
    return list(TimelineEntry.objects.filter(case=case).order_by("seq").values_list("kind", flat=True))


def test_enqueue_writes_in_the_callers_transaction_and_dedupes():
    case = case_with_customer()
    with pytest.raises(RuntimeError), transaction.atomic():
        message_enqueue(template_key="stall_update", context=CONTEXT, dedupe_key="k1", case=case)
        raise RuntimeError("the caller's change failed")
    assert not Message.objects.exists()
    first = message_enqueue(template_key="stall_update", context=CONTEXT, dedupe_key="k1", case=case)
    again = message_enqueue(template_key="stall_update", context=CONTEXT, dedupe_key="k1", case=case)
    assert first is not None and again is None
    assert first.status == "queued" and first.channel == "email" and first.recipient == "wang@example.cn"
    assert "仓库系统故障" in first.body_text and "2026-03-05 18:00" in first.body_text
    assert kinds(case).count("message_queued") == 1


def test_delivered_once_to_the_smtp_server_with_chinese_subject_and_stable_message_id(smtp):
    case = case_with_customer()
    message = queued(case)
    assert outbox_deliver(batch=10) == 1
    assert outbox_deliver(batch=10) == 0
    assert len(smtp.mails) == 1
    mail = smtp.mails[0].message
    assert mail["Message-ID"] == message.message_id
    assert (
        str(mail["Subject"]).strip()
        == f"SO-1001 进展说明：有延误，新的预计时间 2026-03-05 18:00 [{case.number}]"
    )
    assert smtp.mails[0].rcpt_tos == ["wang@example.cn"]
    assert "仓库系统故障" in mail.get_body(("plain",)).get_content()
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and message.sent_at is not None
    assert kinds(case)[-2:] == ["message_queued", "message_sent"]
    assert timeline_verify().broken is None


def test_temporary_refusal_is_retried_with_backoff_then_given_up(smtp):
    smtp.handler.refuse["wang@example.cn"] = "451 4.3.0 mailbox busy"
    case = case_with_customer()
    message = queued(case)
    with override_settings(UNSTUCK_OUTBOX_MAX_ATTEMPTS=3):
        outbox_deliver(batch=10)
        message.refresh_from_db()
        assert message.status == "failed" and message.attempts == 1
        assert message.next_attempt_at is not None
        assert message.next_attempt_at > timezone.now() + timedelta(seconds=10)
        assert "451" in message.reason and "mailbox busy" in message.reason
        assert outbox_deliver(batch=10) == 0  # not due yet
        for _attempt in range(2):
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            outbox_deliver(batch=10)
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 3
    assert "gave up after 3 attempts" in message.reason
    assert DeliveryAttempt.objects.filter(message=message).count() == 3
    failed = TimelineEntry.objects.filter(case=case, kind="message_failed").order_by("seq")
    assert failed.count() == 3 and "451" in failed.last().message
    assert smtp.mails == []


def test_permanent_refusal_is_dead_at_once_with_the_servers_reason(smtp):
    smtp.handler.refuse["wang@example.cn"] = "550 5.1.1 no such user"
    case = case_with_customer()
    message = queued(case)
    outbox_deliver(batch=10)
    message.refresh_from_db()
    assert message.status == "dead" and message.attempts == 1
    assert message.reason == "550 5.1.1 no such user"
    entry = TimelineEntry.objects.filter(case=case, kind="message_failed").get()
    assert "550 5.1.1 no such user" in entry.message and entry.data["reason"] == "550 5.1.1 no such user"


def test_unreachable_server_is_retried():
    case = case_with_customer()
    message = queued(case)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=1,
        EMAIL_TIMEOUT=2,
    ):
        outbox_deliver(batch=10)
    message.refresh_from_db()
    assert message.status == "failed" and message.reason.startswith("ConnectionRefusedError")


def test_abandoned_send_is_resent_with_the_same_message_id_and_the_late_worker_records_nothing(smtp):
    case = case_with_customer()
    message = queued(case)
    claimed = _claim(10, timezone.now())  # a worker claimed it ... and died before sending
    assert [m.pk for m in claimed] == [message.pk]
    assert outbox_deliver(batch=10) == 0  # leased: nobody else touches it
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox_deliver(batch=10) == 1
    assert [mail.message["Message-ID"] for mail in smtp.mails] == [message.message_id]
    # The first worker wakes up with an answer: its lease was taken over, so it changes nothing.
    assert _record(claimed[0], DeliveryResult(True, provider_id="late"), timezone.now()) is False
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and message.provider_message_id != "late"


def test_backoff_grows_exponentially_with_bounded_jitter():
    rng = random.Random(7)
    with override_settings(UNSTUCK_OUTBOX_BACKOFF_SECONDS=30, UNSTUCK_OUTBOX_BACKOFF_MAX_SECONDS=600):
        for attempts, full in [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (12, 600)]:
            delays = [backoff(attempts, rng=rng).total_seconds() for _ in range(50)]
            assert all(full / 2 <= d <= full for d in delays)
            assert max(delays) - min(delays) > full / 10  # jittered, not constant
