"""Security settings derived from the environment, and the headers every answer carries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

_SHOW = (
    "import json, django; django.setup(); from django.conf import settings;"
    "print(json.dumps([settings.ALLOWED_HOSTS, settings.SECURE_HSTS_SECONDS,"
    " settings.SESSION_COOKIE_SECURE]))"
)


def _settings_with(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"ALLOWED_HOSTS", "UNSTUCK_BASE_URL"}}
    env.update(UNSTUCK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="unstuck.settings", **environment)
    return subprocess.run([sys.executable, "-c", _SHOW], env=env, capture_output=True, text=True, timeout=60)


def test_allowed_hosts_and_hsts_follow_the_base_url(tmp_path: Path) -> None:
    default = json.loads(_settings_with(tmp_path).stdout)
    assert default == [["127.0.0.1", "localhost", "[::1]"], 0, False]
    public = json.loads(_settings_with(tmp_path, UNSTUCK_BASE_URL="https://unstuck.example.cn").stdout)
    assert public == [["unstuck.example.cn", "localhost", "127.0.0.1", "[::1]"], 31536000, True]
    listed = json.loads(_settings_with(tmp_path, ALLOWED_HOSTS="a.example, b.example").stdout)
    assert listed[0] == ["a.example", "b.example"]


def test_a_wildcard_trusted_proxy_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    result = _settings_with(tmp_path, UNSTUCK_TRUSTED_PROXY="*")
    assert result.returncode != 0
    assert "UNSTUCK_TRUSTED_PROXY='*' would let any client fake its address" in result.stderr


@pytest.mark.django_db
def test_another_host_is_refused(client: Client) -> None:
    assert client.get("/login/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login/", headers={"Host": "127.0.0.1:8000"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/api/v1/health", "/admin/login/"])
def test_every_answer_carries_the_content_security_policy(client: Client, path: str) -> None:
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


@pytest.mark.django_db
def test_hsts_on_https_when_the_base_url_is_https(client: Client, settings: object) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000  # type: ignore[attr-defined]
    assert client.get("/login/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login/")
