from datetime import timedelta

import pytest
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
