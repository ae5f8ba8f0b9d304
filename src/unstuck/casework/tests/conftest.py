"""Casework fixtures: the intake/sales world with bearer headers, and a JSON client helper."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from unstuck.casework.tests.factories import headers_for, intake_world


@pytest.fixture
def world(db: None) -> dict[str, User]:
    return intake_world()


@pytest.fixture
def tokens(world: dict[str, User]) -> dict[str, dict[str, str]]:
    return headers_for(world)


class Api:
    """JSON calls to /api/v1 as one of the world's people."""

    def __init__(self, client: Client, tokens: dict[str, dict[str, str]]) -> None:
        self.client, self.tokens = client, tokens

    def get(self, who: str, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.tokens[who])

    def post(self, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self.tokens[who]
        )

    def put(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(
            f"/api/v1{path}", body, content_type="application/json", headers=self.tokens[who]
        )


@pytest.fixture
def api(client: Client, tokens: dict[str, dict[str, str]]) -> Api:
    return Api(client, tokens)
