"""`unstuck serve` in a child process: a fresh database just works, then SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from unstuck.core.testing import isolated_environment, unstuck, unstuck_popen

pytestmark = pytest.mark.slow


def wait_for_url(server: subprocess.Popen[str], timeout: float = 120) -> tuple[str, list[str]]:
    lines: queue.Queue[str] = queue.Queue()
    assert server.stdout is not None
    stdout = server.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("serve printed no URL:\n" + "".join(seen)) from None
        seen.append(line)
        found = re.search(r"serving at (http://\S+/)", line)
        if found:
            return found.group(1), seen


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_serve_migrates_serves_api_and_static_and_stops_on_sigterm(tmp_path: Path) -> None:
    with isolated_environment(tmp_path) as env:
        server = unstuck_popen(env, "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "2")
        try:
            url, _ = wait_for_url(server)
            status, kind, body = fetch(url + "api/v1/health")
            assert (status, kind) == (200, "application/json; charset=utf-8")
            assert json.loads(body)["status"] == "ok"

            status, kind, body = fetch(url + "static/admin/css/base.css")
            assert status == 200 and kind.startswith("text/css") and body

            status, _, body = fetch(url + "api/v1/me")
            assert status == 401 and json.loads(body)["code"] == "unauthorized"

            # A consistent backup while the server runs.
            unstuck(env, "backup", str(tmp_path / "live.backup"))

            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) == 0
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()


def _sign_in_fails(url: str, forwarded_for: str) -> str:
    """One failed sign-in through the server, as if forwarded by a proxy for `forwarded_for`."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    headers = {"Accept-Language": "en", "X-Forwarded-For": forwarded_for}
    with opener.open(urllib.request.Request(url + "login/", headers=headers), timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token is not None
    form = {"csrfmiddlewaretoken": token.group(1), "username": "wang", "password": "wrong"}
    request = urllib.request.Request(
        url + "login/", data=urllib.parse.urlencode(form).encode(), headers={**headers, "Referer": url}
    )
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()


def test_behind_a_trusted_proxy_the_lockout_counts_the_forwarded_client(tmp_path: Path) -> None:
    with isolated_environment(tmp_path) as env:
        env["UNSTUCK_TRUSTED_PROXY"] = "10.9.9.9, 127.0.0.0/8"  # a list of addresses and networks
        server = unstuck_popen(env, "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "2")
        try:
            url, _ = wait_for_url(server)
            pages = [_sign_in_fails(url, "203.0.113.7") for _ in range(5)]
            assert "is locked until" in pages[-1] and "is locked until" not in pages[0]
            # Another client behind the same proxy is not locked out by the first one's failures.
            assert "is locked until" not in _sign_in_fails(url, "198.51.100.9")
            assert "is locked until" in _sign_in_fails(url, "203.0.113.7")
        finally:
            server.kill()
            server.wait()
