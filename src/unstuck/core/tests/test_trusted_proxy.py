"""UNSTUCK_TRUSTED_PROXY is an explicit list of proxy addresses and networks: only a request from one
of them may say, in X-Forwarded-For, whose request it carries; `*` is refused with a clear message.
(core/tests/test_serve.py shows it through a real server.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from unstuck.core.server import behind_trusted_proxies
from unstuck.environment import trusted_proxies


def test_the_setting_is_a_list_of_addresses_and_networks() -> None:
    assert trusted_proxies("") == []
    assert trusted_proxies("10.0.0.5, 10.1.0.0/16,::1") == ["10.0.0.5/32", "10.1.0.0/16", "::1/128"]


@pytest.mark.parametrize("value", ["*", "10.0.0.5,*"])
def test_a_wildcard_is_refused_with_a_clear_message(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"would let any client fake its address"):
        trusted_proxies(value)


def test_a_name_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"'proxy.local' is not an IP address or network"):
        trusted_proxies("proxy.local")


def _seen_by_the_app(peer: str, forwarded_for: str) -> tuple[str, str | None, str]:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    wrapped = behind_trusted_proxies(app, proxies=trusted_proxies("10.0.0.0/8, 192.0.2.1"), count=1)
    environ = {
        "REMOTE_ADDR": peer,
        "HTTP_X_FORWARDED_FOR": forwarded_for,
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
    }
    wrapped(environ, lambda status, headers: None)
    return seen["REMOTE_ADDR"], seen.get("HTTP_X_FORWARDED_FOR"), seen["wsgi.url_scheme"]


def test_a_listed_proxy_forwards_the_client_address_and_scheme() -> None:
    assert _seen_by_the_app("10.20.30.40", "203.0.113.7")[::2] == ("203.0.113.7", "https")
    assert _seen_by_the_app("192.0.2.1", "203.0.113.7")[::2] == ("203.0.113.7", "https")


def test_a_direct_client_cannot_fake_its_address() -> None:
    assert _seen_by_the_app("198.51.100.9", "203.0.113.7") == ("198.51.100.9", None, "http")
