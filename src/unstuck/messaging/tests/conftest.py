"""Fixtures for the messaging tests: a real SMTP server wired into Django's mail settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from unstuck.messaging.tests.servers import SmtpServer, django_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with django_smtp(DEFAULT_FROM_EMAIL="客服 <support@unstuck.example.cn>") as server:
        yield server
