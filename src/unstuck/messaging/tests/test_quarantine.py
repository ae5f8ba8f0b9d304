"""Inbound mail is threaded only when its sender may speak on the case (the customer, the address we
wrote to, a colleague) and no Authentication-Results header says the sender's domain failed; the rest
waits in quarantine, where a supervisor attaches or discards it on the desk, on the case's timeline."""

# Case numbers are set once a case is created; the tests read them from cases they just made.
# mypy: disable-error-code="operator,union-attr"

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from unstuck.cases.models import TimelineEntry
from unstuck.cases.tests.factories import bearer, manual_case, person
from unstuck.messaging.models import Message, QuarantinedMail
from unstuck.messaging.outbox import outbox_deliver
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.tests.factories import case_with_customer
from unstuck.messaging.tests.test_inbound import reply

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbound/email"
SCREEN = "/messaging/quarantine/"


def post(raw: bytes) -> dict[str, object]:
    response = Client().post(
        URL, data=raw, content_type="message/rfc822", headers=bearer(person("mx", "admin"))
    )
    assert response.status_code == 200, response.content
    return dict(response.json())


def desk(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_strangers_reply_naming_the_case_is_quarantined_not_threaded():
    case = case_with_customer()
    answer = post(reply(subject=f"Re: {case.number}", sender="陌生人 <stranger@evil.example>"))
    assert answer["matched"] is False and answer["case"] is None and answer["quarantined"] == "unknown_sender"
    held = QuarantinedMail.objects.select_related("message").get()
    assert held.claimed_case == case and held.message.case is None and held.message.customer is None
    assert not TimelineEntry.objects.filter(case=case, kind="message_received").exists()
    listed = Client().get(f"/api/v1/cases/{case.pk}/messages", headers=bearer(person("boss", "admin")))
    assert all(message["direction"] == "out" for message in listed.json())


def test_a_stranger_quoting_our_message_id_is_quarantined_too(smtp):
    case = case_with_customer()
    ours = message_enqueue(
        template_key="stall_update", context={"reason": "r", "eta": "e"}, dedupe_key="d", case=case
    )
    outbox_deliver(batch=10)
    ours.refresh_from_db()
    answer = post(reply(in_reply_to=str(ours.message_id), sender="x@evil.example"))
    assert answer["quarantined"] == "unknown_sender"
    held = QuarantinedMail.objects.get()
    assert held.claimed_case == case and held.message.customer is None


@pytest.mark.parametrize("sender", ["WANG@Example.CN", "王女士 <Wang@EXAMPLE.cn>", "<wang@example.cn>"])
def test_the_customers_address_matches_case_insensitively(sender: str):
    case = case_with_customer()
    answer = post(reply(subject=f"Re: {case.number}", sender=sender))
    assert answer["case"] == case.number and answer["quarantined"] is None


def test_a_colleague_may_reply_on_the_case():
    case = case_with_customer()
    colleague = person("li", "agent", "ops")
    User.objects.filter(pk=colleague.pk).update(email="Li.Ming@Unstuck.example.cn")
    answer = post(reply(subject=f"Re: {case.number}", sender="li.ming@unstuck.example.cn"))
    assert answer["case"] == case.number
    inactive = person("gone", "agent", "ops")
    User.objects.filter(pk=inactive.pk).update(email="gone@unstuck.example.cn", is_active=False)
    answer = post(reply(subject=f"Re: {case.number}", sender="gone@unstuck.example.cn", message_id="<g@x>"))
    assert answer["quarantined"] == "unknown_sender"


@pytest.mark.parametrize(
    "authentication",
    [
        ("mx.unstuck.example.cn; spf=pass smtp.mailfrom=example.cn; dmarc=fail header.from=example.cn",),
        ("mx.unstuck.example.cn; spf=fail smtp.mailfrom=wang@example.cn",),
        ("mx.unstuck.example.cn; dkim=fail header.d=example.cn",),
        ("mx.unstuck.example.cn; dkim=fail reason=bad",),  # no domain named: about this mail
    ],
)
def test_failed_authentication_for_the_senders_domain_is_quarantined_even_from_the_customer(authentication):
    case = case_with_customer()
    answer = post(reply(subject=f"Re: {case.number}", authentication=authentication))
    assert answer["quarantined"] == "authentication_failed" and answer["case"] is None
    held = QuarantinedMail.objects.get()
    assert held.claimed_case == case and "fail" in held.detail


@pytest.mark.parametrize(
    "authentication",
    [
        ("mx.example; spf=pass smtp.mailfrom=example.cn; dkim=pass header.d=example.cn; dmarc=pass",),
        ("mx.unstuck.example.cn; dkim=fail header.d=mailinglist.example.org",),  # another domain's signature
        ("mx; dkim=fail header.d=example.cn", "mx; dkim=pass header.d=example.cn"),  # one of two signatures
    ],
)
def test_passing_or_unrelated_results_let_the_customer_in(authentication):
    case = case_with_customer()
    assert post(reply(subject=f"Re: {case.number}", authentication=authentication))["case"] == case.number


def test_the_supervisor_screen_lists_and_attaches_a_quarantined_mail():
    case = case_with_customer()
    other = manual_case(team="intake", title="另一个工单")
    post(reply(subject=f"Re: {case.number} 订单问题", sender="新邮箱 <wang.new@example.org>"))
    supervisor = person("zhang", "supervisor", "intake")
    page = desk(supervisor).get(SCREEN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "wang.new@example.org" in text and f"Re: {case.number} 订单问题" in text and case.number in text
    assert "隔离邮件" in text  # the page and its nav link, in zh-Hans
    held = QuarantinedMail.objects.get()

    response = desk(supervisor).post(f"{SCREEN}{held.pk}/attach/", {"case": other.number.lower()})
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.attached_to, held.decided_by) == ("attached", other, supervisor)
    assert Message.objects.get(direction="in").case == other
    kinds = list(TimelineEntry.objects.filter(case=other).order_by("seq").values_list("kind", flat=True))
    assert kinds[-2:] == ["mail_attached", "message_received"]
    attached = TimelineEntry.objects.get(case=other, kind="mail_attached")
    assert "wang.new@example.org" in attached.message and "zhang" in attached.message
    assert attached.actor == supervisor
    case_page = desk(supervisor).get(reverse("desk:case", kwargs={"case_id": other.pk})).content.decode()
    assert "隔离邮件已归入" in case_page and "wang.new@example.org" in case_page

    again = desk(supervisor).post(f"{SCREEN}{held.pk}/discard/")
    assert again.status_code == 409 and "已" in again.content.decode()
    assert "wang.new@example.org" in desk(supervisor).get(f"{SCREEN}?status=attached").content.decode()


def test_discarding_is_recorded_on_the_case_it_claimed():
    case = case_with_customer()
    post(reply(subject=f"Re: {case.number}", sender="spam@evil.example"))
    held = QuarantinedMail.objects.get()
    admin = person("boss", "admin")
    assert desk(admin).post(f"{SCREEN}{held.pk}/discard/").status_code == 302
    held.refresh_from_db()
    assert held.status == "discarded" and held.decided_by == admin
    entry = TimelineEntry.objects.get(case=case, kind="mail_discarded")
    assert "spam@evil.example" in entry.message and entry.actor == admin
    assert Message.objects.get(direction="in").case is None


def test_attaching_to_an_unknown_case_is_refused_clearly():
    case = case_with_customer()
    post(reply(subject=f"Re: {case.number}", sender="x@evil.example"))
    held = QuarantinedMail.objects.get()
    response = desk(person("zhang", "supervisor", "intake")).post(
        f"{SCREEN}{held.pk}/attach/", {"case": "C-999999"}
    )
    assert response.status_code == 400 and "C-999999" in response.content.decode()
    held.refresh_from_db()
    assert held.status == "pending"


def test_another_teams_supervisor_does_not_see_mail_claiming_a_case_they_cannot_see():
    case = case_with_customer()
    post(reply(subject=f"Re: {case.number}", sender="x@evil.example"))
    post(reply(subject="你好", sender="y@evil.example", message_id="<y@evil.example>"))
    held = QuarantinedMail.objects.get(claimed_case=case)
    outsider = desk(person("wu", "supervisor", "finance"))
    page = outsider.get(SCREEN).content.decode()
    assert "x@evil.example" not in page and "y@evil.example" in page  # no case claimed: any supervisor
    assert outsider.post(f"{SCREEN}{held.pk}/discard/").status_code == 404


def test_agents_cannot_see_it_and_auditors_only_read_it():
    case = case_with_customer()
    post(reply(subject=f"Re: {case.number}", sender="x@evil.example"))
    held = QuarantinedMail.objects.get()
    agent = desk(person("agent1", "agent", "ops"))
    assert agent.get(SCREEN).status_code == 403
    assert agent.post(f"{SCREEN}{held.pk}/discard/").status_code == 403
    auditor = desk(person("audit", "auditor"))
    page = auditor.get(SCREEN)
    assert page.status_code == 200 and "x@evil.example" in page.content.decode()
    assert "/discard/" not in page.content.decode()
    assert auditor.post(f"{SCREEN}{held.pk}/discard/").status_code == 403
    held.refresh_from_db()
    assert held.status == "pending"
