"""Real local servers the messaging tests talk to: aiosmtpd (SMTP), a loopback HTTP server that
plays a platform, and pymap (IMAP). Nothing here knows Unstuck's code."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage


class RecordingHandler:
    """Keeps every mail the server accepted; `refuse` maps recipient → (code, text) to refuse instead."""

    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        parsed = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        with self.lock:
            self.mails.append(ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def mails(self) -> list[ReceivedMail]:
        return self.handler.mails


@dataclass
class HttpRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpPlayer:
    """A loopback HTTP server: every request is recorded, and `respond(request)` → (status, body)."""

    respond: Callable[[HttpRequest], tuple[int, str]]
    requests: list[HttpRequest] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HttpPlayer:
        player = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = HttpRequest(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    dict(self.headers.items()),
                    self.rfile.read(length),
                )
                player.requests.append(request)
                status, body = player.respond(request)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if body.startswith("{") else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


class ImapServer:
    """pymap's in-memory IMAP4rev1 server in a child process, on loopback, one user."""

    def __init__(self, user: str = "support", password: str = "secret") -> None:
        self.user, self.password, self.port = user, password, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ImapServer:
        pymap = Path(sys.executable).with_name("pymap")
        self.process = subprocess.Popen(
            [
                str(pymap),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-tls",
                "dict",
                "--demo-user",
                self.user,
                "--demo-password",
                self.password,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("pymap did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX"


@contextmanager
def django_smtp(**extra: object) -> Iterator[SmtpServer]:
    """A local SMTP server with Django's mail settings pointed at it (plain SMTP, no login)."""
    from django.test import override_settings

    with (
        SmtpServer() as server,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=server.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            **extra,
        ),
    ):
        yield server
