from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone

from unstuck.desk.models import LoginFailure
from unstuck.desk.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/items/order-delivery/SO1/", "/?process=order-delivery"])
def test_every_page_needs_a_signed_in_user(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_poll_after_the_session_ended_sends_the_browser_to_sign_in(client: Client):
    response = client.get(
        "/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?rule=dwell"}
    )
    assert response["HX-Redirect"] == "/login/?next=/%3Frule%3Ddwell"
    assert b"<html" not in response.content


def test_sign_in_and_out(client: Client):
    make_user("wang")
    page = client.get("/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    response = client.post("/login/", {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/logout/").status_code == 405  # signing out is a POST
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_the_login_form_is_protected_by_csrf():
    make_user("wang")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "wang", "password": PASSWORD}).status_code == 403


def _fail(client: Client, username: str = "wang") -> str:
    response = client.post("/login/", {"username": username, "password": "wrong"})
    assert response.status_code == 200
    return response.content.decode()


def test_five_failures_lock_the_user_out_with_a_clear_message(client: Client):
    make_user("wang")
    for _ in range(4):
        _fail(client)
    page = _fail(client)  # the fifth
    assert "登录失败次数过多（5 次）" in page
    assert "分钟后" in page
    # Locked: even the right password is refused, and nothing more is recorded.
    response = client.post("/login/", {"username": "Wang ", "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert LoginFailure.objects.count() == 5
    # Someone else signs in as usual.
    make_user("li")
    assert client.post("/login/", {"username": "li", "password": PASSWORD}).status_code == 302


def test_the_form_warns_before_locking(client: Client):
    make_user("wang")
    assert "再失败" not in _fail(client)
    assert "再失败" not in _fail(client)
    assert "再失败 2 次，登录将被锁定 15 分钟。" in _fail(client)
    assert "再失败 1 次" in _fail(client)


def test_the_lock_ends_after_fifteen_minutes_and_success_clears_the_count(client: Client):
    make_user("wang")
    for _ in range(5):
        _fail(client)
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=15, seconds=1))
    assert client.post("/login/", {"username": "wang", "password": PASSWORD}).status_code == 302
    assert not LoginFailure.objects.exists()


def test_the_lock_is_per_address(client: Client):
    make_user("wang")
    for _ in range(5):
        _fail(client)
    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    assert elsewhere.post("/login/", {"username": "wang", "password": PASSWORD}).status_code == 302


def test_the_lockout_message_in_english(client: Client):
    make_user("wang")
    for _ in range(4):
        _fail(client)
    response = client.post(
        "/login/", {"username": "wang", "password": "wrong"}, headers={"Accept-Language": "en"}
    )
    assert "Too many failed sign-ins (5)" in response.content.decode()


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts how often a password is hashed."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


def _admin_sign_in(client: Client, password: str, username: str = "boss") -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        headers={"Accept-Language": "en"},
    )


def test_the_admin_sign_in_has_the_same_lockout(client: Client):
    get_user_model().objects.create_superuser("boss", password=PASSWORD)
    for _ in range(5):
        assert _admin_sign_in(client, "wrong").status_code == 200
    locked = _admin_sign_in(client, PASSWORD)
    assert locked.status_code == 200 and "Too many failed sign-ins (5)" in locked.content.decode()
    assert not client.get("/admin/").wsgi_request.user.is_authenticated


def test_a_lock_from_the_desk_also_holds_at_the_admin(client: Client):
    get_user_model().objects.create_superuser("boss", password=PASSWORD)
    for _ in range(5):
        _fail(client, "boss")
    assert "Too many failed sign-ins" in _admin_sign_in(client, PASSWORD).content.decode()
    other_address = Client(REMOTE_ADDR="10.0.0.8")
    assert _admin_sign_in(other_address, PASSWORD).status_code == 302


def test_an_address_failing_across_usernames_gets_429_before_any_password_is_hashed(
    client: Client, settings: Any
):
    settings.PASSWORD_HASHERS = ["unstuck.desk.tests.test_login.CountingHasher"]
    settings.UNSTUCK_SIGNIN_ADDRESS_FAILURES = 3
    make_user("wang")
    for username in ("a", "b", "c"):  # three names, three failures: the address's limit
        _fail(client, username)
    CountingHasher.calls = 0
    for path, username in (("/login/", "wang"), ("/admin/login/", "d"), ("/login/", "e")):
        form = {"username": username, "password": PASSWORD}
        refused = client.post(path, form, headers={"Accept-Language": "en"})
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 600
        assert "Too many failed sign-ins from your address" in refused.content.decode()
    assert CountingHasher.calls == 0  # refused before any hashing
    assert LoginFailure.objects.count() == 3  # refusals are not failures: the limit ends
    # Another address signs in as usual; the refused one may again once its failures age out.
    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    assert elsewhere.post("/login/", {"username": "wang", "password": PASSWORD}).status_code == 302
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=10, seconds=1))
    assert client.post("/login/", {"username": "wang", "password": PASSWORD}).status_code == 302


def test_the_429_page_in_chinese(client: Client, settings: Any):
    settings.UNSTUCK_SIGNIN_ADDRESS_FAILURES = 1
    _fail(client, "a")
    refused = client.post("/login/", {"username": "b", "password": "x"})
    assert refused.status_code == 429 and "登录失败次数过多" in refused.content.decode()
