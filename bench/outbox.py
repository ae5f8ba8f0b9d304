"""Outbox throughput: messages/s delivered by `outbox_deliver` to a local SMTP server (aiosmtpd)
and to a local webhook HTTP server, on SQLite or PostgreSQL.

Each run enqueues N messages (each in its own transaction, as callers do), then times the delivery
passes until the outbox is empty: claim, send, record (delivery log row) per message — the real
path, with the per-message commit that keeps a crash from re-sending acknowledged mail.

    python bench/outbox.py [--engine sqlite|postgresql] [--count 2000] [--batch 100]
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database, django_setup


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def add(self) -> None:
        with self.lock:
            self.n += 1


def smtp_server(counter: Counter) -> Any:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            counter.add()
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def webhook_server(counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            counter.add()
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(kind: str, count: int, batch: int) -> tuple[float, float, int]:
    from django.test import override_settings

    from unstuck.customers.models import Customer
    from unstuck.messaging.models import Channel, Message
    from unstuck.messaging.services import message_enqueue, outbox_deliver

    counter = Counter()
    settings: dict[str, Any] = {}
    if kind == "email":
        controller = smtp_server(counter)
        port = controller.port
        settings = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
        }
    else:
        server = webhook_server(counter)
        Channel.objects.create(
            key=f"bench-{kind}",
            name="bench",
            kind="webhook",
            url=f"http://127.0.0.1:{server.server_address[1]}/h",
        )
    Message.objects.all().delete()
    customer, _ = Customer.objects.get_or_create(
        external_id="bench", defaults={"name": "压测客户", "email": "bench@example.cn"}
    )
    started = time.perf_counter()
    for i in range(count):
        message_enqueue(
            template_key="stall_update",
            context={"reason": "压测", "eta": "明天"},
            dedupe_key=f"{kind}-{i}",
            customer=customer,
            channel="email" if kind == "email" else f"bench-{kind}",
        )
    enqueued = time.perf_counter() - started
    with override_settings(**settings):
        started = time.perf_counter()
        while outbox_deliver(batch=batch):
            pass
        delivered = time.perf_counter() - started
    sent = Message.objects.filter(status="sent").count()
    if kind == "email":
        controller.stop()
    else:
        server.shutdown()
    assert sent == count == counter.n, (sent, count, counter.n)
    return count / enqueued, count / delivered, sent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    with bench_database(args.engine) as env:
        django_setup(env)
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        for kind in ("email", "webhook"):
            enqueue_rate, deliver_rate, sent = run(kind, args.count, args.batch)
            print(
                f"{args.engine}: {kind:<7} {sent} messages: enqueue {enqueue_rate:,.0f}/s, "
                f"deliver {deliver_rate:,.0f} messages/s (batch {args.batch})",
                flush=True,
            )


if __name__ == "__main__":
    main()
