"""The API shell: health, the router registry and JSON errors with stable codes."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest
from django.test import Client
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

import unstuck
from unstuck.accounts.services import api_token_create
from unstuck.api import ROUTERS
from unstuck.core.api_errors import install_error_handlers
from unstuck.core.database_trouble import forget_trouble
from unstuck.core.errors import DomainError


@pytest.mark.django_db
def test_health_reports_the_database(client: Client) -> None:
    forget_trouble()  # what other tests' requests met (on purpose) is not this test's database
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor, "reason": None}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_are_json_404(client: Client, method: str) -> None:
    response = getattr(client, method)("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served_to_signed_in_users_and_tokens(client: Client) -> None:
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused["Location"].startswith("/login/?next=/api/v1/")
    user = get_user_model().objects.create_user("reader")
    _, raw = api_token_create(user=user)
    for bearer, status in ((raw, 200), ("ust_nope", 302)):
        answer = Client().get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {bearer}"})
        assert answer.status_code == status
    client.force_login(user)
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Unstuck API"
    assert "/api/v1/health" in schema["paths"] and "/api/v1/me" in schema["paths"]
    assert not any("{path}" in path for path in schema["paths"])


@pytest.mark.django_db
def test_the_api_docs_can_be_made_public(client: Client, settings: Any) -> None:
    settings.UNSTUCK_API_DOCS_PUBLIC = True
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Unstuck API"


def test_every_app_router_is_mounted() -> None:
    """Each app module `api*.py` (or `api/`) that defines a `router` is listed in `unstuck.api.ROUTERS`."""
    package = Path(unstuck.__file__).parent
    paths = [*package.glob("*/api*.py"), *package.glob("*/api/__init__.py")]
    modules = {".".join(("unstuck", *path.relative_to(package).with_suffix("").parts)) for path in paths}
    found = [
        getattr(importlib.import_module(name.removesuffix(".__init__")), "router", None) for name in modules
    ]
    routers = [router for router in found if isinstance(router, Router)]
    assert len(routers) >= 12
    assert all(any(router is mounted for mounted in ROUTERS) for router in routers)


# The handlers, on an API of their own so each error can be raised on purpose.
errors_api = NinjaAPI(urls_namespace="errors-test")
install_error_handlers(errors_api)


@errors_api.get("/number")
def number(request: HttpRequest, n: int) -> dict[str, int]:
    return {"n": n}


@errors_api.get("/missing")
def missing(request: HttpRequest) -> None:
    raise Http404("secret detail")


@errors_api.get("/denied")
def denied(request: HttpRequest) -> None:
    raise PermissionDenied


@errors_api.get("/domain")
def domain(request: HttpRequest) -> None:
    raise DomainError("item_closed", "The item is already closed.", status=409, details={"item": "A1"})


@errors_api.get("/protected", auth=lambda request: None)
def protected(request: HttpRequest) -> None:
    raise AssertionError("never reached")


@errors_api.get("/crash")
def crash(request: HttpRequest) -> None:
    raise RuntimeError("bug")


errors = TestClient(errors_api)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/number?n=abc", 422, "invalid_request"),
        ("/number", 422, "invalid_request"),
        ("/missing", 404, "not_found"),
        ("/denied", 403, "forbidden"),
        ("/domain", 409, "item_closed"),
        ("/protected", 401, "unauthorized"),
    ],
)
def test_errors_are_json_with_a_stable_code(path: str, status: int, code: str) -> None:
    response = errors.get(path)
    assert response.status_code == status
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]


def test_validation_errors_say_which_field() -> None:
    details = errors.get("/number?n=abc").json()["details"]
    assert details[0]["loc"] == ["query", "n"]


def test_domain_error_details_are_passed_on() -> None:
    assert errors.get("/domain").json() == {
        "code": "item_closed",
        "message": "The item is already closed.",
        "details": {"item": "A1"},
    }


def test_404_messages_do_not_leak_details() -> None:
    assert "secret" not in errors.get("/missing").json()["message"]


def test_unexpected_errors_are_json_500_and_still_reported(caplog: pytest.LogCaptureFixture) -> None:
    response = errors.get("/crash")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "bug" not in response.json()["message"]
    assert "unhandled API error" in caplog.text
