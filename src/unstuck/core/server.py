"""The production web server: waitress (pure Python, threaded, no C build) serving Unstuck's WSGI app.

Static files come from WhiteNoise inside the app, so one process serves everything. SIGINT and
SIGTERM stop accepting connections, let running requests finish (waitress waits up to 5 s) and
exit with status 0, which is what process managers (systemd, Docker, Kubernetes) expect.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from io import TextIOBase
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import connections


def _stop(signum: int, frame: FrameType | None) -> None:
    # waitress's run loop catches SystemExit and KeyboardInterrupt and then shuts its threads down.
    raise SystemExit(0)


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def listen_urls(server: Any) -> list[str]:
    """The http:// URLs a waitress server listens on (a host name may resolve to several sockets)."""
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    urls = []
    for host, port in listening:
        shown = f"[{host}]" if ":" in str(host) else host
        urls.append(f"http://{shown}:{port}/")
    return urls


def proxy_options() -> dict[str, Any]:
    """Waitress's proxy settings from `UNSTUCK_TRUSTED_PROXY` (the reverse proxy's address, or `*`).

    Behind a trusted proxy, waitress takes the client's address and scheme from the proxy's
    X-Forwarded-For / X-Forwarded-Proto, so the login lockout counts failures per real client and
    not per proxy; the same headers from anybody else are dropped. Unset: nothing is trusted.
    """
    proxy = settings.UNSTUCK_TRUSTED_PROXY
    if not proxy:
        return {}
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": settings.UNSTUCK_TRUSTED_PROXY_COUNT,
        "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto",
        "clear_untrusted_proxy_headers": True,
    }


def wsgi_serve(*, host: str, port: int, threads: int, stdout: TextIOBase) -> None:
    """Serve `unstuck.wsgi.application` until SIGINT/SIGTERM. Port 0 picks a free port (printed)."""
    from waitress.server import create_server

    from unstuck.wsgi import application

    server = create_server(
        application, host=host, port=port, threads=threads, ident="unstuck", **proxy_options()
    )
    urls = listen_urls(server)
    stdout.write(f"Unstuck is serving at {urls[0]} ({threads} threads; API docs at {urls[0]}api/v1/docs)")
    for other in urls[1:]:
        stdout.write(f"  also at {other}")
    stdout.write("Press Ctrl+C to stop.")
    stdout.flush()
    try:
        with _stop_on_sigterm():
            server.run()
    finally:
        server.close()
        connections.close_all()
    stdout.write("Unstuck stopped.")
    stdout.flush()
