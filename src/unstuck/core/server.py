"""The production web server: waitress (pure Python, threaded, no C build) serving Unstuck's WSGI app.

Static files come from WhiteNoise inside the app, so one process serves everything. SIGINT and
SIGTERM stop accepting connections, let running requests finish (waitress waits up to 5 s) and
exit with status 0, which is what process managers (systemd, Docker, Kubernetes) expect.
"""

from __future__ import annotations

import ipaddress
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


def behind_trusted_proxies(app: Any, *, proxies: list[str], count: int) -> Any:
    """`app` behind the reverse proxies `proxies` (addresses or networks, see UNSTUCK_TRUSTED_PROXY).

    A request from one of them gets the client's address and scheme from its X-Forwarded-For /
    X-Forwarded-Proto (waitress's own parsing, `count` proxies deep), so the sign-in lockout counts
    failures per real client and not per proxy; from anybody else the same headers are dropped, so
    a direct client cannot choose its address. (Waitress itself trusts one address or `*` only.)
    """
    from waitress.proxy_headers import (
        PROXY_HEADERS,
        MalformedProxyHeader,
        clear_untrusted_headers,
        parse_proxy_headers,
    )
    from waitress.utilities import BadRequest

    networks = [ipaddress.ip_network(proxy) for proxy in proxies]
    headers = {"x-forwarded-for", "x-forwarded-proto"}

    def trusted(address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
            peer = peer.ipv4_mapped
        return any(peer in network for network in networks)

    def translate(environ: dict[str, Any], start_response: Any) -> Any:
        untrusted = PROXY_HEADERS
        if trusted(str(environ.get("REMOTE_ADDR") or "")):
            try:
                untrusted = parse_proxy_headers(
                    environ, trusted_proxy_count=count, trusted_proxy_headers=headers
                )
            except MalformedProxyHeader as error:
                refusal = BadRequest(f'Header "{error.header}" malformed.')
                return refusal.wsgi_response(environ, start_response)
        clear_untrusted_headers(environ, untrusted)
        return app(environ, start_response)

    return translate


def wsgi_serve(*, host: str, port: int, threads: int, stdout: TextIOBase) -> None:
    """Serve `unstuck.wsgi.application` until SIGINT/SIGTERM. Port 0 picks a free port (printed)."""
    from waitress.server import create_server

    from unstuck.wsgi import application

    app = behind_trusted_proxies(
        application, proxies=settings.UNSTUCK_TRUSTED_PROXIES, count=settings.UNSTUCK_TRUSTED_PROXY_COUNT
    )
    # Proxy headers are ours to handle (above): waitress must neither trust nor clear them itself.
    server = create_server(
        app, host=host, port=port, threads=threads, ident="unstuck", clear_untrusted_proxy_headers=False
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
