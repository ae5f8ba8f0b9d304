"""A burst of 1,000 emails, the real `unstuck worker` SIGKILLed mid-burst and restarted: the local
SMTP server (aiosmtpd, which deduplicates nothing) gets every message, each with its own stable
Message-ID, and nothing the server acknowledged *and we recorded* is sent again.

What cannot be promised against a server that deduplicates nothing: a kill in the instant between
the server's "250 OK" and our commit of `sent`. That message is sent again — with the same
Message-ID — so at most the one message in flight at the kill can arrive twice. The test checks
exactly that bound and names the duplicate (see README: Delivery you can trust).
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from unstuck.cases.tests.test_acceptance_process import query
from unstuck.core.testing import isolated_environment, unstuck, unstuck_popen
from unstuck.messaging.tests.servers import SmtpServer

pytestmark = pytest.mark.slow

COUNT = 1000
LEASE = 3
KILL_AT = 307  # inside a batch of 20: the dead worker holds claimed, unsent messages

SEED = """
from django.db import transaction
from unstuck.customers.models import Customer
from unstuck.messaging.services import message_enqueue
with transaction.atomic():
    for i in range({count}):
        customer = Customer.objects.create(
            external_id=f"C{{i}}", name=f"客户{{i}}", email=f"c{{i}}@example.cn", channel="email"
        )
        context = {{"reason": "系统故障", "eta": "明天", "item": f"SO-{{i}}"}}
        message_enqueue(
            template_key="stall_update", context=context, dedupe_key=f"burst-{{i}}", customer=customer
        )
"""


def sent_rows(env: dict[str, str]) -> int:
    return int(query(env, "SELECT COUNT(*) FROM messaging_message WHERE status = 'sent'")[0][0])


@pytest.mark.parametrize(
    "kill_when",
    [
        # Worst case on purpose: right after the server acknowledged a mail, before we could record it.
        "server_acknowledged",
        # A kill at an arbitrary moment, as in real life.
        "recorded",
    ],
)
def test_sigkill_mid_burst_loses_nothing_and_resends_at_most_the_one_in_flight(tmp_path, kill_when) -> None:
    with SmtpServer() as smtp, isolated_environment(tmp_path) as env:
        env.update(
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
            DEFAULT_FROM_EMAIL="support@unstuck.example.cn",
            UNSTUCK_OUTBOX_BATCH="20",
            UNSTUCK_OUTBOX_LEASE_SECONDS=str(LEASE),
        )
        unstuck(env, "migrate", "-v", "0")
        unstuck(env, "shell", "-c", SEED.format(count=COUNT))
        worker = unstuck_popen(env, "worker", "--jobs", "outbox_deliver_job")
        deadline = time.monotonic() + 180
        progress = (
            (lambda: len(smtp.mails)) if kill_when == "server_acknowledged" else (lambda: sent_rows(env))
        )
        while time.monotonic() < deadline and progress() < KILL_AT:
            time.sleep(0.002 if kill_when == "server_acknowledged" else 0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        received_at_kill = len(smtp.mails)
        in_flight = {
            row[0] for row in query(env, "SELECT message_id FROM messaging_message WHERE status = 'sending'")
        }
        assert KILL_AT <= received_at_kill < COUNT, "the kill should land mid-burst"
        if kill_when == "server_acknowledged":  # killed inside a batch: it held claimed messages
            assert in_flight, "the worker died holding a claimed batch"
        # At an arbitrary moment the kill may also land between two batches, holding nothing:
        # then nothing at all may arrive twice (checked below: repeats are a subset of in_flight).
        time.sleep(LEASE + 0.5)  # the dead worker's lease runs out
        unstuck(env, "worker", "--once", "--jobs", "outbox_deliver_job")
        states = dict(query(env, "SELECT status, COUNT(*) FROM messaging_message GROUP BY status"))
        ids = {row[0] for row in query(env, "SELECT message_id FROM messaging_message")}

    counts = Counter(str(mail.message["Message-ID"]) for mail in smtp.mails)
    assert states == {"sent": COUNT}
    assert set(counts) == ids and len(ids) == COUNT  # every message arrived, with its own Message-ID
    repeated = {message_id for message_id, n in counts.items() if n > 1}
    assert all(counts[message_id] == 2 for message_id in repeated)
    # Only a message that was in flight at the kill (acknowledged, not yet recorded) may repeat.
    assert len(repeated) <= 1 and repeated <= in_flight, (repeated, len(in_flight))
    print(
        f"\n{kill_when}: received at kill {received_at_kill}, claimed {len(in_flight)},"
        f" repeated {len(repeated)}"
    )
