"""Signed links and the one-click confirmation (B特派确认): GET shows and confirms nothing; the real
link's POST records one event through the ingest and the worker resolves the case; tampered,
expired, reused or wrong-purpose links get a clear page and change nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from unstuck.cases.models import TimelineEntry
from unstuck.messaging.models import Message
from unstuck.portal.links import confirm_url, status_url, survey_url
from unstuck.portal.models import PortalLink
from unstuck.portal.tests.factories import ago, case_of, load_dispatch, push, stalled_item, worker_round
from unstuck.tracking.models import Event, Item

pytestmark = pytest.mark.django_db


def path(url: str) -> str:
    return urlsplit(url).path


def snapshot(item: Item) -> tuple[object, ...]:
    item.refresh_from_db()
    links = tuple(PortalLink.objects.order_by("pk").values_list("used_at", flat=True))
    return (Event.objects.count(), item.current_step, item.event_count, links)


@pytest.fixture
def stalled() -> Item:
    load_dispatch()
    item = stalled_item()
    worker_round()
    assert case_of(item).status == "new"
    return item


def test_links_are_absolute_from_the_base_url_and_bound_to_their_purpose(stalled: Item, settings) -> None:
    settings.UNSTUCK_BASE_URL = "https://unstuck.example.cn"
    url = confirm_url(item=stalled, step="awaiting_confirmation")
    assert url.startswith("https://unstuck.example.cn/p/c/")
    link = PortalLink.objects.latest("pk")
    assert (link.kind, link.item, link.step, link.case) == (
        "confirm",
        stalled,
        "awaiting_confirmation",
        case_of(stalled),
    )
    assert link.expires_at - link.created_at == timedelta(days=7)
    # A valid status token pasted into the confirmation address is refused: salts differ by purpose.
    token = path(status_url(item=stalled)).split("/")[3]
    response = Client().get(f"/p/c/{token}/")
    assert response.status_code == 400


def test_get_shows_the_page_and_confirms_nothing(stalled: Item) -> None:
    url = confirm_url(item=stalled, step="awaiting_confirmation")
    before = snapshot(stalled)
    for _ in range(3):  # a mail scanner prefetching, the customer opening twice
        response = Client().get(path(url))
        assert response.status_code == 200
    body = response.content.decode()
    assert "B-1" in body and "等待您确认派单" in body and 'method="post"' in body
    assert "csrfmiddlewaretoken" in body
    assert snapshot(stalled) == before
    link = PortalLink.objects.filter(kind="confirm").latest("pk")
    assert link.opened_at is not None and link.open_count == 3 and link.used_at is None
    assert case_of(stalled).status == "new"


def test_the_real_link_s_post_records_one_event_and_the_worker_resolves_the_case(stalled: Item) -> None:
    url = confirm_url(item=stalled, step="awaiting_confirmation")
    client = Client(enforce_csrf_checks=True)
    page = client.get(path(url))
    csrf = client.cookies["csrftoken"].value
    response = client.post(path(url), {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    assert "已确认" in response.content.decode() or "confirmed" in response.content.decode().lower()
    assert page.status_code == 200
    events = Event.objects.filter(item=stalled, source="portal")
    assert events.count() == 1
    event = events.get()
    assert event.step == "confirmed"
    assert event.attrs == {
        "confirmed_by": "customer",
        "confirmed_via": "portal",
        "confirmed_step": "awaiting_confirmation",
    }
    stalled.refresh_from_db()
    assert stalled.current_step == "confirmed"
    # A second POST (double click, back button) is refused and records nothing.
    again = client.post(path(url), {"csrfmiddlewaretoken": csrf})
    assert again.status_code == 410
    assert Event.objects.filter(item=stalled).count() == 2
    worker_round()
    case = case_of(stalled)
    assert case.status == "resolved"
    # The outbox adds `customer_told` and `message_*` entries (the confirmation request, the survey
    # invitation) whose number depends on delivery and quiet hours: the case's own life is checked
    # apart from them, and the message entries against the outbox itself.
    every = list(case.timeline.order_by("seq").values_list("kind", flat=True))
    kinds = [k for k in every if k != "customer_told" and not k.startswith("message_")]
    assert kinds[:3] == ["opened", "customer_confirmed", "resolved_auto"]
    assert kinds[3:] == ["survey_invited"], "the resolved case invites its customer to the survey"
    messages = Message.objects.filter(case=case)
    assert every.count("message_queued") == messages.count() >= 1, (
        "each queued message is on the timeline once"
    )
    assert every.count("message_sent") == messages.filter(status="sent").count()


def test_a_post_without_the_csrf_token_is_refused(stalled: Item) -> None:
    url = confirm_url(item=stalled, step="awaiting_confirmation")
    before = snapshot(stalled)
    response = Client(enforce_csrf_checks=True).post(path(url))
    assert response.status_code == 403
    assert snapshot(stalled) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(stalled: Item, method: str) -> None:
    url = path(confirm_url(item=stalled, step="awaiting_confirmation"))
    token = url.split("/")[3]
    payload, rest = token.split(":", 1)
    forged = url.replace(token, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest)
    before = snapshot(stalled)
    response = getattr(Client(), method)(forged, {"choice": "x"} if method == "post" else None)
    assert response.status_code == 400
    body = response.content.decode()
    assert "链接无效" in body and "未做任何更改" in body
    assert snapshot(stalled) == before
    english = Client().get(forged, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "This link is not valid" in english.content.decode()


def test_an_expired_link_gets_410_and_changes_nothing(stalled: Item) -> None:
    url = path(confirm_url(item=stalled, step="awaiting_confirmation"))
    PortalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = snapshot(stalled)
    for response in (Client().get(url), Client().post(url)):
        assert response.status_code == 410
        assert "链接已过期" in response.content.decode()
    assert snapshot(stalled) == before
    assert Client().get(url + "?lang=en").content.decode().count("This link has expired") == 1


def test_the_lifetime_is_configurable(stalled: Item, settings) -> None:
    settings.UNSTUCK_PORTAL_LINK_DAYS = 0.5
    confirm_url(item=stalled, step="awaiting_confirmation")
    link = PortalLink.objects.latest("pk")
    assert link.expires_at - link.created_at == timedelta(hours=12)


def test_a_link_of_a_step_the_item_has_left_is_used_up(stalled: Item) -> None:
    url = path(confirm_url(item=stalled, step="awaiting_confirmation"))
    push("B-1", "confirmed", ago(0.1))  # confirmed on the phone meanwhile
    before = snapshot(stalled)
    assert Client().get(url).status_code == 410
    assert Client().post(url).status_code == 410
    assert snapshot(stalled) == before


def test_two_links_for_the_same_visit_record_one_event(stalled: Item) -> None:
    first = path(confirm_url(item=stalled, step="awaiting_confirmation"))
    second = path(confirm_url(item=stalled, step="awaiting_confirmation"))
    assert Client().post(first).status_code == 200
    assert Client().post(second).status_code == 410
    assert Event.objects.filter(item=stalled, source="portal").count() == 1


def test_options_are_offered_and_the_choice_is_recorded(stalled: Item) -> None:
    slots = [
        {"value": "2026-12-05T10:00", "label": "12月5日 上午"},
        {"value": "2026-12-06T14:00", "label": "12月6日 下午"},
    ]
    push("B-1", "awaiting_confirmation", ago(2.9), attrs={"confirmation_options": slots})
    url = path(confirm_url(item=stalled, step="awaiting_confirmation"))
    page = Client().get(url).content.decode()
    assert "12月5日 上午" in page and 'type="radio"' in page
    before = snapshot(stalled)
    bad = Client().post(url, {"choice": "2030-01-01"})
    assert bad.status_code == 400 and "请从提供的选项中选择" in bad.content.decode()
    assert snapshot(stalled) == before
    assert Client().post(url, {"choice": "2026-12-06T14:00"}).status_code == 200
    event = Event.objects.get(item=stalled, source="portal")
    assert event.attrs["confirmation_choice"] == "2026-12-06T14:00"
    entry = TimelineEntry.objects.get(kind="customer_confirmed")
    assert entry.data["choice"] == "2026-12-06T14:00" and "12-06" in entry.message


def test_a_confirmation_goes_to_the_step_the_process_names(stalled: Item) -> None:
    push("B-1", "qa_check", ago(0.5))
    url = path(confirm_url(item=stalled, step="qa_check"))
    assert Client().post(url).status_code == 200
    stalled.refresh_from_db()
    assert stalled.current_step == "done" and stalled.is_terminal


def test_a_survey_link_needs_a_case_about_an_item(stalled: Item) -> None:
    case = case_of(stalled)
    assert "/p/q/" in survey_url(case=case)
